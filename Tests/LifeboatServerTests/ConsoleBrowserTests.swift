import Crypto
import Foundation
import LifeboatCatalog
import LifeboatCore
import LifeboatIdentity
import LifeboatJobs
import LifeboatRepository
import LifeboatServer
import LifeboatTestSupport
import Testing

/// Drives the console in headless Chromium (Debian `chromium`, `chromium-driver`) with Selenium (PyPI `selenium`)
/// through Tests/Browser/console_test.py, against a live daemon backing up node n1. Screenshots go to
/// `.build/test-artifacts/console/`.
@Suite(.serialized) struct ConsoleBrowserTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(.timeLimit(.minutes(5))) func operatorAndViewerInChromium() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "install chromium (scripts/install-deps)")
        #expect(FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"), "install chromium-driver (scripts/install-deps)")
        // A real identity dump of n1: a key in the Nuts layout, encrypted to a fresh age identity.
        let dir = try TemporaryDirectory(prefix: "lifeboat-console")
        try FileManager.default.createDirectory(atPath: dir.appending("node/events"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.appending("node/crypto"), withIntermediateDirectories: true)
        try Data("event one".utf8).write(to: URL(fileURLWithPath: dir.appending("node/events/1.json")))
        try DaemonHarness.makeDatabase(dir.appending("node/data.db"), rows: 200)
        try Data(P256.Signing.PrivateKey().pemRepresentation.utf8)
            .write(to: URL(fileURLWithPath: dir.appending("node/crypto/did:nuts:console#key-1_private.pem")))
        let recipient = try IdentityKeygen.write(to: dir.appending("identity.key"))
        let h = try await DaemonHarness(
            dir: dir,
            identity: """
                interval: 1h
                max: 3
                repositories: [primary]
                source: {type: fs, directory: crypto}
                recipients: [\(recipient.encoded)]
                """)
        defer { Task { await h.stop() } }
        let dump = try await h.daemon.runner.submit(JobRequest.identity(node: "n1"), trigger: JobTrigger.manual)
        await h.daemon.runner.waitUntilIdle()
        #expect(try await h.daemon.catalog.job(dump.id)?.state == .completed)

        let artifacts = Self.packageRoot.appendingPathComponent(".build/test-artifacts/console").path
        try? FileManager.default.removeItem(atPath: artifacts)
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let output = h.dir.appending("browser.log")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let process = Process()
        // The python3 on PATH (the one pip installed selenium for).
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.packageRoot.appendingPathComponent("Tests/Browser/console_test.py").path]
        var environment = ProcessInfo.processInfo.environment
        environment["LIFEBOAT_URL"] = "http://127.0.0.1:\(h.port)"
        environment["LIFEBOAT_OPERATOR_TOKEN"] = DaemonHarness.operatorToken
        environment["LIFEBOAT_VIEWER_TOKEN"] = DaemonHarness.viewerToken
        environment["LIFEBOAT_RESTORE_TARGET"] = h.dir.appending("restored")
        environment["LIFEBOAT_ARTIFACTS"] = artifacts
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(420)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try log.close()
        let text = String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "browser test failed:\n\(text)")
        #expect(text.contains("ok operator_flow") && text.contains("ok viewer_flow"), "\(text)")
        // The restore really wrote the node's files.
        #expect(FileManager.default.fileExists(atPath: h.dir.appending("restored/data.db")))
        let shots = (try? FileManager.default.contentsOfDirectory(atPath: artifacts)) ?? []
        #expect(shots.filter { $0.hasSuffix(".png") }.count >= 9, "\(shots)")
    }
}
