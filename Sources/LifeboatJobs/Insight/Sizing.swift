import Foundation
import LifeboatConfig
import LifeboatCore
import LifeboatRepository

/// Storage sizing of one repository: what it holds, what it has left and how fast it grows.
public struct RepositorySizeView: Codable, Sendable, Hashable {
    /// The repository's name.
    public var name: String
    /// `directory` or `s3`.
    public var kind: String
    /// Whether the repository could be opened and measured.
    public var reachable: Bool
    /// Why it could not be measured, when it could not.
    public var error: String?
    /// Snapshots stored.
    public var snapshots: Int
    /// What restoring every snapshot would write (the naive, undeduplicated size).
    public var logicalBytes: Int64
    /// Bytes in storage, after deduplication and compression.
    public var storedBytes: Int64
    /// logicalBytes / storedBytes.
    public var dedupRatio: Double
    /// Free bytes on the file system holding a directory repository (nil for S3).
    public var freeBytes: Int64?
    /// Size of that file system (nil for S3).
    public var capacityBytes: Int64?
    /// Average bytes newly stored per day over the snapshots of the last 30 days.
    public var growthBytesPerDay: Double?
    /// When the free space runs out at that growth (nil when it does not grow or has no bound).
    public var fullAt: Date?
    /// Bytes the next scheduled run is expected to store (the largest recent run, or the database size before any).
    public var nextRunBytes: Int64
    /// The earliest next scheduled run writing to this repository.
    public var nextRun: Date?
    /// Set when the next scheduled run would not fit in the free space.
    public var warning: String?
}

/// Storage sizing of one node: the seed's formula beside what is measured.
public struct NodeSizeView: Codable, Sendable, Hashable {
    /// The node's name.
    public var node: String
    /// The size of the node's stores now: on disk for path stores, else the latest backup's size.
    public var databaseBytes: Int64
    /// The Max Backup Number in force (0 without a schedule).
    public var maxBackups: Int
    /// State backups stored now.
    public var backups: Int
    /// The naive sizing: `maxBackups × databaseBytes`.
    public var naiveBytes: Int64
    /// Bytes newly stored by the node's backups still held (deduplicated, compressed).
    public var measuredBytes: Int64
    /// The repositories of its backup schedule.
    public var repositories: [String]
}

/// The answer of `GET /api/v1/size`.
public struct SizeReport: Codable, Sendable, Hashable {
    /// When it was measured.
    public var measuredAt: Date
    /// One entry per node asked for.
    public var nodes: [NodeSizeView]
    /// One entry per repository those nodes use (every repository when no node is named).
    public var repositories: [RepositorySizeView]
}

/// Computes storage sizing for the API, the CLI and the console.
public enum Sizing {
    /// Sizes the repositories and nodes; `node` narrows it to one node and its repositories.
    public static func report(_ daemon: Daemon, node: String? = nil) async throws -> SizeReport {
        let now = daemon.clock.now()
        let nodes = try daemon.configuration.nodes.filter { n in
            guard let node else { return true }
            guard daemon.configuration.node(named: node) != nil else {
                throw LifeboatError(.notFound, "no node named \"\(node)\"; configured: \(Self.nodeNames(daemon))")
            }
            return n.name == node
        }
        var records: [String: [SnapshotRecord]] = [:]
        var repositories: [RepositorySizeView] = []
        var wanted = Set(nodes.flatMap { Self.repositoryNames($0) })
        if node == nil { wanted.formUnion(daemon.configuration.repositories.map(\.name)) }
        for rc in daemon.configuration.repositories where wanted.contains(rc.name) {
            var view = RepositorySizeView(
                name: rc.name, kind: rc.kind == .s3 ? "s3" : "directory", reachable: false, snapshots: 0, logicalBytes: 0,
                storedBytes: 0, dedupRatio: 0, nextRunBytes: 0)
            if rc.kind == .directory, let space = FreeSpace.of(rc.url) {
                view.freeBytes = space.free
                view.capacityBytes = space.capacity
            }
            do {
                let repo = try await daemon.repositories.repository(rc.name)
                let stats = try await repo.stats()
                let list = try await repo.snapshots()
                records[rc.name] = list
                view.reachable = true
                view.snapshots = stats.snapshots
                view.logicalBytes = stats.logicalBytes
                view.storedBytes = stats.storedBytes
                view.dedupRatio = stats.dedupRatio
                view.growthBytesPerDay = growth(list, now: now)
            } catch {
                view.error = (error as? LifeboatError)?.message ?? "\(error)"
            }
            repositories.append(view)
        }
        var nodeViews: [NodeSizeView] = []
        for n in nodes {
            let plan = try await daemon.scheduler.schedule(node: n.name, kind: .backup).plan
            let names = plan?.repositories ?? Self.repositoryNames(n)
            let held = names.flatMap { records[$0] ?? [] }.filter { $0.snapshot.node == n.name && $0.snapshot.kind == .state }
            var unique: [String: SnapshotRecord] = [:]
            for r in held { unique[r.id.hex] = r }
            let latest = unique.values.max { $0.snapshot.time < $1.snapshot.time }
            let onDisk = diskBytes(n)
            let database = onDisk ?? latest?.snapshot.summary.bytes ?? 0
            let max = plan?.max ?? 0
            nodeViews.append(
                NodeSizeView(
                    node: n.name, databaseBytes: database, maxBackups: max, backups: unique.count,
                    naiveBytes: Int64(max) * database, measuredBytes: held.reduce(0) { $0 + $1.snapshot.summary.bytesStored },
                    repositories: names))
        }
        for index in repositories.indices {
            await forecast(&repositories[index], daemon: daemon, nodes: nodeViews, records: records, now: now)
        }
        return SizeReport(measuredAt: now, nodes: nodeViews, repositories: repositories)
    }

