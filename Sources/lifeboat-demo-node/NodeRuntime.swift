import Foundation

/// The parts of a Nuts node's diagnostics that describe the running process, not its data,
/// shaped as the Nuts node reports them (`status` engine: `uptime` in nanoseconds as Go
/// encodes a `time.Duration`, `software_version`, `git_commit`, `os_arch`; `network.connections`:
/// `connected_peers_count`, `connected_peers`, `peer_id`, `certificates_last_validated`).
///
/// The demo node has no network: it reports made-up peers that connect one by one in the
/// seconds after start (up to three), so these values change on their own as a real node's do.
enum NodeRuntime {
    /// When the process started.
    static let started = Date()
    /// This process's peer id.
    static let peerID = UUID().uuidString.lowercased()

    /// The `status` engine's diagnostics.
    static func status(softwareVersion: String) -> [String: Any] {
        [
            "uptime": Int64(Date().timeIntervalSince(started)) * 1_000_000_000,
            "software_version": softwareVersion, "git_commit": "0000000", "os_arch": "linux/" + architecture,
        ]
    }

    /// The network engine's `connections`: peers that appear one every two seconds after start, three at most.
    static func connections() -> [String: Any] {
        let count = min(3, Int(Date().timeIntervalSince(started) / 2))
        let peers = (0..<count).map { index -> [String: Any] in
            ["id": "demo-peer-\(index + 1)", "address": "127.0.0.1:\(5555 + index)"]
        }
        return [
            "connected_peers_count": count, "connected_peers": peers, "peer_id": peerID,
            "certificates_last_validated": ISO8601DateFormatter().string(from: started),
        ]
    }

    static var architecture: String {
        #if arch(x86_64)
            "amd64"
        #elseif arch(arm64)
            "arm64"
        #else
            "unknown"
        #endif
    }
}
