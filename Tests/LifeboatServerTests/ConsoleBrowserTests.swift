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

    /// An admin plans and starts a node restore of the demo node (killed, its datadir gone)
    /// in Chromium, from the backup's page with its stores' capture times, and watches every
    /// runbook step reach done on the job page, updated in place by the page's script.
    @Test(.timeLimit(.minutes(6))) func adminRestoresTheDemoNodeInChromium() async throws {
        // The node takes 3 s to start, so the steps before it are seen done while the job runs.
        let s = try await NodeRestoreTests.setUp(version: "5.4", startDelay: 3)
        let h = s.harness
        do {
            try await restoreInChromium(s)
        } catch {
            NodeRestoreTests.stopRestarted(s.pidFile)
            s.node.kill()
            await h.stop()
            throw error
        }
        NodeRestoreTests.stopRestarted(s.pidFile)
        s.node.kill()
        await h.stop()
    }

    func restoreInChromium(_ s: NodeRestoreTests.Setup) async throws {
        let h = s.harness
        _ = try await NodeRestoreTests.backUp(s)
        s.node.kill()
        try FileManager.default.removeItem(atPath: s.node.datadir)

        let artifacts = Self.packageRoot.appendingPathComponent(".build/test-artifacts/console-node-restore").path
        try? FileManager.default.removeItem(atPath: artifacts)
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let (status, text) = try await Self.runBrowser(
            ["node_restore"],
            environment: [
                "LIFEBOAT_URL": "http://127.0.0.1:\(h.port)", "LIFEBOAT_ADMIN_TOKEN": DaemonHarness.adminToken, "LIFEBOAT_NODE": "nuts-1",
                "LIFEBOAT_IDENTITY_FILE": s.identityFile, "LIFEBOAT_ARTIFACTS": artifacts,
            ], log: h.dir.appending("browser-node-restore.log"))
        #expect(status == 0, "browser test failed:\n\(text)")
        #expect(text.contains("ok node_restore_flow"), "\(text)")
        // The node really serves again, and the job the browser started recorded every step.
        #expect(try LoopbackHTTP.request("GET", port: s.node.port, path: "/status").status == 200)
        let job = try #require(try await h.daemon.catalog.jobs(node: "nuts-1", kind: .restore).first)
        #expect(job.state == .completed && job.triggerDetail == "console, token root", "\(job)")
        let steps = try await h.daemon.catalog.steps(job.id)
        #expect(steps.count == 11 && steps.filter { $0.status == "done" }.count >= 10, "\(steps)")
        let shots = (try? FileManager.default.contentsOfDirectory(atPath: artifacts)) ?? []
        #expect(shots.filter { $0.hasPrefix("nr-") && $0.hasSuffix(".png") }.count == 4, "\(shots)")
    }

    /// Runs Tests/Browser/console_test.py with `arguments` and `environment`; its output goes to `log`.
    static func runBrowser(_ arguments: [String], environment extra: [String: String], log output: String) async throws -> (Int32, String) {
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", packageRoot.appendingPathComponent("Tests/Browser/console_test.py").path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(420)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try log.close()
        return (process.terminationStatus, String(decoding: FileManager.default.contents(atPath: output) ?? Data(), as: UTF8.self))
    }
}
