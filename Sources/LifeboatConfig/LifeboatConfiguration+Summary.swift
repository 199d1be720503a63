import Foundation
import LifeboatCore

extension LifeboatConfiguration {
    /// A plain-text overview for `lifeboat config check`: settings, repositories, and per node its stores,
    /// schedules in words and next run after `now`.
    ///
    /// A node missing a state backup or an identity dump is flagged: a full
    /// disaster recovery needs both.
    public func summary(now: Date = Date()) -> String {
        var lines = [
            "listen \(listen); catalog \(catalog)",
            "jobs: up to \(jobs.maxParallel) \(jobs.maxParallel == 1 ? "node" : "nodes") at a time; missed runs "
                + (jobs.runMissedAtStart ? "run at start-up" : "skipped")
                + "; shutdown grace \(jobs.shutdownGrace); prune every \(jobs.pruneEvery)",
            "repositories:",
        ]
        for repository in repositories {
            lines.append("  \(repository.name): \(repository.url) (\(Self.describe(repository)))")
        }
        let tokens = api.tokens.map { "\($0.name) (\($0.role.rawValue))" }
        lines.append("api tokens: " + (tokens.isEmpty ? "none; the API accepts no requests" : tokens.joined(separator: ", ")))
        for node in nodes {
            lines.append("node \(node.name) (\(node.profile.rawValue)" + (node.datadir.map { ", datadir \($0)" } ?? "") + ")")
            if !node.stores.isEmpty {
                lines.append("  stores: " + node.stores.map(Self.describe).joined(separator: ", "))
            }
            if let plan = node.backups {
                lines += Self.describe(plan, title: "state backups", detail: nil, now: now)
            } else {
                lines.append("  state backups: none; a full restore also needs the node's state")
            }
            if let identity = node.identity {
                let count = identity.recipients.count
                let keys =
                    "keys from \(Self.describe(identity.source)), encrypted to \(count) \(count == 1 ? "recipient" : "recipients")"
                lines += Self.describe(identity.plan, title: "identity dumps", detail: keys, now: now)
            } else {
                lines.append("  identity dumps: none; a full restore also needs the node's keys")
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func describe(_ repository: RepositoryConfiguration) -> String {
        var parts = [repository.kind == .s3 ? "S3" : "directory"]
        if let region = repository.region { parts.append("region \(region)") }
        switch repository.credential {
        case .passwordFile(let path): parts.append("password from \(path)")
        case .keyFile(let path): parts.append("key file \(path)")
        case .passwordEnvironment(let name): parts.append("password from $\(name)")
        }
        return parts.joined(separator: ", ")
    }

    private static func describe(_ store: StoreConfiguration) -> String {
        switch store {
        case .sqlite(let path), .file(let path), .directory(let path), .shelf(let path):
            "\(store.typeName) \(path)"
        case .redis(let redis):
            "redis \(redis.url)" + (redis.tls ? " (TLS)" : "")
        case .postgres(let postgres):
            "postgres " + postgres.databases.map(\.name).joined(separator: postgres.order == .sequential ? " then " : " and ")
        case .mysql(let mysql):
            "mysql \(mysql.url)"
        }
    }

    private static func describe(_ source: IdentitySource) -> String {
        switch source {
        case .filesystem(let directory): "directory \(directory)"
        case .vault(let vault): "Vault \(vault.address) (KV v\(vault.kvVersion) at \(vault.prefix))"
        case .canton(let canton): "Canton validator \(canton.url)"
        case .azureKeyVault(let vault): "Azure Key Vault \(vault.url) (non-exportable keys: no dumps)"
        }
    }

    /// The schedule with retention and targets, an optional detail line, then the next run.
    private static func describe(_ plan: BackupPlan, title: String, detail: String?, now: Date) -> [String] {
        var keep = "keep \(plan.max)"
        if let environment = plan.environment { keep += " (\(environment.rawValue) preset)" }
        if let policy = plan.keep {
            let rules: [(String, Int?)] = [
                ("last", policy.keepLast), ("hourly", policy.keepHourly), ("daily", policy.keepDaily),
                ("weekly", policy.keepWeekly), ("monthly", policy.keepMonthly), ("yearly", policy.keepYearly),
            ]
            keep += " plus " + rules.compactMap { name, count in count.map { "\(name) \($0)" } }.joined(separator: ", ")
        }
        let header = "  \(title): \(plan.schedule.humanDescription); \(keep); to \(plan.repositories.joined(separator: ", "))"
        let next: String
        if let date = plan.schedule.next(after: now) {
            let zone: TimeZone
            if case .cron(_, let timeZone) = plan.schedule { zone = timeZone } else { zone = .utc }
            next =
                plan.paused ? "paused; next run would be \(ISO8601.format(date, in: zone))" : "next run \(ISO8601.format(date, in: zone))"
        } else {
            next = "never: the cron expression matches no date"
        }
        return [header] + (detail.map { ["    \($0)"] } ?? []) + ["    \(next)"]
    }
}
