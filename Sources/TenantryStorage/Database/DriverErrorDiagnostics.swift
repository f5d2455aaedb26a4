public import PostgresNIO
public import SQLiteNIO
public import TenantryCore

// What the drivers' errors may say in a log (``DiagnosableError``): the SQLSTATE or the SQLite
// result kind, never the message, SQL or bound values.

extension PSQLError: DiagnosableError {
    public var diagnostics: [String: String] {
        if let state = serverInfo?[.sqlState] { return ["db.sqlstate": state] }
        return ["db.error": String(describing: code)]
    }

    public var underlyingError: (any Error)? { nil }
}

extension SQLiteError: DiagnosableError {
    public var diagnostics: [String: String] { ["db.sqlite": String(describing: reason)] }

    public var underlyingError: (any Error)? { nil }
}

extension PostgresTransactionError: DiagnosableError {
    public var diagnostics: [String: String] { [:] }

    public var underlyingError: (any Error)? {
        closureError ?? beginError ?? commitError ?? rollbackError
    }
}
