import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatDatabases
import LifeboatRepository

/// When a backup captured each of a node's stores: the stores are captured one after
/// another (and a node's shelf writes its copies on its own ticker), so one backup holds
/// stores of different moments.
///
/// Read from what the snapshot already records: a live SQLite capture's `capturedAt` in
/// the tree, a shelf copy's or a plain file's modification time, the end of a Redis RDB
/// transfer (`redis.json`) and the moment each PostgreSQL dump's snapshot was exported
/// (`postgres.json`).
public struct StoreCapture: Sendable, Hashable, Codable {
    /// The store's type (`sqlite`, `shelf`, `redis`, …).
    public var type: String
    /// The store, for people: its path, server or database.
    public var store: String
    /// The entry in the snapshot, relative to its root.
    public var entry: String
    /// When it was captured; nil when the backup does not hold it.
    public var capturedAt: Date?
    /// How that time was taken.
    public var method: String
}

/// Reads ``StoreCapture``s of a backup.
public enum StoreCaptures {
    /// Every store of `node` in `record`, in store order (a shelf gives one row per copy).
    public static func read(node: NodeConfiguration, repository: Repository, record: SnapshotRecord) async throws -> [StoreCapture] {
        var out: [StoreCapture] = []
        var redisCount = 0
        var postgresCount = 0
        var mysqlCount = 0
        let fileStores = node.stores.compactMap { store -> (StoreConfiguration, String)? in
            store.path.map { (store, entryPath(node.resolvedPath($0), node: node, record: record)) }
        }
        let files = try await repository.files(record, at: fileStores.map(\.1))
        for store in node.stores {
            switch store {
            case .sqlite(let path), .file(let path), .directory(let path), .shelf(let path):
                let entry = entryPath(node.resolvedPath(path), node: node, record: record)
                let below = files.filter { $0.path == entry || $0.path.hasPrefix(entry + "/") }
                out += captures(of: store, path: path, entry: entry, files: below)
            case .redis(let redis):
                let prefix = NodeRestoreRunbook.redisPrefix(redisCount)
                redisCount += 1
                if let manifest = try? await RedisStoreClient.manifest(from: repository, snapshot: record, prefix: prefix) {
                    let keys =
                        manifest.keysBefore == manifest.keysAfter
                        ? "\(manifest.keysBefore)" : "\(manifest.keysBefore)–\(manifest.keysAfter)"
                    out.append(
                        StoreCapture(
                            type: "redis", store: redis.url, entry: prefix + "/" + RedisStoreClient.dumpName,
                            capturedAt: manifest.capturedAt,
                            method: "end of the RDB transfer (\(keys) keys)"))
                } else {
                    out.append(missing("redis", redis.url, prefix + "/" + RedisStoreClient.dumpName))
                }
            case .postgres(let postgres):
                let prefix = postgresCount == 0 ? "postgres" : "postgres-\(postgresCount + 1)"
                postgresCount += 1
                let manifest = try? await PostgresStoreClient(store: postgres).manifest(from: repository, snapshot: record, prefix: prefix)
                for database in postgres.databases {
                    let entry = "\(prefix)/\(database.name).dump"
                    if let recorded = manifest?.databases.first(where: { $0.name == database.name }) {
                        out.append(
                            StoreCapture(
                                type: "postgres", store: database.name, entry: entry, capturedAt: recorded.capturedAt,
                                method: "snapshot the dump was taken in (pg_export_snapshot)"))
                    } else {
                        out.append(missing("postgres", database.name, entry))
                    }
                }
            case .mysql(let mysql):
                let prefix = mysqlCount == 0 ? "mysql" : "mysql-\(mysqlCount + 1)"
                mysqlCount += 1
                let client = MySQLStoreClient(store: mysql)
                let entry = client.dumpPath(prefix: prefix)
                if let manifest = try? await client.manifest(from: repository, snapshot: record, prefix: prefix) {
                    out.append(
                        StoreCapture(
                            type: "mysql", store: manifest.database, entry: entry, capturedAt: manifest.capturedAt,
                            method: "start of the dump's transaction (--single-transaction)"))
                } else {
                    out.append(missing("mysql", mysql.url, entry))
                }
            }
        }
        return out
    }

    static func captures(
        of store: StoreConfiguration, path: String, entry: String, files: [(path: String, node: TreeNode)]
    )
        -> [StoreCapture]
    {
        let type = store.typeName
        guard !files.isEmpty else { return [missing(type, path, entry)] }
        func modified(_ node: TreeNode) -> Date { Date(timeIntervalSince1970: node.mtime) }
        switch store {
        case .sqlite:
            let node = files[0].node
            return [
                StoreCapture(
                    type: type, store: path, entry: entry, capturedAt: node.capturedAt ?? modified(node),
                    method: node.capturedAt == nil ? "file modification time (copied page by page)" : "live SQLite snapshot")
            ]
        case .shelf:
            // Each copy is written whole by the node, then renamed in: its mtime is its capture time.
            return files.filter { !$0.path.hasSuffix(".previous") && !$0.path.hasSuffix(".work") }.map { file in
                StoreCapture(
                    type: type, store: path + "/" + file.path.dropFirst(entry.count + 1), entry: file.path, capturedAt: modified(file.node),
                    method: "shelf copy written by the node")
            }
        case .directory:
            let newest = files.map { modified($0.node) }.max()
            return [
                StoreCapture(
                    type: type, store: path, entry: entry, capturedAt: newest, method: "newest file modification (\(files.count) files)")
            ]
        default:
            return [
                StoreCapture(type: type, store: path, entry: entry, capturedAt: modified(files[0].node), method: "file modification time")
            ]
        }
    }

    static func missing(_ type: String, _ store: String, _ entry: String) -> StoreCapture {
        StoreCapture(type: type, store: store, entry: entry, capturedAt: nil, method: "not in this backup")
    }

    /// Where a store at absolute `path` sits in the snapshot: relative to the datadir when
    /// every backed-up path is inside it, else by its absolute path (or, without a
    /// datadir, its last component).
    static func entryPath(_ path: String, node: NodeConfiguration, record: SnapshotRecord) -> String {
        if let datadir = node.datadir {
            let prefix = datadir.hasSuffix("/") ? datadir : datadir + "/"
            if record.snapshot.paths.allSatisfy({ $0.hasPrefix(prefix) }) && path.hasPrefix(prefix) {
                return String(path.dropFirst(prefix.count))
            }
            return String(path.drop { $0 == "/" })
        }
        return (path as NSString).lastPathComponent
    }
}
