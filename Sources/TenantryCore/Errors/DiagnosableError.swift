/// An error from below the domain (a database driver, a network client) that can say what an
/// operator needs to know about it without its message: the kind of failure, never its text,
/// SQL, bound values or server detail lines.
public protocol DiagnosableError: Error {
    /// Keys and values safe to log, e.g. `db.sqlstate: 42501`.
    var diagnostics: [String: String] { get }
    /// The error that really failed, when this one only wraps it (a transaction wrapper);
    /// `nil` when this error is itself the failure.
    var underlyingError: (any Error)? { get }
}
