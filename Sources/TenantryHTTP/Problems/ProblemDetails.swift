public import HTTPTypes
import TenantryApplication
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
    /// For `sso_required`: where to start the single sign-on instead (a path under the API).
    public var ssoURL: String?

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
        case ssoURL = "sso_url"
    }

    /// The `type` URI for a code.
    public static func typeURI(for code: TenantryError.Code) -> String { "urn:tenantry:problem:\(code.rawValue)" }
}

/// The one mapping from error codes to HTTP statuses and titles: an exhaustive `switch`, so a
/// code added to ``ErrorCode`` does not compile until it has its answer here.
public enum ProblemCatalog {
    /// How the API answers with one code.
    public struct Entry: Sendable, Equatable {
        /// The response status.
        public let status: HTTPResponse.Status
        /// The problem's fixed title.
        public let title: String
        /// The code the client sees: the code itself, or `internal_error` for codes that only
        /// describe the server's own state (start-up checks) and never reach a client as such.
        public let shownCode: ErrorCode

        init(status: HTTPResponse.Status, title: String, shownCode: ErrorCode) {
            self.status = status
            self.title = title
            self.shownCode = shownCode
        }
    }

    /// The answer for a code.
    public static func entry(for code: ErrorCode) -> Entry {
        func answer(_ status: HTTPResponse.Status, _ title: String) -> Entry {
            Entry(status: status, title: title, shownCode: code)
        }
        switch code {
        case .badRequest: return answer(.badRequest, "Bad request")
        case .malformedJSON: return answer(.badRequest, "Malformed JSON")
        case .invalidRequestID: return answer(.badRequest, "Invalid request id")
        case .validationFailed: return answer(.unprocessableContent, "Validation failed")
        case .unauthenticated: return answer(.unauthorized, "Authentication required")
        case .forbidden: return answer(.forbidden, "Forbidden")
        case .notFound: return answer(.notFound, "Not found")
        case .routeNotFound: return answer(.notFound, "Route not found")
        case .methodNotAllowed: return answer(.methodNotAllowed, "Method not allowed")
        case .conflict: return answer(.conflict, "Conflict")
        case .payloadTooLarge: return answer(.contentTooLarge, "Payload too large")
        case .unsupportedMediaType: return answer(.unsupportedMediaType, "Unsupported media type")
        case .internalError: return answer(.internalServerError, "Internal error")
        case .unavailable: return answer(.serviceUnavailable, "Service unavailable")
        case .overloaded: return answer(.serviceUnavailable, "Service overloaded")
        case .rateLimited: return answer(.tooManyRequests, "Too many requests")
        case .quotaExceeded: return answer(.tooManyRequests, "Allowance used up")
        case .invalidToken: return answer(.unauthorized, "Invalid access token")
        case .invalidCredentials: return answer(.unauthorized, "Invalid credentials")
        case .invalidRefreshToken: return answer(.unauthorized, "Invalid refresh token")
        case .invalidUserToken: return answer(.badRequest, "Invalid or expired link")
        case .tenantSuspended: return answer(.forbidden, "Tenant suspended")
        case .outOfScope: return answer(.forbidden, "Out of scope")
        case .lastOwner: return answer(.conflict, "Last owner")
        case .tenantRequired: return answer(.forbidden, "Tenant required")
        case .invalidAPIKey: return answer(.unauthorized, "Invalid API key")
        case .memberSuspended: return answer(.unauthorized, "Membership suspended")
        case .invalidInvitation: return answer(.gone, "Invitation no longer valid")
        case .limitExceeded: return answer(.forbidden, "Plan limit exceeded")
        case .tenantPendingDeletion: return answer(.forbidden, "Tenant pending deletion")
        case .invalidIdempotencyKey: return answer(.badRequest, "Invalid idempotency key")
        case .idempotencyKeyReused: return answer(.unprocessableContent, "Idempotency key reused")
        case .idempotencyInProgress: return answer(.conflict, "Idempotent request in progress")
        case .idempotencyOutcomeLost: return answer(.conflict, "Idempotent request's outcome lost")
        case .invalidMFACode: return answer(.unauthorized, "Invalid second-factor code")
        case .invalidMFAToken: return answer(.unauthorized, "Invalid or expired sign-in step")
        case .reauthenticationRequired: return answer(.forbidden, "Fresh authentication required")
        case .mfaEnrolmentRequired: return answer(.forbidden, "Multi-factor enrolment required")
        case .ssoFailed: return answer(.unauthorized, "Single sign-on failed")
        case .ssoRequired: return answer(.forbidden, "Single sign-on required")
        case .signUpRequired: return answer(.unauthorized, "No account; sign up first")
        case .invalidWebhookSignature: return answer(.unauthorized, "Invalid webhook signature")
        case .webhookTimestampOutOfRange: return answer(.badRequest, "Webhook timestamp out of range")
        case .paymentFailed: return answer(.init(code: 402, reasonPhrase: "Payment Required"), "Payment failed")
        case .paymentProviderError: return answer(.badGateway, "Payment service error")
        case .billingDisabled: return answer(.serviceUnavailable, "Billing not configured")
        case .exportExpired: return answer(.gone, "Export expired")
        case .backupsDisabled: return answer(.serviceUnavailable, "Backups not configured")
        case .migrationChecksumMismatch, .unknownMigration, .migrationsPending, .unsafeDatabaseRole:
            return Entry(status: .internalServerError, title: "Internal error", shownCode: .internalError)
        }
    }
}
