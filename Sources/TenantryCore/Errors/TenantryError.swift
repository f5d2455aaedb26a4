/// The one error type of the domain: a stable machine-readable code, a message that is safe to
/// show to a client, optional field-level details, and an underlying cause that is never shown.
///
/// The HTTP layer maps the code to a status and a problem+json document in one place; the cause
/// stays on the server and is reported only by its type.
public struct TenantryError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier for a kind of failure, e.g. `validation_failed`.
    public struct Code: Hashable, Sendable, RawRepresentable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
    }

    /// What went wrong, as a stable code.
    public var code: Code
    /// A human-readable explanation that is safe to return to a client.
    public var message: String
    /// Problems with individual input fields.
    public var fieldErrors: [FieldError]
    /// The underlying error, if any. Never returned to clients or logged verbatim.
    public var cause: (any Error & Sendable)?
    /// Where the error was raised.
    public var file: String
    /// Where the error was raised.
    public var line: Int

    /// Creates an error.
    public init(
        _ code: Code,
        _ message: String,
        fieldErrors: [FieldError] = [],
        cause: (any Error & Sendable)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
        self.cause = cause
        self.file = file
        self.line = line
    }

    /// Code and message only: the cause is deliberately left out so that printing an error never
    /// leaks internals.
    public var description: String { "\(code): \(message)" }
}

/// A problem with one input field.
public struct FieldError: Sendable, Equatable, Codable {
    /// The field's name as the client sent it (a JSON pointer-like dotted path, e.g. `branding.color`).
    public var field: String
    /// A stable code, e.g. `required`, `too_long`, `invalid_format`.
    public var code: String
    /// A human-readable explanation.
    public var message: String

    /// Creates a field error.
    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

extension TenantryError.Code {
    /// Input failed validation; `fieldErrors` says where.
    public static let validationFailed = Self("validation_failed")
    /// The resource does not exist in the caller's scope (also used for other tenants' resources).
    public static let notFound = Self("not_found")
    /// The request conflicts with the current state (e.g. a duplicate slug).
    public static let conflict = Self("conflict")
    /// No valid credentials were presented.
    public static let unauthenticated = Self("unauthenticated")
    /// The caller is known but lacks the permission.
    public static let forbidden = Self("forbidden")
    /// A dependency (usually the database) is unavailable; retry later.
    public static let unavailable = Self("service_unavailable")
    /// An unexpected failure; details stay in the server's logs.
    public static let internalError = Self("internal_error")
}
