import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An HTTP/1.1 proxy on a loopback port that forwards requests to a server (moto_server in the
/// tests) and fails a share of them on purpose, for testing how S3 clients cope with faults.
///
/// Each connection carries one request: the proxy asks the server to close after its answer
/// (`Connection: close`) and passes the answer on as it came. Request number *n* (counted from
/// 0 in the order they arrive) gets its fate from a generator seeded with ``Configuration/seed``,
/// so a run with the same requests in the same order meets the same faults.
///
/// ```swift
/// let proxy = try FaultProxy.start(upstreamPort: moto.port, configuration: .init(rate: 0.2, seed: 7))
/// defer { proxy.stop() }
/// let url = "s3:\(proxy.endpoint)/bucket/prefix"
/// ```
public final class FaultProxy: @unchecked Sendable {
    /// What the proxy does to a request it picked to fail.
    public enum Fault: String, CaseIterable, Sendable {
        /// Reads the request and answers `500 InternalError` without forwarding it.
        case serverError
        /// Reads part of the request (half of its body, if any) and resets the connection.
        case resetInRequest
        /// Forwards the request (so the server acts on it), then passes on only part of the
        /// answer and resets the connection: the client cannot know the request succeeded.
        case resetInAnswer
        /// Reads the request and answers nothing for ``Configuration/stall``, then closes.
        case stall
    }

    /// How often and how the proxy fails requests.
    public struct Configuration: Sendable {
        /// The share of requests that fail, 0 to 1.
        public var rate: Double
        /// The seed of the generator that picks which requests fail and how.
        public var seed: UInt64
        /// The faults to pick from, with equal chances.
        public var faults: [Fault]
        /// How long a stalled request hears nothing; make it longer than the client's timeout.
        public var stall: Duration

        /// A configuration failing `rate` of the requests with any of `faults`.
        public init(rate: Double = 0.2, seed: UInt64, faults: [Fault] = Fault.allCases, stall: Duration = .seconds(3)) {
            self.rate = rate
            self.seed = seed
            self.faults = faults
            self.stall = stall
        }
    }

    /// `http://127.0.0.1:PORT`.
    public let endpoint: String
    /// The port the proxy listens on.
    public let port: Int

    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var configuration: Configuration
    private var generator: SeededGenerator
    private var requests = 0
    private var injected: [Fault: Int] = [:]
    private var stopped = false
    private var connections: Set<Int32> = []

    private init(listener: Int32, port: Int, upstreamPort: Int, configuration: Configuration) {
        self.listener = listener
        self.port = port
        self.endpoint = "http://127.0.0.1:\(port)"
        self.upstreamPort = upstreamPort
        self.configuration = configuration
        self.generator = SeededGenerator(seed: configuration.seed)
    }

    deinit {
        stop()
    }

    /// Starts a proxy on a free loopback port in front of `127.0.0.1:upstreamPort`.
    public static func start(upstreamPort: Int, configuration: Configuration) throws -> FaultProxy {
        let descriptor = socket(AF_INET, Socket.streamType, 0)
        guard descriptor >= 0 else { throw Socket.failure("create a socket") }
        var reuse: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = Socket.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0, listen(descriptor, 64) == 0 else {
            let error = Socket.failure("listen on a loopback port")
            close(descriptor)
            throw error
        }
        let proxy = FaultProxy(
            listener: descriptor, port: Int(UInt16(bigEndian: address.sin_port)), upstreamPort: upstreamPort,
            configuration: configuration)
        let thread = Thread { [proxy] in proxy.acceptLoop() }
        thread.start()
        return proxy
    }

    /// Stops accepting, and cuts every connection still open (stalled ones included).
    public func stop() {
        let open: Set<Int32>? = lock.withLock {
            guard !stopped else { return nil }
            stopped = true
            return connections
        }
        guard let open else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for descriptor in open { shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    /// Changes the share of failing requests from the next request on (0 lets everything through).
    public func setRate(_ rate: Double) {
        lock.withLock { configuration.rate = rate }
    }

    /// Requests seen so far.
    public var requestCount: Int { lock.withLock { requests } }

    /// Faults injected so far, by kind.
    public var faultCounts: [Fault: Int] { lock.withLock { injected } }

    /// The fate of the next request: nil lets it through.
    private func decide() -> Fault? {
        lock.withLock {
            requests += 1
            let roll = Double(generator.next() >> 11) / Double(1 << 53)
            let pick = Int(generator.next() % UInt64(max(configuration.faults.count, 1)))
            guard roll < configuration.rate, !configuration.faults.isEmpty else { return nil }
            let fault = configuration.faults[pick]
            injected[fault, default: 0] += 1
            return fault
        }
    }

    // MARK: - Connections

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let admitted = lock.withLock {
                guard !stopped else { return false }
                connections.insert(client)
                return true
            }
            guard admitted else {
                close(client)
                return
            }
            let thread = Thread { [self] in
                serve(client)
                lock.withLock { _ = connections.remove(client) }
                close(client)
            }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        var reader = Socket.Reader(descriptor: client)
        guard let head = reader.readHead(), let request = HTTPHead(head) else { return }
        let fault = decide()
        switch fault {
        case .resetInRequest:
            _ = reader.read(exactly: request.contentLength / 2)
            Socket.reset(client)
            return
        case .serverError, .stall:
            guard reader.read(exactly: request.contentLength) != nil else { return }
            if fault == .stall {
                waitForStall()
                return
            }
            let body =
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>"
                + "<Message>fault injected by the test proxy</Message></Error>"
            let answer =
                "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = Socket.sendAll(client, Array(answer.utf8)[...])
            return
        case .resetInAnswer, nil:
            guard let body = reader.read(exactly: request.contentLength) else { return }
            guard let answer = forward(request.rewrittenHead + body) else { return }
            if fault == .resetInAnswer {
                _ = Socket.sendAll(client, answer.prefix(max(1, answer.count / 2)))
                Socket.reset(client)
            } else {
                _ = Socket.sendAll(client, answer[...])
            }
        }
    }

    /// Sleeps for the stall time, waking early when the proxy stops.
    private func waitForStall() {
        let deadline = ContinuousClock.now + lock.withLock { configuration.stall }
        while ContinuousClock.now < deadline {
            if lock.withLock({ stopped }) { return }
            usleep(50_000)
        }
    }

    /// Sends a whole request upstream and reads the answer to the end of the connection.
    private func forward(_ request: [UInt8]) -> [UInt8]? {
        let upstream = socket(AF_INET, Socket.streamType, 0)
        guard upstream >= 0 else { return nil }
        defer { close(upstream) }
        var address = Socket.loopback(port: upstreamPort)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0, Socket.sendAll(upstream, request[...]) else { return nil }
        var reader = Socket.Reader(descriptor: upstream)
        return reader.readToEnd()
    }
}

/// The parts of an HTTP request head the proxy needs.
private struct HTTPHead {
    /// The head with any `Connection` header replaced by `Connection: close`, blank line included.
    var rewrittenHead: [UInt8]
    /// The body's length from `Content-Length` (0 without one).
    var contentLength: Int

    init?(_ head: [UInt8]) {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard let requestLine = lines.first, requestLine.contains(" HTTP/1.") else { return nil }
        var kept = [requestLine]
        var length = 0
        for line in lines.dropFirst() {
            let name = line.prefix { $0 != ":" }.lowercased()
            let value = line.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces)
            // Chunked bodies are not supported: S3 clients send a length with every body.
            if name == "transfer-encoding" { return nil }
            if name == "content-length" { length = Int(value) ?? 0 }
            if name != "connection" { kept.append(line) }
        }
        kept.append("Connection: close")
        rewrittenHead = Array((kept.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        contentLength = length
    }
}

/// Blocking socket helpers for ``FaultProxy``.
private enum Socket {
    #if canImport(Glibc)
        static let streamType = Int32(SOCK_STREAM.rawValue)
    #else
        static let streamType = SOCK_STREAM
    #endif

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    static func failure(_ what: String) -> LifeboatError {
        LifeboatError(.io, "fault proxy could not \(what): \(String(cString: strerror(errno)))")
    }

    /// Writes all of `bytes`; false when the peer went away.
    static func sendAll(_ descriptor: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let sent = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Makes the coming close send a TCP reset instead of an orderly end.
    static func reset(_ descriptor: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }

    /// Buffered reads from a blocking socket.
    struct Reader {
        let descriptor: Int32
        var buffer: [UInt8] = []

        /// Reads more into the buffer; false at the end of the stream or on an error.
        mutating func fill() -> Bool {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let got = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { return false }
                buffer.append(contentsOf: chunk[..<got])
                return true
            }
        }

        /// The request head up to and including the blank line; nil when the stream ends first.
        mutating func readHead() -> [UInt8]? {
            let end: [UInt8] = Array("\r\n\r\n".utf8)
            var searchFrom = 0
            while true {
                if buffer.count >= 4 {
                    for index in searchFrom...(buffer.count - 4) where buffer[index..<index + 4].elementsEqual(end) {
                        let head = Array(buffer[..<(index + 4)])
                        buffer.removeFirst(index + 4)
                        return head
                    }
                    searchFrom = buffer.count - 3
                }
                guard buffer.count < 1 << 20, fill() else { return nil }
            }
        }

        /// Exactly `count` bytes; nil when the stream ends first.
        mutating func read(exactly count: Int) -> [UInt8]? {
            while buffer.count < count {
                guard fill() else { return nil }
            }
            let out = Array(buffer[..<count])
            buffer.removeFirst(count)
            return out
        }

        /// Everything up to the end of the stream.
        mutating func readToEnd() -> [UInt8] {
            while fill() {}
            defer { buffer = [] }
            return buffer
        }
    }
}
