import PostgresNIO
import SQLiteNIO
import TenantryCore

/// Classifies errors raised by either database driver, so repositories and clients can turn
/// them into domain errors without knowing the driver.
enum DatabaseFailure {
    /// True for a unique or primary-key violation.
    static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            return error.serverInfo?[.sqlState] == "23505"
        }
        if let error = error as? SQLiteError {
            switch error.reason {
            case .constraintUniqueFailed, .constraintPrimaryKeyFailed: return true
            case .constraint: return error.message.contains("UNIQUE")
            default: return false
            }
        }
        return false
    }

    /// Turns a driver error into a domain error: connection trouble becomes
    /// `service_unavailable`, anything else `internal_error`. The driver error is kept as the
    /// cause and never shown. Errors that are not the drivers' pass through unchanged.
    static func translate(_ error: any Error) -> any Error {
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                // Class 08 (connection exception), 57P0x (shutdown, cannot connect now), 53300 (too many connections).
                if state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300" {
                    return TenantryError(.unavailable, "The database is unavailable.", cause: error)
                }
                return TenantryError(.internalError, "An unexpected database error occurred.", cause: error)
            default:
                return TenantryError(.unavailable, "The database is unavailable.", cause: error)
            }
        }
        if error is SQLiteError {
            return TenantryError(.internalError, "An unexpected database error occurred.", cause: error)
        }
        if let error = error as? PostgresTransactionError {
            return translate(
                error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? UnknownTransactionFailure())
        }
        return error
    }

    struct UnknownTransactionFailure: Error {}
}
