import ArgumentParser
import Foundation
import LifeboatCore
import LifeboatRepository

/// The `lifeboat` command: backup and disaster recovery for ledger and identity nodes.
@main
struct Lifeboat: AsyncParsableCommand {
    /// Runs the command after settling the allocator.
    static func main() async {
        MemoryTuning.apply()
        // A closed pipe on stdout (`| head`) is an error to report, not a signal that kills.
        signal(SIGPIPE, SIG_IGN)
        await Self.main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "lifeboat",
        abstract: "Backup and disaster recovery for ledger and identity nodes.",
        discussion: """
            Repository from --repo or LIFEBOAT_REPOSITORY; password from LIFEBOAT_PASSWORD, \
            --password-file (or LIFEBOAT_PASSWORD_FILE), --key-file, or a prompt on a terminal.
            Exit codes: 0 ok, 1 failed, 3 backup incomplete (some files unreadable), \
            10 no repository, 11 repository locked, 12 wrong password, 64 bad usage.
            """,
        version: LifeboatVersion.current,
        subcommands: [
            InitCommand.self, BackupCommand.self, SnapshotsCommand.self, RestoreCommand.self, CheckCommand.self,
            ForgetCommand.self, PruneCommand.self, StatsCommand.self, KeyCommand.self, UnlockCommand.self,
            ScheduleCommand.self, ConfigCommand.self, ServeCommand.self, StatusCommand.self, HistoryCommand.self,
            RunCommand.self, JobCommand.self, CatalogCommand.self, NodeCommand.self, IdentityCommand.self, CopyCommand.self,
            SizeCommand.self, DoctorCommand.self, RepairCommand.self,
        ])
}
