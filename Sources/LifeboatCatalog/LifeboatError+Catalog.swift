import Foundation
internal import GRDB
import LifeboatCore

extension LifeboatError {
    /// Translates an error from SQLite or GRDB into the code a script can act on, naming
    /// the catalog and what was being done; a ``LifeboatError`` passes through unchanged.
    static func catalog(_ error: any Error, location: String, _ what: String) -> LifeboatError {
        if let error = error as? LifeboatError { return error }
        if error is CancellationError {
            return LifeboatError(.cancelled, "catalog \(location): \(what) was cancelled", cause: error)
        }
        guard let error = error as? DatabaseError else {
            return LifeboatError(.io, "catalog \(location): \(what) failed: \(error)", cause: error)
        }
        let detail = error.message ?? "SQLite error \(error.extendedResultCode.rawValue)"
        let code: LifeboatError.Code
        let advice: String
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            code = .locked
            advice = "another process holds the catalog; retry when it is done"
        case .SQLITE_FULL:
            code = .noSpace
            advice = "free space on the catalog's disk"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            code = .corrupted
            advice = "the file is not a sound SQLite database; move it aside and rebuild the catalog from the repositories"
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_AUTH:
            code = .io
            advice = "check that the file and its directory exist and are writable by this user"
        case .SQLITE_CONSTRAINT:
            code = .invalidArgument
            advice = "a value broke a rule of the catalog schema"
        default:
            code = .io
            advice = ""
        }
        let message = "catalog \(location): \(what) failed: \(detail)" + (advice.isEmpty ? "" : "; \(advice)")
        return LifeboatError(code, message, cause: error)
    }
}
