import ArgumentParser
import Foundation
import LifeboatCore

/// Runs a command body and turns any error into one line on stderr and an exit code.
func runReporting(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as LifeboatError {
        Output.warn("error: \(error.message)")
        throw ExitCode(ExitStatus.code(for: error.code))
    } catch let error as ExitCode {
        throw error
    } catch is CancellationError {
        Output.warn("error: cancelled")
        throw ExitCode(130)
    } catch {
        Output.warn("error: \(error)")
        throw ExitCode(1)
    }
}

/// The exit codes scripts can rely on.
enum ExitStatus {
    static let failure: Int32 = 1
    static let incomplete: Int32 = 3
    static let noRepository: Int32 = 10
    static let locked: Int32 = 11
    static let wrongPassword: Int32 = 12
    static let usage: Int32 = 64

    static func code(for code: LifeboatError.Code) -> Int32 {
        switch code {
        case .notARepository: noRepository
        case .locked: locked
        case .wrongPassword: wrongPassword
        case .invalidArgument: usage
        case .cancelled: 130
        default: failure
        }
    }
}
