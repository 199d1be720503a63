import Foundation
import Hummingbird
import LifeboatConfig
import LifeboatCore
import LifeboatJobs

/// A signed-in console user: who, with which role, until when, and the form token.
struct ConsoleSession: Sendable {
    /// The random session id (the cookie's value).
    var id: String
    /// The token's name (never the token).
    var tokenName: String
    /// The token's role.
    var role: APIToken.Role
    /// The CSRF token every form of this session carries.
    var csrf: String
    /// When it stops being valid.
    var expires: Date

    /// Whether the role may run jobs and change schedules.
    var canAct: Bool { role.rank >= APIToken.Role.operator.rank }

    /// Whether the role may plan and start a node restore.
    var isAdmin: Bool { role.rank >= APIToken.Role.admin.rank }
}

/// Console sessions, in memory: a restart signs everyone out.
actor ConsoleSessions {
    /// The session cookie's name.
    static let cookie = "lifeboat_session"
    /// The cookie of the sign-in form's own CSRF token (double submit).
    static let signInCookie = "lifeboat_signin"
    /// How long a session lasts after sign-in.
    static let lifetime: TimeInterval = 8 * 3600

    private var sessions: [String: ConsoleSession] = [:]

    /// 32 random bytes as hex.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Starts a session for a token that matched.
    func create(for token: APIToken, now: Date) -> ConsoleSession {
        sessions = sessions.filter { $0.value.expires > now }
        let session = ConsoleSession(
            id: Self.randomToken(), tokenName: token.name, role: token.role, csrf: Self.randomToken(),
            expires: now.addingTimeInterval(Self.lifetime))
        sessions[session.id] = session
        return session
    }

    /// The live session with this id, if any.
    func session(_ id: String, now: Date) -> ConsoleSession? {
        guard let s = sessions[id] else { return nil }
        guard s.expires > now else {
            sessions[id] = nil
            return nil
        }
        return s
    }

    /// Ends a session.
    func remove(_ id: String) { sessions[id] = nil }

    /// A cookie's value from the request's `Cookie` headers.
    static func cookieValue(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(name + "=") { return String(pair.dropFirst(name.count + 1)) }
            }
        }
        return nil
    }

    /// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/`; `maxAge` 0 deletes it.
    static func setCookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict"
    }

    /// Compares two secrets in time independent of where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

/// A parsed `application/x-www-form-urlencoded` body.
struct FormBody: Sendable {
    /// Values by field, in order.
    var fields: [(String, String)]

    /// Parses `a=1&b=two+words`.
    init(_ text: String) {
        fields = text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s)
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The first value of a field.
    subscript(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }

    /// Every value of a field (checkbox groups).
    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }
}
