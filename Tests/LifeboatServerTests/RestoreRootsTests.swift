import Foundation
import LifeboatTestSupport
import Testing

/// API callers can restore into, and read identity files from, only the directories the
/// configuration declares (`api.restore_roots`, here the test's directory) and, for a node's
/// restore, that node's datadir: `..`, symbolic links and absolute paths outside are 403.
@Suite(.serialized) struct RestoreRootsTests {
    func detail(_ response: DaemonHarness.Answer) -> String {
        ((response.json as? [String: Any])?["detail"] as? String) ?? response.text
    }

    @Test func restoreTargetsOutsideTheRootsAreForbidden() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let outside = try TemporaryDirectory(prefix: "lifeboat-outside")
        defer { outside.remove() }
        try FileManager.default.createSymbolicLink(atPath: h.dir.appending("escape"), withDestinationPath: outside.path)

        let refused = [
            "/etc/lifeboat-restore",
            outside.appending("restored"),
            h.dir.appending("../\(URL(fileURLWithPath: outside.path).lastPathComponent)/restored"),
            h.dir.appending("escape/restored"),
            h.dir.appending("escape"),
        ]
        for target in refused {
            let reply = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"target": "\#(target)"}"#)
            #expect(reply.status == 403, "\(target): \(reply.text)")
            #expect(detail(reply).contains("outside the allowed directories"), "\(target): \(reply.text)")
            #expect((reply.json as? [String: Any])?["field"] as? String == "target")
        }
        let viaLink = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"target": "\#(h.dir.appending("escape/x"))"}"#)
        #expect(detail(viaLink).contains("it leads to \(outside.path)/x"), "\(viaLink.text)")
        #expect(!FileManager.default.fileExists(atPath: outside.appending("restored")))
        #expect(!FileManager.default.fileExists(atPath: "/etc/lifeboat-restore"))

        let relative = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"target": "restored"}"#)
        #expect(relative.status == 422)

        // Inside the root, and the node's own datadir, are accepted.
        let inside = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"target": "\#(h.dir.appending("restores/a"))"}"#)
        #expect(inside.status == 202, "\(inside.text)")
        let datadir = try await h.call(.POST, "/api/v1/nodes/n1/restores", body: #"{"target": "\#(h.datadir)", "force": true}"#)
        #expect(datadir.status == 202, "\(datadir.text)")
        await h.daemon.runner.waitUntilIdle()
    }

    @Test func identityFilesAndKitDirectoriesOutsideTheRootsAreForbidden() async throws {
        let h = try await DaemonHarness()
        defer { Task { await h.stop() } }
        let outside = try TemporaryDirectory(prefix: "lifeboat-outside")
        defer { outside.remove() }
        try Data("AGE-SECRET-KEY-1".utf8).write(to: URL(fileURLWithPath: outside.appending("identity.key")))
        try FileManager.default.createSymbolicLink(
            atPath: h.dir.appending("key-link"), withDestinationPath: outside.appending("identity.key"))
        try FileManager.default.createSymbolicLink(atPath: h.dir.appending("escape-kit"), withDestinationPath: outside.path)

        for file in ["/etc/passwd", outside.appending("identity.key"), h.dir.appending("key-link"), h.dir.appending("../../etc/shadow")] {
            let restore = try await h.call(
                .POST, "/api/v1/nodes/n1/identity-dumps/abcd/restore", body: #"{"identityFile": "\#(file)"}"#)
            #expect(restore.status == 403, "\(file): \(restore.text)")
            #expect((restore.json as? [String: Any])?["field"] as? String == "identityFile")
            let plan = try await h.call(
                .GET, "/api/v1/nodes/n1/restore-plan?identityDump=abcd&identityFile=\(file)", token: DaemonHarness.operatorToken)
            #expect(plan.status == 403, "\(file): \(plan.text)")
            let nodeRestore = try await h.call(
                .POST, "/api/v1/nodes/n1/node-restores", body: #"{"identityDump": "abcd", "identityFile": "\#(file)"}"#)
            #expect(nodeRestore.status == 403, "\(file): \(nodeRestore.text)")
        }
        let kitOutside = try await h.call(
            .POST, "/api/v1/nodes/n1/identity-dumps/abcd/restore-kit",
            body:
                #"{"identityFile": "\#(h.dir.appending("identity.key"))", "newParticipantId": "p", "directory": "\#(outside.appending("kit"))"}"#
        )
        #expect(kitOutside.status == 403, "\(kitOutside.text)")
        #expect((kitOutside.json as? [String: Any])?["field"] as? String == "directory")
        #expect(!FileManager.default.fileExists(atPath: outside.appending("kit")))
        let runbookKitOutside = try await h.call(
            .POST, "/api/v1/nodes/n1/node-restores",
            body: #"{"newParticipantId": "p", "restoreKitDirectory": "\#(h.dir.appending("escape-kit/kit"))"}"#)
        #expect(runbookKitOutside.status == 403, "\(runbookKitOutside.text)")
        #expect((runbookKitOutside.json as? [String: Any])?["field"] as? String == "restoreKitDirectory")
        // Inside the roots the request gets past the paths (and fails later, on the dump).
        let inside = try await h.call(
            .POST, "/api/v1/nodes/n1/identity-dumps/abcd/restore", body: #"{"identityFile": "\#(h.dir.appending("identity.key"))"}"#)
        #expect(inside.status != 403, "\(inside.text)")
    }
}
