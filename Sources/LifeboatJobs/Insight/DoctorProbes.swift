import AsyncHTTPClient
import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatS3
import NIOCore
import NIOHTTP1

/// The doctor's network probes: a node's health endpoint and the clock of S3 endpoints.
public struct DoctorProbes: Sendable {
    /// Skew beyond which S3 refuses signed requests (it allows 15 minutes); the doctor warns at a fifth of it.
    public var skewWarning: TimeInterval
    /// How long a probe may take.
    public var timeout: TimeAmount

    /// Creates probes.
    public init(skewWarning: TimeInterval = 180, timeout: TimeAmount = .seconds(5)) {
        self.skewWarning = skewWarning
        self.timeout = timeout
    }

    /// The health URL of a node: its own API (`control.url`), else from its identity source a
    /// Splice validator's readiness endpoint or Vault's health endpoint; nil when it names no server.
    public static func healthURL(_ node: NodeConfiguration) -> String? {
        // The node's own API (control.url) first: /status answers 200 on a Nuts node.
        if let url = node.control?.url {
            return Self.trimmed(url) + (node.profile == .canton ? "/api/validator/readyz" : "/status")
        }
        switch node.identity?.source {
        case .canton(let source)?: return Self.trimmed(source.url) + "/api/validator/readyz"
        case .vault(let vault)?: return Self.trimmed(vault.address) + "/v1/sys/health"
        default: return nil
        }
    }

    static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }

    /// A finding when the node's health endpoint does not answer, or answers a server error.
    func health(_ node: NodeConfiguration) async -> [DoctorFinding] {
        guard let url = Self.healthURL(node) else { return [] }
        let remedy =
            node.profile == .canton
            ? "Confirm the validator is operational (its pods or service and network path) before relying on scheduled identity dumps; the dumps need it up."
            : node.control?.url != nil
                ? "Start the node, or fix control.url if it moved: until \(url) answers, backups record no diagnostics and a node restore cannot check the node."
                : "Check the identity source's server (address, network path): identity dumps need it up."
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: timeout)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard response.status.code < 500 else {
                return [
                    DoctorFinding(
                        .error, node: node.name, check: "health",
                        message: "the node's health endpoint \(url) answered \(response.status.code)", remedy: remedy)
                ]
            }
            return []
        } catch {
            return [
                DoctorFinding(
                    .error, node: node.name, check: "health", message: "the node's health endpoint \(url) does not answer: \(error)",
                    remedy: remedy)
            ]
        }
    }

    /// A finding when the S3 endpoint's clock (its `Date` header) differs from ours by more than ``skewWarning``.
    func clockSkew(_ rc: RepositoryConfiguration, now: Date) async -> DoctorFinding? {
        guard let location = try? S3Location.parse(url: rc.url) else { return nil }
        let region = rc.region ?? ProcessInfo.processInfo.environment["AWS_REGION"] ?? "us-east-1"
        let endpoint = location.resolvedEndpoint(region: region)
        var request = HTTPClientRequest(url: endpoint + "/")
        request.method = .HEAD
        let started = Date()
        guard let response = try? await HTTPClient.shared.execute(request, timeout: timeout),
            let header = response.headers.first(name: "Date"), let theirs = Self.httpDate(header)
        else { return nil }
        // Their clock read the time somewhere between sending and receiving.
        let ours = started.addingTimeInterval(Date().timeIntervalSince(started) / 2)
        let skew = theirs.timeIntervalSince(ours)
        guard abs(skew) > skewWarning else { return nil }
        return DoctorFinding(
            abs(skew) > 900 ? .error : .warning, node: nil, check: "clock-skew",
            message:
                "this machine's clock is \(Int(abs(skew))) s \(skew > 0 ? "behind" : "ahead of") the S3 endpoint of repository \(rc.name) (\(endpoint))",
            remedy: "S3 refuses signed requests beyond 15 minutes of skew: enable NTP (timedatectl set-ntp true) on this machine.")
    }

    /// Parses an RFC 7231 date, `Sun, 06 Nov 1994 08:49:37 GMT`.
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
