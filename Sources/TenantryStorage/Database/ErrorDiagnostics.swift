public import Logging
import PostgresNIO
import SQLiteNIO
import TenantryCore

/// The one way to log a failure: log metadata that tells an operator what failed without
/// writing the failure down verbatim.
///
/// It names the error's type (for a ``TenantryError``, its code and its cause's type) and, for
/// a database failure, the SQLSTATE (PostgreSQL) or the result kind (SQLite), which is what an
/// operator needs to tell a missing grant (`42501`) from a full disk. Messages, SQL text, bound
/// values and the server's detail lines are left out: they can carry tenant data or secrets.
public enum ErrorDiagnostics {
    /// `error.type`, `error.code` (domain errors) and `db.sqlstate` or `db.sqlite` when known.
    public static func metadata(for error: any Error) -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        var underlying: any Error = error
        if let domain = error as? TenantryError {
            metadata["error.code"] = .string(domain.code.rawValue)
            if let cause = domain.cause { underlying = cause }
        }
        if let transaction = underlying as? PostgresTransactionError {
            underlying =
                transaction.closureError ?? transaction.beginError ?? transaction.commitError
                ?? transaction.rollbackError ?? transaction
        }
        metadata["error.type"] = .string(String(reflecting: type(of: underlying)))
        if let postgres = underlying as? PSQLError {
            if let state = postgres.serverInfo?[.sqlState] {
                metadata["db.sqlstate"] = .string(state)
            } else {
                metadata["db.error"] = .string(String(describing: postgres.code))
            }
        } else if let sqlite = underlying as? SQLiteError {
            metadata["db.sqlite"] = .string(String(describing: sqlite.reason))
        }
        return metadata
    }
}
