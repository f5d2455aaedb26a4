public import HTTPTypes
public import TenantryCore

/// An RFC 9457 problem document: the body of every error response.
public struct ProblemDetails: Codable, Sendable, Equatable {
    /// A URI naming the kind of problem: `urn:tenantry:problem:<code>`.
    public var type: String
    /// A short, fixed summary of the kind of problem.
    public var title: String
    /// The HTTP status code.
    public var status: Int
    /// What went wrong in this occurrence, safe to show.
    public var detail: String
    /// The stable code also named by `type`, for clients that switch on it.
    public var code: String
    /// The request's id, to quote when reporting the problem.
    public var requestID: String
    /// Field-level problems, when the input was invalid.
    public var errors: [FieldError]?
    /// For `limit_exceeded`: the limit (e.g. `members`).
    public var limit: String?
    /// For `limit_exceeded`: how many the tenant has.
    public var current: Int?
    /// For `limit_exceeded`: how many the plan allows.
    public var allowed: Int?
    /// For `quota_exceeded`: the allowance that is used up.
    public var allowance: Allowance?

    /// An allowance that is used up, and when it starts again.
    public struct Allowance: Codable, Sendable, Equatable {
        /// Which allowance, e.g. `api_calls_per_month`.
        public var name: String
        /// The allowance.
        public var limit: Int
        /// What was used.
        public var used: Int
        /// When it starts again (ISO 8601, UTC).
        public var resetsAt: String

        enum CodingKeys: String, CodingKey {
            case name, limit, used
            case resetsAt = "resets_at"
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, title, status, detail, code
        case requestID = "request_id"
        case errors, limit, current, allowed, allowance
    }

    /// The `type` URI for a code.
    public static func typeURI(for code: TenantryError.Code) -> String { "urn:tenantry:problem:\(code.rawValue)" }
}

extension TenantryError.Code {
    /// No route has this path.
    public static let routeNotFound = Self("route_not_found")
    /// The path exists but not with this method (the response's `Allow` lists the methods).
    public static let methodNotAllowed = Self("method_not_allowed")
    /// The body is not JSON.
    public static let malformedJSON = Self("malformed_json")
    /// The body is not sent as JSON.
    public static let unsupportedMediaType = Self("unsupported_media_type")
    /// The body exceeds the configured limit.
    public static let payloadTooLarge = Self("payload_too_large")
    /// The `X-Request-ID` header is over-long or has characters outside the allowed set.
    public static let invalidRequestID = Self("invalid_request_id")
    /// The request is malformed in a way no more specific code describes.
    public static let badRequest = Self("bad_request")
    /// A query parameter (a list filter) has a value the endpoint cannot use; `errors` names it.
}

/// The one mapping from error codes to HTTP statuses and titles.
public enum ProblemCatalog {
    /// An entry of the catalogue.
    public struct Entry: Sendable {
        /// The response status.
        public let status: HTTPResponse.Status
        /// The problem's fixed title.
        public let title: String
    }

    /// Every code the API answers with, and its status and title.
    public static let entries: [TenantryError.Code: Entry] = [
        .badRequest: Entry(status: .badRequest, title: "Bad request"),
        .malformedJSON: Entry(status: .badRequest, title: "Malformed JSON"),
        .invalidRequestID: Entry(status: .badRequest, title: "Invalid request id"),
        .validationFailed: Entry(status: .unprocessableContent, title: "Validation failed"),
        .unauthenticated: Entry(status: .unauthorized, title: "Authentication required"),
        .forbidden: Entry(status: .forbidden, title: "Forbidden"),
        .notFound: Entry(status: .notFound, title: "Not found"),
        .routeNotFound: Entry(status: .notFound, title: "Route not found"),
        .methodNotAllowed: Entry(status: .methodNotAllowed, title: "Method not allowed"),
        .conflict: Entry(status: .conflict, title: "Conflict"),
        .payloadTooLarge: Entry(status: .contentTooLarge, title: "Payload too large"),
        .unsupportedMediaType: Entry(status: .unsupportedMediaType, title: "Unsupported media type"),
        .internalError: Entry(status: .internalServerError, title: "Internal error"),
        .unavailable: Entry(status: .serviceUnavailable, title: "Service unavailable"),
        .overloaded: Entry(status: .serviceUnavailable, title: "Service overloaded"),
        .rateLimited: Entry(status: .tooManyRequests, title: "Too many requests"),
        .quotaExceeded: Entry(status: .tooManyRequests, title: "Allowance used up"),
        .invalidToken: Entry(status: .unauthorized, title: "Invalid access token"),
        .invalidCredentials: Entry(status: .unauthorized, title: "Invalid credentials"),
        .invalidRefreshToken: Entry(status: .unauthorized, title: "Invalid refresh token"),
        .invalidUserToken: Entry(status: .badRequest, title: "Invalid or expired link"),
        .tenantSuspended: Entry(status: .forbidden, title: "Tenant suspended"),
        .outOfScope: Entry(status: .forbidden, title: "Out of scope"),
        .lastOwner: Entry(status: .conflict, title: "Last owner"),
        .tenantRequired: Entry(status: .forbidden, title: "Tenant required"),
        .invalidAPIKey: Entry(status: .unauthorized, title: "Invalid API key"),
        .memberSuspended: Entry(status: .forbidden, title: "Membership suspended"),
        .invalidInvitation: Entry(status: .gone, title: "Invitation no longer valid"),
        .limitExceeded: Entry(status: .forbidden, title: "Plan limit exceeded"),
        .tenantPendingDeletion: Entry(status: .forbidden, title: "Tenant pending deletion"),
        .invalidIdempotencyKey: Entry(status: .badRequest, title: "Invalid idempotency key"),
        .idempotencyKeyReused: Entry(status: .unprocessableContent, title: "Idempotency key reused"),
        .idempotencyInProgress: Entry(status: .conflict, title: "Idempotent request in progress"),
    ]

    /// The entry for a code; codes outside the catalogue are internal errors.
    public static func entry(for code: TenantryError.Code) -> Entry {
        entries[code] ?? entries[.internalError] ?? Entry(status: .internalServerError, title: "Internal error")
    }
}
