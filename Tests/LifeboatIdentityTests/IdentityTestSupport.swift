import Crypto
import CryptoExtras
import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatCrypto
import LifeboatRepository
import LifeboatStorage
import LifeboatTestSupport
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A test failure with a readable message.
struct IdentityTestFailure: Error, CustomStringConvertible {
    let description: String
}

/// Real private keys made by swift-crypto, as PKCS#8 PEM.
enum TestKeys {
    static func p256() -> String { P256.Signing.PrivateKey().pemRepresentation }
    static func p384() -> String { P384.Signing.PrivateKey().pemRepresentation }
    static func ed25519() -> String { Curve25519.Signing.PrivateKey().pemRepresentation }
    static func rsa() throws -> String { try _RSA.Signing.PrivateKey(keySize: .bits2048).pkcs8PEMRepresentation }

    /// What a leak of a PEM key would show: its whole base64 body, and a run of DER bytes from inside the private part.
    static func secretForms(of pem: String) -> (body: String, der: [UInt8]) {
        let body = pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        let der = Array(Data(base64Encoded: body) ?? Data())
        return (body, Array(der[(der.count / 4)..<min(der.count, der.count / 4 + 24)]))
    }

    /// The whole DER of a PEM key.
    static func der(of pem: String) -> [UInt8] {
        Array(Data(base64Encoded: pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()) ?? Data())
    }

    /// The SHA-256 (hex) of an EC P-256 key's public DER, computed independently of the module.
    static func p256Fingerprint(_ pem: String) throws -> String {
        Hex.encode(SHA256.hash(data: try P256.Signing.PrivateKey(pemRepresentation: pem).publicKey.derRepresentation))
    }
}

/// A stand-in server (a Python script in Tests/Fixtures) on a free loopback port, killed by ``stop()``.
final class StandIn {
    let process: Process
    let port: Int

    /// The fixtures directory next to this test target.
    static var fixtures: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }

    /// Starts `script` with `arguments` (port 0: the script picks a free one and prints `PORT n`).
    init(_ script: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-u", Self.fixtures + "/" + script, "--port", "0"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = [UInt8]()
        let handle = pipe.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            kill(process.processIdentifier, SIGKILL)
            throw IdentityTestFailure(description: "stand-in \(script) did not start (printed \"\(text)\")")
        }
        self.process = process
        self.port = port
    }

    /// `http://127.0.0.1:<port>`.
    var url: String { "http://127.0.0.1:\(port)" }

    /// Kills the server (SIGKILL: it has no state worth a clean shutdown).
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Collects every log line and its metadata so tests can scan logs for leaked secrets.
final class LogCollector: Sendable {
    private let lines = Mutex<[String]>([])

    /// Everything logged so far, one entry per message with metadata.
    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    /// A logger at trace level that records into this collector.
    func logger() -> Logger {
        var logger = Logger(label: "identity-test") { _ in Handler(collector: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let collector: LogCollector
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            collector.append("\(event.level) \(event.message) \(all.map { "\($0.key)=\($0.value)" }.sorted())")
        }
    }
}

/// A repository in a temp directory with a cheap scrypt cost.
struct TestRepository {
    static let password = "repository password"
    let directory: TemporaryDirectory
    let repository: Repository

    init() async throws {
        directory = try TemporaryDirectory(prefix: "lifeboat-identity")
        let storage = try LocalStorage.create(at: directory.appending("repo"))
        repository = try await Repository.initialize(
            storage: storage, secret: .password(Self.password), logger: Logger(label: "test"), scryptN: 1 << 10)
    }

    /// The repository's directory.
    var path: String { directory.appending("repo") }

    /// Every byte of every file under `path`, file by file.
    static func files(under path: String) -> [(String, [UInt8])] {
        let enumerator = FileManager.default.enumerator(atPath: path)
        var out: [(String, [UInt8])] = []
        while let relative = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: path + "/" + relative) { out.append((relative, Array(data))) }
        }
        return out
    }
}

/// A node with an identity section.
func makeNode(
    _ name: String = "node-1", source: IdentitySource, recipients: [String], datadir: String? = nil
) throws -> NodeConfiguration {
    let plan = BackupPlan(schedule: try Schedule(parsing: "24h"), max: 14, repositories: ["primary"])
    return NodeConfiguration(
        name: name, profile: .nuts, datadir: datadir,
        identity: IdentityConfiguration(plan: plan, source: source, recipients: recipients))
}

/// The error `body` throws as a LifeboatError, or nil.
func lifeboatError(_ body: () async throws -> Void) async -> LifeboatError? {
    do {
        try await body()
        return nil
    } catch let error as LifeboatError {
        return error
    } catch {
        return LifeboatError(.internalError, "unexpected error type: \(error)")
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs anywhere in these bytes.
    func contains(bytes needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        let first = needle[0]
        var index = 0
        while index <= count - needle.count {
            if self[index] == first, Array(self[index..<(index + needle.count)]) == needle { return true }
            index += 1
        }
        return false
    }
}

/// Runs a tool (the real `age`) and returns status and stdout.
@discardableResult
func runTool(_ path: String, _ arguments: [String], in directory: String) throws -> (status: Int32, stdout: [UInt8]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, Array(data))
}
