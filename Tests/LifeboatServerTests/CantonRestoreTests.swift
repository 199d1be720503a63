import Foundation
import LifeboatCore
import LifeboatIdentity
import LifeboatJobs
import LifeboatRepository
import LifeboatServer
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The restore runbook for a Canton validator, end to end with real processes: a real
/// PostgreSQL cluster holding the demo node's validator-app and participant databases, the
/// demo node (`--profile canton`, a Splice validator stand-in) writing all along, an identity
/// dump and a backup by the daemon taken while it writes, then the node killed and both
/// databases dropped, and `node-restores` bringing it back at the dumps' state (checked
/// against the diagnostics recorded around the capture) and a restore kit for a new
/// participant identifier.
@Suite(.serialized) struct CantonRestoreTests {
    static let node = "validator-1"
    static let validatorTables = ["users", "balances"]
    static let participantTables = ["identity", "keys", "topology", "contracts"]

    @Test func killedValidatorWithDroppedDatabasesComesBack() async throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-canton-runbook")
        let pg = try await PostgresCluster.start(directory: dir.appending("pg"))
        try pg.sql("postgres", "CREATE DATABASE validator; CREATE DATABASE participant")
        let token = "canton-admin-\(UInt64.random(in: 0 ... .max))"
        let tokenFile = dir.appending("admin.token")
        try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: tokenFile))
        let datadir = dir.appending("validator")
        let pidFile = dir.appending("validator.pid")
        let databases = "--validator-db \(pg.url("validator")) --participant-db \(pg.url("participant"))"
        let node = try DemoNodeProcess.start(
            datadir: datadir,
            arguments: ["--profile", "canton", "--write-interval", "50ms", "--pid-file", pidFile]
                + databases.split(separator: " ").map(String.init),
            environment: ["DEMO_NODE_ADMIN_TOKEN": token])
        let identityFile = dir.appending("identity.key")
        let recipient = try IdentityKeygen.write(to: identityFile)
        // The restarted node does not write, so its diagnostics can be compared with the backup's.
        let start =
            "DEMO_NODE_ADMIN_TOKEN=\(token) nohup \(DemoNodeProcess.binary) --profile canton --datadir \(datadir) --listen 127.0.0.1:\(node.port) \(databases) --write-interval 0 --pid-file \(pidFile) > \(dir.appending("restarted.log")) 2>&1 < /dev/null &"
        let yaml =
            DaemonHarness.configHead(in: dir) + """

                nodes:
                  - name: \(Self.node)
                    profile: canton
                    migration_id: 7
                    datadir: \(datadir)
                    stores:
                      - type: postgres
                        databases:
                          - {name: validator, url: "\(pg.url("validator"))", tables: [\(Self.validatorTables.joined(separator: ", "))]}
                          - {name: participant, url: "\(pg.url("participant"))", tables: [\(Self.participantTables.joined(separator: ", "))]}
                        order: sequential
                    backups: {interval: 1h, max: 5, repositories: [primary]}
                    identity:
                      interval: 1h
                      max: 5
                      repositories: [primary]
                      source: {type: canton, url: "http://127.0.0.1:\(node.port)", token_file: \(tokenFile)}
                      recipients: [\(recipient.encoded)]
                    control:
                      pid_file: \(pidFile)
                      start: "\(start.replacingOccurrences(of: "\"", with: "\\\""))"
                      url: http://127.0.0.1:\(node.port)
                      timeout: 60s
                """
        let h = try await DaemonHarness(dir: dir, configuration: yaml)
        defer {
            NodeRestoreTests.stopRestarted(pidFile)
            node.kill()
            pg.stop()
            Task { await h.stop() }
        }

        // Writes run until the participant holds a few contracts (a loaded machine writes
        // slower), and go on through the identity dump and the backup.
        let writing = Date().addingTimeInterval(30)
        while Date() < writing {
            if let counts = Self.stores(try node.get("/status/diagnostics").body), (counts["participant#contracts"] ?? 0) >= 5 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let diagnostics = try node.get("/status/diagnostics").body
        let stores = try #require(Self.stores(diagnostics))
        #expect((stores["participant#contracts"] ?? 0) >= 5, "the workload wrote: \(stores)")
        let participantID = try #require(
            (try JSONSerialization.jsonObject(with: diagnostics) as? [String: Any])?["participant_id"] as? String)
        let dump = try await h.call(.POST, "/api/v1/nodes/\(Self.node)/identity-dumps")
        let dumpJob = try await h.waitForJob(try #require((dump.json as? [String: Any])?["id"] as? Int64))
        #expect(dumpJob["state"] as? String == "Completed", "\(dumpJob)")
        let started = try await h.call(.POST, "/api/v1/nodes/\(Self.node)/backups")
        let backup = try await h.waitForJob(try #require((started.json as? [String: Any])?["id"] as? Int64))
        #expect(backup["state"] as? String == "Completed", "\(backup)")

        // The snapshot: the validator app's database captured strictly before the participant's.
        let repo = try await h.daemon.repositories.repository("primary")
        let record = try await repo.findSnapshot("latest", node: Self.node, kind: .state)
        // The diagnostics record closes the snapshot: taken after both databases were dumped.
        #expect(
            record.snapshot.streams == [
                "postgres/validator.dump", "postgres/participant.dump", "postgres/postgres.json", ".lifeboat/diagnostics.json",
            ])
        let diagnosticsTaken = try #require(try await repo.fileNode(record, path: ".lifeboat/diagnostics.json").capturedAt)
        let participantDone = try #require(try await repo.fileNode(record, path: "postgres/participant.dump").capturedAt)
        #expect(participantDone <= diagnosticsTaken)
        // The network's migration id goes with the backup, for the restore's preflight.
        #expect(record.snapshot.tags.contains("migration:7"), "\(record.snapshot.tags)")
        let manifest = try #require(
            try JSONSerialization.jsonObject(with: Data(try await repo.readSmallFile(record, path: "postgres/postgres.json")))
                as? [String: Any])
        let recorded = try #require(manifest["databases"] as? [[String: Any]])
        #expect(recorded.map { $0["name"] as? String ?? "" } == ["validator", "participant"])
        let captured = recorded.compactMap { ($0["capturedAt"] as? String).flatMap(ISO8601.parse) }
        #expect(captured.count == 2)
        if captured.count == 2 { #expect(captured[0] < captured[1], "validator captured at \(captured[0]), participant at \(captured[1])") }
        let validatorDone = try #require(try await repo.fileNode(record, path: "postgres/validator.dump").capturedAt)
        if let participantStart = captured.last {
            #expect(validatorDone <= participantStart, "the validator dump ended before the participant's snapshot was taken")
        }
        // The dumps' row counts lie between the node's readings right before and right after
        // the capture, and the node wrote between those two readings.
        var counts: [String: Int] = [:]
        for database in recorded {
            for (table, rows) in database["rowCounts"] as? [String: Int] ?? [:] {
                counts["\(database["name"] as? String ?? "")#\(table)"] = rows
            }
        }
        let bracket = try #require(
            try JSONSerialization.jsonObject(with: Data(try await repo.readSmallFile(record, path: ".lifeboat/diagnostics.json")))
                as? [String: Any])
        let low = try #require(Self.stores(try JSONSerialization.data(withJSONObject: bracket["diagnostics"] ?? [:])))
        let high = try #require(Self.stores(try JSONSerialization.data(withJSONObject: bracket["after"] ?? [:])))
        #expect(Set(counts.keys) == Set(low.keys), "manifest \(counts) vs diagnostics \(low)")
        for (key, rows) in counts {
            #expect((low[key] ?? .max) <= rows && rows <= (high[key] ?? -1), "\(key): \(low[key] ?? -1) ≤ \(rows) ≤ \(high[key] ?? -1)")
        }
        #expect(
            (high["participant#contracts"] ?? 0) > (low["participant#contracts"] ?? 0),
            "the node wrote contracts during the backup: \(low) then \(high)")

        // Disaster: the node dies and the database server loses both databases.
        node.kill()
        try pg.sql("postgres", "DROP DATABASE validator; DROP DATABASE participant")
        #expect(throws: LifeboatError.self) { try pg.sql("validator", "SELECT 1") }

        let kit = dir.appending("kit")
        let body = """
            {"identityDump": "latest", "identityFile": "\(identityFile)", "newParticipantId": "demo-participant-r2", "restoreKitDirectory": "\(kit)"}
            """
        let plan = try await h.call(
            .GET, "/api/v1/nodes/\(Self.node)/restore-plan?identityDump=latest&newParticipantId=demo-participant-r2")
        let keysStep = (plan.json as? [[String: Any]])?.first { $0["id"] as? String == "restore-keys" }
        #expect(
            (keysStep?["description"] as? String)?.contains("restore kit for new participant id demo-participant-r2") == true,
            "\(plan.text)")
        let restore = try await h.call(.POST, "/api/v1/nodes/\(Self.node)/node-restores", body: body)
        #expect(restore.status == 202, "\(restore.text)")
        let job = try await h.waitForJob(try #require((restore.json as? [String: Any])?["id"] as? Int64), timeout: 120)
        #expect(job["state"] as? String == "Completed", "\(job)")
        #expect(job["error"] == nil, "warnings: \(job)")

        // The node serves again with the data its dumps held: every table, both databases.
        #expect(try LoopbackHTTP.request("GET", port: node.port, path: "/status").status == 200)
        let now = try LoopbackHTTP.request("GET", port: node.port, path: "/status/diagnostics")
        #expect(Self.stores(now.body) == counts, "the restored node's tables are the dumps'")
        #expect(
            (try JSONSerialization.jsonObject(with: now.body) as? [String: Any])?["participant_id"] as? String == participantID)
        for (key, rows) in counts {
            let parts = key.split(separator: "#").map(String.init)
            #expect(try Int(pg.sql(parts[0], "SELECT count(*) FROM \(parts[1])")) == rows, "\(key)")
        }

        // The identity: checked against the restored participant, and a restore kit written.
        let kitDump = try #require(FileManager.default.contents(atPath: kit + "/" + RestoreKit.File.dump))
        #expect((try JSONSerialization.jsonObject(with: kitDump) as? [String: Any])?["id"] as? String == participantID)
        let values = (try? String(contentsOfFile: kit + "/" + RestoreKit.File.values, encoding: .utf8)) ?? ""
        #expect(values.contains("newParticipantIdentifier: demo-participant-r2"))
        let mode = try #require(
            try FileManager.default.attributesOfItem(atPath: kit + "/" + RestoreKit.File.dump)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        // The identifier is now recorded: a second kit with it is refused.
        let again = try await h.call(
            .POST, "/api/v1/nodes/\(Self.node)/identity-dumps/latest/restore-kit",
            body:
                #"{"identityFile": "\#(identityFile)", "newParticipantId": "demo-participant-r2", "directory": "\#(dir.appending("kit2"))"}"#
        )
        #expect(again.status == 409, "\(again.text)")
        #expect(again.text.contains("already used"), "\(again.text)")
    }

    /// `stores` of the demo node's diagnostics as table → rows.
    static func stores(_ diagnostics: Data) -> [String: Int]? {
        guard let object = try? JSONSerialization.jsonObject(with: diagnostics) as? [String: Any],
            let stores = object["stores"] as? [String: Any]
        else { return nil }
        return stores.compactMapValues { ($0 as? [String: Any])?["rows"] as? Int }
    }
}
