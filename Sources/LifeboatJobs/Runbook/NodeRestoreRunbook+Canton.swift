import Foundation
import LifeboatCatalog
import LifeboatConfig
import LifeboatCore
import LifeboatDatabases
import LifeboatIdentity
import LifeboatRepository

/// The runbook's database and Canton identity steps.
///
/// A Canton validator's state is its two PostgreSQL databases, restored validator app first;
/// a database the server no longer has is created again under its name. Its keys live in
/// the participant database, so restoring that database brings the identity back; an
/// identity dump is still decrypted and checked against the restored participant, and with a
/// new participant identifier the runbook writes the restore kit the validator imports when
/// it must start as a fresh participant (the catalog refuses an identifier used before).
extension NodeRestoreRunbook {
    /// Whether the node's identity is a Canton participant's (restored by the validator, from a kit).
    var restoresCantonIdentity: Bool {
        if case .canton = node.identity?.source { return true }
        return node.profile == .canton
    }

    /// The restore-keys step as the plan shows it.
    var restoreKeysDescription: String {
        guard let dump = request.identityDump else { return "no identity dump given: keys are left as they are" }
        guard restoresCantonIdentity else { return "restore the keys from identity dump \(dump)" }
        if let id = request.newParticipantId {
            return "check identity dump \(dump) against the restored participant and write its restore kit for new participant id \(id)"
        }
        return "check identity dump \(dump) against the restored participant (its keys come back with the participant database)"
    }

    /// Refuses, before anything is touched, a restore kit request that cannot succeed.
    func checkCantonRequest() async throws {
        guard let id = request.newParticipantId else { return }
        guard restoresCantonIdentity else {
            throw LifeboatError(
                .invalidArgument, "newParticipantId is for Canton validators; node \(node.name) is a \(node.profile.rawValue) node")
        }
        guard request.identityDump != nil else {
            throw LifeboatError(.invalidArgument, "newParticipantId needs an identity dump (identityDump) to build the restore kit from")
        }
        if let use = try await catalog?.participantIdentifierUse(node: node.name, identifier: id) {
            throw LifeboatError(
                .alreadyExists,
                "participant identifier \(id) was already used by node \(node.name) on \(ISO8601.format(use.firstUsed)); choose a new one")
        }
    }

    /// Where a job's restore kit goes unless the request names a directory.
    static func restoreKitDirectory(datadir: String, node: String, job: JobID) -> String {
        let parent = (datadir as NSString).deletingLastPathComponent
        return "\(parent)/.lifeboat-restore-kit-\(node)-job\(job)"
    }

    /// The participant id in the diagnostics recorded at backup time, when the node reports one.
    static func recordedParticipant(_ stagedDatadir: String) -> String? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let data = FileManager.default.contents(atPath: stagedDatadir + "/.lifeboat/diagnostics.json"),
            let recorded = try? decoder.decode(RecordedDiagnostics.self, from: data),
            case .object(let fields) = recorded.diagnostics, case .string(let id) = fields["participant_id"]
        else { return nil }
        return id
    }

    /// Decrypts and checks a Canton identity dump and writes the restore kit when asked;
    /// returns the step's status and message.
    func cantonIdentity(
        dump: String, identityFile: String, job: JobID, recordedParticipant: String?
    ) async throws -> (
        status: String, message: String
    ) {
        let document = try await IdentityDumps.open(dump, repository: repository, node: node.name, identityFile: identityFile)
        guard document.sourceType == "canton", let id = document.cantonID else {
            throw LifeboatError(
                .invalidArgument,
                "identity dump \(document.name) is a \(document.sourceType) dump, not a Canton participant's; give a dump of validator \(node.name)"
            )
        }
        var status = "done"
        var notes = ["identity dump \(document.name) holds participant \(id) (\(document.keys.count) keys)"]
        if let recordedParticipant, recordedParticipant != id {
            status = "warning"
            notes.append("the restored participant database is \(recordedParticipant), another participant: check which dump belongs to it")
        } else if recordedParticipant != nil {
            notes.append("the restored participant database has the same identity")
        }
        if let newID = request.newParticipantId {
            guard let catalog, let datadir = node.datadir else {
                throw LifeboatError(.unsupported, "restore kits need the daemon's catalog; write one with lifeboat identity restore-kit")
            }
            let directory = request.restoreKitDirectory ?? Self.restoreKitDirectory(datadir: datadir, node: node.name, job: job)
            try await RestoreKit.write(
                document, options: RestoreKit.Options(newParticipantIdentifier: newID), directory: directory, catalog: catalog)
            notes.append(
                "restore kit for new participant id \(newID) written to \(directory): use it only if the validator must start as a new participant (read \(RestoreKit.File.checklist); it holds private keys)"
            )
        } else {
            notes.append(
                "to start the validator as a new participant instead, write a restore kit: lifeboat identity restore-kit \(node.name) \(document.name) --new-participant-id ID"
            )
        }
        return (status, notes.joined(separator: "; "))
    }

    /// Restores the node's database stores in their declared order (the validator app before
    /// the participant), creating a database the server no longer has; returns what was done.
    func restoreDatabases(_ record: SnapshotRecord) async throws -> [String] {
        var restored: [String] = []
        var postgresIndex = 0
        var mysqlIndex = 0
        for store in node.stores {
            switch store {
            case .mysql(let mysql):
                mysqlIndex += 1
                restored.append(try await restoreMySQL(mysql, index: mysqlIndex, record: record))
            case .postgres(let postgres):
                let prefix = postgresIndex == 0 ? "postgres" : "postgres-\(postgresIndex + 1)"
                postgresIndex += 1
                let client = PostgresStoreClient(store: postgres)
                let missing = try await client.missingDatabases()
                let recreate = Dictionary(
                    uniqueKeysWithValues: postgres.databases.filter { missing.contains($0.name) }.compactMap { database in
                        URL(string: database.url)?.path.split(separator: "/").last.map { (database.name, String($0)) }
                    })
                let reports = try await client.restore(from: repository, snapshot: record, prefix: prefix, newDatabases: recreate)
                restored += reports.map { report in
                    let rows = report.rowCounts.values.reduce(0, +)
                    let created = recreate[report.name] == nil ? "" : " (created again: the server had lost it)"
                    return "database \(report.name)\(created)"
                        + (report.rowCounts.isEmpty ? "" : ", \(rows) rows in \(report.rowCounts.count) tables")
                }
            default:
                continue
            }
        }
        return restored
    }
}
