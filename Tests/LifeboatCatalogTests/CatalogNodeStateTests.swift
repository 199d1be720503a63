import Foundation
import LifeboatCore
import Testing

@testable import LifeboatCatalog

@Suite struct CatalogNodeStateTests {
    @Test func participantIdentifierCannotBeReusedByTheSameNode() async throws {
        try await withCatalog { catalog, _ in
            let first = try await catalog.recordParticipantIdentifier(
                node: "canton-1", identifier: "validator-1", now: time(0))
            #expect(first.firstUsed == time(0))
            _ = try await catalog.recordParticipantIdentifier(node: "canton-1", identifier: "validator-2", now: time(60))

            await expectError(
                .alreadyExists,
                containing: [
                    "participant identifier validator-1 was already used by node canton-1 on \(ISO8601.format(time(0)))",
                    "choose a new one",
                ]
            ) {
                try await catalog.recordParticipantIdentifier(node: "canton-1", identifier: "validator-1", now: time(120))
            }
            // Another node has its own namespace, so the same name is its own to use.
            _ = try await catalog.recordParticipantIdentifier(node: "canton-2", identifier: "validator-1", now: time(5))

            let used = try await catalog.usedParticipantIdentifiers(node: "canton-1")
            #expect(used.map(\.identifier) == ["validator-1", "validator-2"])
            #expect(used.map(\.firstUsed) == [time(0), time(60)], "the refused attempt changed nothing")
            #expect(try await catalog.participantIdentifierUse(node: "canton-1", identifier: "validator-2")?.firstUsed == time(60))
            #expect(try await catalog.participantIdentifierUse(node: "canton-1", identifier: "validator-3") == nil)
            #expect(try await catalog.usedParticipantIdentifiers(node: "canton-2").map(\.identifier) == ["validator-1"])
        }
    }

    @Test func emptyParticipantIdentifierIsRefused() async throws {
        let catalog = try Catalog.inMemory()
        await expectError(.invalidArgument, containing: ["participant identifier for node c", "empty"]) {
            try await catalog.recordParticipantIdentifier(node: "c", identifier: "")
        }
    }

    @Test func scheduleStateIsSavedAndReplaced() async throws {
        try await withCatalog { catalog, _ in
            #expect(try await catalog.scheduleState(node: "a", kind: .backup) == nil)
            var state = ScheduleState(node: "a", kind: .backup, paused: false, lastRun: time(0), nextRun: time(3600))
            try await catalog.setScheduleState(state)
            #expect(try await catalog.scheduleState(node: "a", kind: .backup) == state)

            state.paused = true
            state.nextRun = nil
            try await catalog.setScheduleState(state)
            #expect(try await catalog.scheduleState(node: "a", kind: .backup) == state)

            let identity = ScheduleState(node: "a", kind: .identity, lastRun: nil, nextRun: time(60))
            let other = ScheduleState(node: "b", kind: .prune, paused: true)
            try await catalog.setScheduleState(other)
            try await catalog.setScheduleState(identity)
            #expect(try await catalog.scheduleStates(node: "a") == [state, identity])
            #expect(try await catalog.scheduleStates() == [state, identity, other])
            #expect(try await catalog.scheduleState(node: "b", kind: .backup) == nil)
        }
    }
}
