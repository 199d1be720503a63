import Foundation
import LifeboatCore
import Testing

@Suite struct EnvironmentPresetTests {
    @Test(arguments: [
        (EnvironmentPreset.development, "0 0 * * *", "0 0 * * 0", 5, 4),
        (.staging, "0 */12 * * *", "0 0 * * *", 7, 7),
        (.production, "0 */6 * * *", "0 0 * * *", 7, 14),
    ])
    func presetTable(
        preset: EnvironmentPreset, backup: String, identity: String, backups: Int, dumps: Int
    ) throws {
        #expect(preset.defaultBackupCron == (try CronExpression(backup)))
        #expect(preset.defaultIdentityCron == (try CronExpression(identity)))
        #expect(preset.defaultBackupMax == backups)
        #expect(preset.defaultIdentityMax == dumps)
    }

    @Test func presetsFollowTheRetentionGuidance() throws {
        let production = EnvironmentPreset.production
        #expect(production.defaultBackupMax >= 7)
        #expect(production.defaultIdentityMax >= 14)
        #expect((3...5).contains(EnvironmentPreset.development.defaultBackupMax))
        // Runs per day: production backs up more often than staging, staging more than development.
        let day = try instant("2026-06-01T00:00:00Z")
        let runsPerDay = EnvironmentPreset.allCases.map {
            $0.defaultBackupCron.nextTimes(after: day, count: 100, in: .gmt).filter { $0 <= day + 86_400 }
                .count
        }
        #expect(runsPerDay == [1, 2, 4])
    }

    @Test func codesAsItsName() throws {
        let data = try JSONEncoder().encode(EnvironmentPreset.allCases)
        #expect(String(decoding: data, as: UTF8.self) == #"["development","staging","production"]"#)
    }
}
