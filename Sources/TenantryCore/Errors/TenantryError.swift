public import Foundation

/// The one error type of the domain: a stable machine-readable code from a closed set, a message
/// that is safe to show to a client, optional field-level errors and typed details, and an
/// underlying cause that is never shown.
///
/// The HTTP layer maps the code to a status and a problem+json document in one place; the cause
/// stays on the server and is reported only by its type.
public struct TenantryError: Error, Sendable, CustomStringConvertible {
    /// A stable identifier for a kind of failure, e.g. `validation_failed`.
    public typealias Code = ErrorCode

    /// What went wrong, as a stable code.
    public var code: Code
    /// A human-readable explanation that is safe to return to a client.
    public var message: String
    /// Problems with individual input fields.
    public var fieldErrors: [FieldError]
    /// Typed facts a client may act on (how long to wait, which limit), shown in the problem
    /// document and its headers.
    public var detail: ErrorDetail?
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
        detail: ErrorDetail? = nil,
        cause: (any Error & Sendable)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
        self.detail = detail
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

/// Facts about a failure that a client may act on, carried apart from the hidden cause.
public enum ErrorDetail: Sendable, Equatable {
    /// Retry after this many seconds (`Retry-After`).
    case retryAfter(seconds: Int)
    /// One more item would exceed an allowance of the tenant's plan.
    case limitExceeded(LimitExceeded)
    /// A periodic allowance (monthly API calls) is used up until it resets.
    case quotaExceeded(QuotaExceeded)
    /// Where to sign in instead, for `sso_required`: the path of `GET /api/v1/auth/sso/start`
    /// with the tenant (and connection) that serve the address's domain.
    case ssoRequired(startPath: String)
}

/// Which plan limit a `limit_exceeded` error is about: how many exist, how many are allowed
/// (the problem document carries all three).
public struct LimitExceeded: Sendable, Equatable {
    /// The limit.
    public var limit: Limit
    /// How many items exist.
    public var current: Int
    /// How many the plan allows.
    public var allowed: Int

    /// Creates the detail.
    public init(limit: Limit, current: Int, allowed: Int) {
        self.limit = limit
        self.current = current
        self.allowed = allowed
    }
}

/// Which allowance a `quota_exceeded` error is about, what was used, and when it resets.
public struct QuotaExceeded: Sendable, Equatable {
    /// The allowance that is used up, e.g. `api_calls_per_month`.
    public var name: String
    /// The allowance.
    public var limit: Int
    /// What was used.
    public var used: Int
    /// When the allowance starts again.
    public var resetsAt: Date

    /// Creates the detail.
    public init(name: String, limit: Int, used: Int, resetsAt: Date) {
        self.name = name
        self.limit = limit
        self.used = used
        self.resetsAt = resetsAt
    }
}
