import Foundation
import LifeboatCore
import LifeboatDaemon
import LifeboatRepository
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
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        // An identity dump of n1 as the identity module stores it: a snapshot of kind identity.
        let keys = h.dir.appending("keys")
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        for name in ["signing.pem", "encryption.pem"] {
            try Data("-----BEGIN TEST KEY \(name)-----".utf8).write(to: URL(fileURLWithPath: keys + "/" + name))
        }
        var options = BackupOptions()
        options.node = "n1"
        options.kind = .identity
        _ = try await h.daemon.repositories.repository("primary").backup(paths: [keys], options: options)

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
        let deadline = Date().addingTimeInterval(240)
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
