// lifeboat-demo-node: a STAND-IN for a Nuts node (and, with --profile canton, for a Splice
// validator), written for Lifeboat's demos and end-to-end tests. It is not the Nuts node: it
// keeps the Nuts datadir layout, file names per version, health/diagnostics/reprocess
// endpoints and the node-side shelf as PRODUCT.md describes them, with made-up data in SQLite
// files (default) or in real BBolt files the node writes itself (--store-format bbolt). The
// canton profile keeps its validator-app and participant state in two real PostgreSQL
// databases, reached with psql.

import ArgumentParser
import Foundation
import Hummingbird
import LifeboatCore
import LifeboatShelf

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The demo node's command line.
@main
struct DemoNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifeboat-demo-node",
        abstract: "A stand-in Nuts node (or Splice validator) for Lifeboat's demos and end-to-end tests.")

    @Option(help: "The node's data directory (created when missing; the canton profile keeps its state in PostgreSQL).")
    var datadir: String

    @Option(help: "The HTTP address, HOST:PORT; port 0 picks a free one (see --port-file).")
    var listen = "127.0.0.1:8081"

    @Option(name: .customLong("nuts-version"), help: "The Nuts release imitated: 5.0, 5.3 or 5.4 (store files and reprocess needs).")
    var nutsVersion = NutsVersion.v5_4

    @Option(help: "nuts (Nuts 5), nuts6 (Nuts 6: sqlite.db in the datadir) or canton.")
    var profile = NodeProfile.nuts

    @Option(name: .customLong("nuts6-version"), help: "nuts6: the Nuts 6 release reported in the diagnostics, e.g. 6.1.")
    var nuts6Version = "6.1"

    @Option(
        name: .customLong("store-format"),
        help: "nuts: sqlite (WAL) or bbolt (the Nuts node's own format: one process per file, copied by the node's shelf).")
    var storeFormat = StoreFormat.sqlite

    @Option(name: .customLong("write-interval"), help: "Time between workload writes, e.g. 200ms or 1s; 0 turns writing off.")
    var writeInterval = "200ms"

    @Option(name: .customLong("payload-bytes"), help: "Random payload bytes per network transaction (nuts profile).")
    var payloadBytes = 256

    @Option(name: .customLong("seed-transactions"), help: "Transactions written at start when the network store is empty.")
    var seedTransactions = 0

    @Option(name: .customLong("shelf-dir"), help: "Shelf directory for the node's own store copies (with --shelf-interval).")
    var shelfDirectory: String?

    @Option(name: .customLong("shelf-interval"), help: "Time between shelf copies, e.g. 10s, 5m, 1h; 0 is off.")
    var shelfInterval: String?

    @Option(name: .customLong("pid-file"), help: "Write the process id here; removed on clean shutdown.")
    var pidFile: String?

    @Option(name: .customLong("port-file"), help: "Write the bound port here once the server listens.")
    var portFile: String?

    @Option(
        name: .customLong("admin-token"),
        help: "Bearer token of the canton admin API (default: $DEMO_NODE_ADMIN_TOKEN); prefer the variable.")
    var adminToken: String?

    @Option(
        name: .customLong("validator-db"),
        help: "canton: the validator app's PostgreSQL database, a libpq URI such as postgresql://splice@127.0.0.1:5432/validator.")
    var validatorDatabase: String?

    @Option(
        name: .customLong("participant-db"),
        help: "canton: the participant's PostgreSQL database, e.g. postgresql://splice@127.0.0.1:5432/participant.")
    var participantDatabase: String?

    @Flag(name: .customLong("legacy-identities-dump"), help: "Serve the older dump form (bootstrapTxs).")
    var legacyIdentitiesDump = false

    @Flag(name: .customLong("identities-endpoint-missing"), help: "Answer 404 on the identities endpoint, as after a bad upgrade.")
    var identitiesEndpointMissing = false

    @Flag(name: .customLong("exit-when-stdin-closes"), help: "Exit when standard input reaches end of file (test harnesses).")
    var exitWhenStdinCloses = false

    mutating func run() async throws {
        let (host, port) = try Self.parseListen(listen)
        let workload = Workload(interval: try Duration.parseWriteInterval(writeInterval))
        let token = adminToken ?? ProcessInfo.processInfo.environment["DEMO_NODE_ADMIN_TOKEN"]
        if exitWhenStdinCloses { Self.watchStandardInput() }
        try FileManager.default.createDirectory(atPath: datadir, withIntermediateDirectories: true)

        let router = Router()
        let stores: [ShelfStore]
        let write: @Sendable (Int) throws -> Void
        let close: @Sendable () -> Void
        let diagnostics: @Sendable () throws -> [String: Any]
        switch profile {
        case .nuts:
            let node = try NutsNode(
                datadir: datadir, version: nutsVersion, format: storeFormat, workload: workload, payloadBytes: payloadBytes,
                seedTransactions: seedTransactions)
            node.addRoutes(to: router)
            stores = node.stores.shelfStores
            write = { try node.write(tick: $0) }
            close = { node.stores.close() }
            diagnostics = { try node.diagnostics() }
        case .nuts6:
            if storeFormat != .sqlite || shelfDirectory != nil {
                throw ValidationError(
                    "--store-format and --shelf-dir are for the nuts profile; nuts6 keeps its DIDs and credentials in sqlite.db")
            }
            let node = try Nuts6Node(datadir: datadir, version: nuts6Version, workload: workload, seed: seedTransactions)
            node.addRoutes(to: router)
            stores = []
            write = { try node.write(tick: $0) }
            close = { node.close() }
            diagnostics = { try node.diagnostics() }
        case .canton:
            guard let token, !token.isEmpty else {
                throw ValidationError("--profile canton needs an admin token: set DEMO_NODE_ADMIN_TOKEN or --admin-token")
            }
            guard let validatorDatabase, let participantDatabase else {
                throw ValidationError(
                    "--profile canton needs --validator-db and --participant-db, PostgreSQL URIs such as postgresql://splice@127.0.0.1:5432/validator"
                )
            }
            if storeFormat != .sqlite {
                throw ValidationError("--store-format is for the nuts profile; the canton profile keeps its state in PostgreSQL")
            }
            if shelfDirectory != nil {
                throw ValidationError(
                    "--shelf-dir is for the nuts profile; the canton profile's databases are PostgreSQL, backed up with pg_dump")
            }
            let node = try CantonNode(
                validatorURL: validatorDatabase, participantURL: participantDatabase, workload: workload, adminToken: token,
                legacyDump: legacyIdentitiesDump, identitiesMissing: identitiesEndpointMissing)
            node.addRoutes(to: router)
            stores = []
            write = { try node.write(tick: $0) }
            close = {}
            diagnostics = { try node.diagnostics() }
        }
        router.get("/status") { _, _ in Reply.text("OK") }
        router.get("/status/diagnostics") { _, _ -> Response in
            do {
                return Reply.json(try diagnostics())
            } catch {
                return Reply.problem("diagnostics failed", "\(error)", status: .internalServerError)
            }
        }
        router.get("/health") { _, _ in Reply.json(["status": "UP", "details": ["storage": ["status": "UP"]]]) }
        router.post("/internal/demo/v1/workload/pause") { _, _ -> Response in
            workload.setPaused(true)
            return Reply.json(workload.status())
        }
        router.post("/internal/demo/v1/workload/resume") { _, _ -> Response in
            workload.setPaused(false)
            return Reply.json(workload.status())
        }

        let shelf = try Shelf(directory: shelfDirectory, interval: shelfInterval, stores: stores) { event in
            switch event {
            case .backedUp(let backup): say("shelf: wrote \(backup.module)/\(backup.name).db (\(backup.bytes) bytes)")
            case .failed(let module, let name, let error): say("shelf: \(module)/\(name).db failed: \(error.message)")
            }
        }
        if let pidFile { try "\(getpid())\n".write(toFile: pidFile, atomically: true, encoding: .utf8) }
        let background = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await shelf.run() }
                group.addTask { await workload.run(write) }
            }
        }
        let portFile = self.portFile
        let profileName = profile.rawValue
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "lifeboat-demo-node"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                if let portFile { try? "\(bound)\n".write(toFile: portFile, atomically: true, encoding: .utf8) }
                say("lifeboat-demo-node (\(profileName)) listening on http://\(host):\(bound)")
            })
        // Returns after SIGTERM or SIGINT once in-flight requests are done.
        try await app.runService()
        background.cancel()
        await background.value
        close()
        if let pidFile { unlink(pidFile) }
        say("lifeboat-demo-node stopped cleanly")
    }

    /// Splits `HOST:PORT`.
    static func parseListen(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port),
            colon != text.startIndex
        else {
            throw ValidationError("--listen \"\(text)\" is not HOST:PORT, e.g. 127.0.0.1:8081")
        }
        return (String(text[..<colon]), port)
    }

    /// Exits when standard input closes, so a node started by a test dies with the test process.
    static func watchStandardInput() {
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 256)
            while read(0, &buffer, buffer.count) > 0 {}
            say("standard input closed: exiting")
            _exit(70)
        }
    }
}
