public import Logging

/// The one way to log a failure: log metadata that tells an operator what failed without
/// writing the failure down verbatim.
///
/// It names the error's type (for a ``TenantryError``, its code and its cause's type) and, for
/// an error that can describe itself safely (``DiagnosableError``: a database failure gives
/// its SQLSTATE or SQLite result kind), those details, which is what an operator needs to tell
/// a missing grant (`42501`) from a full disk. Messages, SQL text, bound values and the
/// server's detail lines are left out: they can carry tenant data or secrets.
public enum ErrorDiagnostics {
    /// `error.type`, `error.code` (domain errors) and the underlying error's own diagnostics
    /// (`db.sqlstate`, `db.sqlite`, ...) when known.
    public static func metadata(for error: any Error) -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        var underlying: any Error = error
        if let domain = error as? TenantryError {
            metadata["error.code"] = .string(domain.code.rawValue)
            if let cause = domain.cause { underlying = cause }
        }
        // Wrappers (a transaction's error around the statement's) give way to what they wrap.
        var depth = 0
        while let wrapper = underlying as? any DiagnosableError, let inner = wrapper.underlyingError, depth < 8 {
            underlying = inner
            depth += 1
        }
        metadata["error.type"] = .string(String(reflecting: type(of: underlying)))
        if let diagnosable = underlying as? any DiagnosableError {
            for (key, value) in diagnosable.diagnostics { metadata[key] = .string(value) }
        }
        return metadata
    }
}
