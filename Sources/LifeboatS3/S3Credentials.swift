import Foundation
import LifeboatCore

/// An access key pair (and for temporary credentials a session token) that signs S3 requests.
///
/// Printing, interpolating or dumping a value shows only the access key id: the secret
/// and the session token never reach a message or log.
///
/// ```swift
/// let credentials = try S3Credentials.resolve()   // environment, then ~/.aws/credentials
/// ```
public struct S3Credentials: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The access key id, e.g. `AKIA…`; not a secret, it appears in messages.
    public var accessKeyID: String
    /// The secret access key.
    public var secretAccessKey: String
    /// The session token of temporary credentials, sent as `x-amz-security-token`.
    public var sessionToken: String?

    /// Creates credentials from explicit values.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The access key id and whether there is a session token; never the secrets.
    public var description: String {
        "access key \(accessKeyID)\(sessionToken == nil ? "" : " with a session token")"
    }

    /// The same as ``description``, so `String(reflecting:)` shows no secret either.
    public var debugDescription: String { description }

    /// Keeps `dump` and debuggers from showing the secret fields.
    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyID": accessKeyID, "secretAccessKey": "<redacted>"], displayStyle: .struct)
    }

    /// Finds credentials the way the AWS tools do.
    ///
    /// Order: `AWS_ACCESS_KEY_ID` with `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`) from
    /// `environment`; otherwise the profile `AWS_PROFILE` (default `default`) of the shared
    /// credentials file `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`).
    /// Throws `.invalidArgument` naming the variables and file it looked at when nothing is found.
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> S3Credentials {
        let keyID = nonEmpty(environment["AWS_ACCESS_KEY_ID"])
        let secret = nonEmpty(environment["AWS_SECRET_ACCESS_KEY"])
        switch (keyID, secret) {
        case (let keyID?, let secret?):
            return S3Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"]))
        case (.some, nil):
            throw LifeboatError(.invalidArgument, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both or neither")
        case (nil, .some):
            throw LifeboatError(.invalidArgument, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both or neither")
        case (nil, nil):
            break
        }
        let profile = nonEmpty(environment["AWS_PROFILE"]) ?? "default"
        let path: String
        if let file = nonEmpty(environment["AWS_SHARED_CREDENTIALS_FILE"]) {
            path = file
        } else if let home = nonEmpty(environment["HOME"]) {
            path = home + "/.aws/credentials"
        } else {
            throw LifeboatError(
                .invalidArgument,
                "no S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set, and neither "
                    + "AWS_SHARED_CREDENTIALS_FILE nor HOME is set to find a credentials file")
        }
        guard let text = try readCredentialsFile(path) else {
            throw LifeboatError(
                .invalidArgument,
                "no S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set and \(path) does not exist")
        }
        return try fromCredentialsFile(text, profile: profile, path: path)
    }

    /// Reads the profile's keys from the text of a shared credentials file (INI format).
    static func fromCredentialsFile(_ text: String, profile: String, path: String) throws -> S3Credentials {
        var values: [String: String] = [:]
        var inProfile = false
        var foundProfile = false
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                inProfile = name == profile
                foundProfile = foundProfile || inProfile
                continue
            }
            guard inProfile, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            values[key] = value
        }
        guard foundProfile else {
            throw LifeboatError(
                .invalidArgument,
                "no S3 credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set and \(path) has no profile [\(profile)]")
        }
        guard let keyID = nonEmpty(values["aws_access_key_id"]), let secret = nonEmpty(values["aws_secret_access_key"]) else {
            throw LifeboatError(
                .invalidArgument,
                "profile [\(profile)] in \(path) needs both aws_access_key_id and aws_secret_access_key")
        }
        // aws_security_token is the older name some tools still write.
        let token = nonEmpty(values["aws_session_token"]) ?? nonEmpty(values["aws_security_token"])
        return S3Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token)
    }

    private static func readCredentialsFile(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LifeboatError(.io, "could not read the AWS credentials file \(path): \(error.localizedDescription)", cause: error)
        }
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
