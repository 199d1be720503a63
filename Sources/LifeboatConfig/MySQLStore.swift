import Foundation

/// A MySQL or MariaDB database to back up (`type: mysql`), dumped with
/// `mariadb-dump --single-transaction` (or `mysqldump`) and restored with the `mariadb` client.
///
/// ```yaml
/// - type: mysql
///   url: mysql://nuts@db.internal:3306/nuts
///   password_file: /etc/lifeboat/nuts-db.pass
/// ```
/// The URL names the user, server and database and never a password: it comes from
/// `password_file` (handed to the client in a private option file) or the user's `~/.my.cnf`.
public struct MySQLStore: Sendable, Hashable {
    /// `mysql://USER@HOST[:PORT]/DATABASE` (or `mariadb://…`), without a password.
    public var url: String
    /// A file whose first line is the password; nil to rely on `~/.my.cnf`.
    public var passwordFile: String?

    /// The port when the URL names none, MySQL's and MariaDB's default.
    public static let defaultPort = 3306

    /// Creates a MySQL store entry; the configuration loader checks the URL.
    public init(url: String, passwordFile: String? = nil) {
        self.url = url
        self.passwordFile = passwordFile
    }

    /// The keys a `type: mysql` store reads besides `type`.
    static let keys = ["url", "password_file"]

    private var components: URLComponents? { URLComponents(string: url) }

    /// The server's host name or address.
    public var host: String { components?.host ?? "127.0.0.1" }
    /// The server's TCP port.
    public var port: Int { components?.port ?? Self.defaultPort }
    /// The user the client logs in as.
    public var user: String { components?.user.flatMap { $0.removingPercentEncoding ?? $0 } ?? "" }
    /// The database (the URL's path).
    public var database: String {
        let path = components?.path ?? ""
        return String(path.drop { $0 == "/" })
    }
}

extension MySQLStore: Codable {
    private enum CodingKeys: String, CodingKey {
        case url
        case passwordFile = "password_file"
    }

    /// Decodes `url` and the optional `password_file`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decode(String.self, forKey: .url)
        passwordFile = try container.decodeIfPresent(String.self, forKey: .passwordFile)
    }

    /// Encodes `url`, and `password_file` when given.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(url, forKey: .url)
        try container.encodeIfPresent(passwordFile, forKey: .passwordFile)
    }
}
