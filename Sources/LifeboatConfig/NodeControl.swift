import LifeboatCore

/// How Lifeboat stops, starts and talks to a node during a restore (`control:` of a node).
///
/// ```yaml
/// control:
///   systemd_unit: nuts.service        # or stop: "CMD" / pid_file: FILE, and start: "CMD"
///   url: http://127.0.0.1:8081        # the node's API: /status, /status/diagnostics, reprocess
///   timeout: 2m                       # how long each wait may take
/// ```
public struct NodeControl: Sendable, Hashable, Codable {
    /// A shell command that stops the node.
    public var stop: String?
    /// A shell command that starts the node (in the background).
    public var start: String?
    /// A systemd unit stopped and started with `systemctl`.
    public var systemdUnit: String?
    /// A file holding the node's PID; the node is stopped with SIGTERM to it.
    public var pidFile: String?
    /// The node's HTTP API, `http(s)://HOST[:PORT]`.
    public var url: String?
    /// How long each wait (stopped, started, diagnostics) may take.
    public var timeout: Interval

    /// Creates a control section.
    public init(
        stop: String? = nil, start: String? = nil, systemdUnit: String? = nil, pidFile: String? = nil, url: String? = nil,
        timeout: Interval = NodeControl.defaultTimeout
    ) {
        self.stop = stop
        self.start = start
        self.systemdUnit = systemdUnit
        self.pidFile = pidFile
        self.url = url
        self.timeout = timeout
    }

    /// Two minutes.
    public static var defaultTimeout: Interval { Interval.validLiteral("2m") }

    /// The keys `control:` reads.
    static let keys = ["stop", "start", "systemd_unit", "pid_file", "url", "timeout"]

    enum CodingKeys: String, CodingKey {
        case stop, start, url, timeout
        case systemdUnit = "systemd_unit"
        case pidFile = "pid_file"
    }
}

extension ConfigValidator {
    /// `control:`.
    func control(_ node: ConfigNode) -> NodeControl? {
        guard let fields = mapping(node, keys: NodeControl.keys) else { return nil }
        var control = NodeControl()
        var ok = true
        func string(_ key: String) -> String? {
            guard let n = fields[key] else { return nil }
            guard let value = text(n), !value.isEmpty else {
                ok = false
                return nil
            }
            return value
        }
        control.stop = string("stop")
        control.start = string("start")
        control.systemdUnit = string("systemd_unit")
        if let n = fields["pid_file"], let path = pathText(n) { control.pidFile = resolve(path) }
        if let n = fields["url"], let url = text(n) {
            if url.hasPrefix("http://") || url.hasPrefix("https://") {
                control.url = url.hasSuffix("/") ? String(url.dropLast()) : url
            } else {
                report(n, "\"\(url)\" is not an http(s):// URL")
                ok = false
            }
        }
        if let n = fields["timeout"] {
            if let value = interval(n) { control.timeout = value } else { ok = false }
        }
        let stops = [fields["stop"], fields["systemd_unit"], fields["pid_file"]].compactMap { $0 }
        if stops.count > 1 {
            report(stops[1], "give one way to stop the node: stop, systemd_unit or pid_file")
            ok = false
        }
        if let start = fields["start"], fields["systemd_unit"] != nil {
            report(start, "give start or systemd_unit, not both")
            ok = false
        }
        return ok ? control : nil
    }
}