    /// Fills the next run's expected size, the forecast and the space warning of a repository.
    static func forecast(
        _ view: inout RepositorySizeView, daemon: Daemon, nodes: [NodeSizeView], records: [String: [SnapshotRecord]], now: Date
    ) async {
        var next: Date?
        var expected: Int64 = 0
        for node in daemon.configuration.nodes {
            for kind in Scheduler.scheduledKinds {
                guard let s = try? await daemon.scheduler.schedule(node: node.name, kind: kind), let plan = s.plan, !s.paused,
                    plan.repositories.contains(view.name)
                else { continue }
                let run = s.nextRun ?? plan.schedule.next(after: now)
                if let run, next.map({ run < $0 }) ?? true { next = run }
                // Before any run the whole database is new; afterwards the largest recent run is the guide.
                expected +=
                    SpacePreflight.expectedStored(
                        node: node.name, kind: kind == .identity ? .identity : .state, records: records[view.name] ?? [],
                        firstRun: kind == .backup ? (nodes.first { $0.node == node.name }?.databaseBytes ?? 0) : 0
                    ).bytes
            }
        }
        view.nextRun = next
        view.nextRunBytes = expected
        if let free = view.freeBytes {
            if let rate = view.growthBytesPerDay, rate > 0 {
                view.fullAt = now.addingTimeInterval(Double(free) / rate * 86_400)
            }
            if expected > free {
                let when = next.map { " at \(ISO8601.format($0))" } ?? ""
                view.warning =
                    "the next scheduled run\(when) is expected to store \(ByteText.format(expected)) but only \(ByteText.format(free)) is free"
            }
        }
    }

    /// Bytes newly stored per day by the snapshots of the last 30 days (nil with fewer than two).
    static func growth(_ records: [SnapshotRecord], now: Date) -> Double? {
        let recent = records.filter { now.timeIntervalSince($0.snapshot.time) <= 30 * 86_400 }.sorted {
            $0.snapshot.time < $1.snapshot.time
        }
        guard let first = recent.first, let last = recent.last, recent.count >= 2 else { return nil }
        let days = max(last.snapshot.time.timeIntervalSince(first.snapshot.time) / 86_400, 1.0 / 24)
        // The first snapshot's data was there before the window opened.
        let added = recent.dropFirst().reduce(Int64(0)) { $0 + $1.snapshot.summary.bytesStored }
        return Double(added) / days
    }

    /// The size on disk of a node's path stores, nil when it has none that can be measured.
    static func diskBytes(_ node: NodeConfiguration) -> Int64? {
        let paths = node.stores.compactMap(\.path).map(node.resolvedPath)
        guard !paths.isEmpty else { return nil }
        var total: Int64 = 0
        for path in paths { total += FreeSpace.treeBytes(path) }
        return total
    }

    /// The repositories a node's configured schedules name.
    static func repositoryNames(_ node: NodeConfiguration) -> [String] {
        var names: [String] = []
        for name in (node.backups?.repositories ?? []) + (node.identity?.plan.repositories ?? []) where !names.contains(name) {
            names.append(name)
        }
        return names
    }

    static func nodeNames(_ daemon: Daemon) -> String {
        daemon.configuration.nodes.map(\.name).joined(separator: ", ")
    }
}

/// File-system space and tree sizes.
package enum FreeSpace {
    /// Free and total bytes of the file system holding `path` (or its nearest existing parent).
    package static func of(_ path: String) -> (free: Int64, capacity: Int64)? {
        var probe = path
        while !FileManager.default.fileExists(atPath: probe) && probe != "/" && !probe.isEmpty {
            probe = (probe as NSString).deletingLastPathComponent
        }
        var info = statvfs()
        guard statvfs(probe.isEmpty ? "/" : probe, &info) == 0 else { return nil }
        let block = Int64(info.f_frsize)
        return (Int64(info.f_bavail) * block, Int64(info.f_blocks) * block)
    }

    /// Bytes of the regular files at or under `path` (0 when it does not exist).
    static func treeBytes(_ path: String) -> Int64 {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return 0 }
        guard isDirectory.boolValue else {
            return ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
        }
        var total: Int64 = 0
        if let walker = FileManager.default.enumerator(atPath: path) {
            while let item = walker.nextObject() as? String {
                let full = path + "/" + item
                if let attributes = try? FileManager.default.attributesOfItem(atPath: full),
                    attributes[.type] as? FileAttributeType == .typeRegular
                {
                    total += (attributes[.size] as? NSNumber)?.int64Value ?? 0
                }
            }
        }
        return total
    }
}

/// Byte counts for people: `1.5 GiB`.
public enum ByteText {
    /// `n` in B, KiB, MiB, GiB or TiB.
    public static func format(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(n)
        var unit = 0
        while abs(value) >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: "%.1f", value) + " " + units[unit]
    }
}
