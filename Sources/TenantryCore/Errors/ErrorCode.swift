/// The closed set of error codes: every failure the product reports has one of these, stable
/// across releases (clients match on them). The HTTP edge maps each to a status and a problem
/// type in one exhaustive `switch`, so a new code without a mapping does not compile.
public enum ErrorCode: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Input failed validation; `fieldErrors` says where.
    case validationFailed = "validation_failed"
    /// The request is malformed in a way no more specific code describes.
    case badRequest = "bad_request"
    /// The body is not JSON.
    case malformedJSON = "malformed_json"
    /// The `X-Request-ID` header is over-long or has characters outside the allowed set.
    case invalidRequestID = "invalid_request_id"
    /// The body is not sent as JSON.
    case unsupportedMediaType = "unsupported_media_type"
    /// The body exceeds the configured limit.
    case payloadTooLarge = "payload_too_large"
    /// No route has this path.
    case routeNotFound = "route_not_found"
    /// The path exists but not with this method (the response's `Allow` lists the methods).
    case methodNotAllowed = "method_not_allowed"
    /// The resource does not exist in the caller's scope (also used for other tenants' resources).
    case notFound = "not_found"
    /// The request conflicts with the current state (e.g. a duplicate slug).
    case conflict = "conflict"
    /// No valid credentials were presented.
    case unauthenticated = "unauthenticated"
    /// The caller is known but lacks the permission.
    case forbidden = "forbidden"
    /// Too many requests; the response carries `Retry-After`.
    case rateLimited = "rate_limited"
    /// Email and password do not match an account.
    case invalidCredentials = "invalid_credentials"
    /// The refresh token is unknown, expired, revoked or reused.
    case invalidRefreshToken = "invalid_refresh_token"
    /// An emailed link's token is unknown, expired or used.
    case invalidUserToken = "invalid_or_expired_token"
    /// The tenant is suspended.
    case tenantSuspended = "tenant_suspended"
    /// The API key is unknown, expired, revoked, or its creator lost access.
    case invalidAPIKey = "invalid_api_key"
    /// The caller's membership in the tenant is suspended.
    case memberSuspended = "member_suspended"
    /// The tenant's monthly API-call allowance is used up; the response carries `Retry-After`
    /// and an `allowance` member.
    case quotaExceeded = "quota_exceeded"
    /// Too much work is in flight (e.g. password hashing); retry after `Retry-After`.
    case overloaded = "service_overloaded"
    /// The access token is missing, malformed, expired, revoked or not for this server.
    case invalidToken = "invalid_token"
    /// A resource-bound key reached for another resource.
    case outOfScope = "out_of_scope"
    /// The change would leave the tenant without an owner.
    case lastOwner = "last_owner"
    /// The access token acts in no tenant; switch to one first.
    case tenantRequired = "tenant_required"
    /// The invitation was accepted, revoked or has expired.
    case invalidInvitation = "invitation_invalid"
    /// A dependency (usually the database) is unavailable; retry later.
    case unavailable = "service_unavailable"
    /// An unexpected failure; details stay in the server's logs.
    case internalError = "internal_error"
    /// The `Idempotency-Key` header breaks the length or character rules (400).
    case invalidIdempotencyKey = "invalid_idempotency_key"
    /// The key was used by this caller for another method, path or body (422).
    case idempotencyKeyReused = "idempotency_key_reused"
    /// The first request with this key has not finished yet (409).
    case idempotencyInProgress = "idempotency_in_progress"
    /// The first request with this key was carried out, but its node stopped before its
    /// response was stored: it is not run again (409).
    case idempotencyOutcomeLost = "idempotency_outcome_lost"
    /// Creating one more would exceed an allowance of the tenant's plan.
    case limitExceeded = "limit_exceeded"
    /// The tenant is pending deletion: only reading it and restoring it are possible.
    case tenantPendingDeletion = "tenant_pending_deletion"
    /// An applied migration's checksum differs from the one this binary carries.
    case migrationChecksumMismatch = "migration_checksum_mismatch"
    /// The database holds migrations this binary does not know (it is older than the schema).
    case unknownMigration = "unknown_migration"
    /// Migrations are pending and this process may not apply them.
    case migrationsPending = "migrations_pending"
    /// A second-factor code (TOTP or recovery code) is wrong, already used, or malformed (401).
    case invalidMFACode = "invalid_mfa_code"
    /// The sign-in's second-step token is unknown, expired, used up or for another step (401).
    case invalidMFAToken = "invalid_mfa_token"
    /// The change needs a fresh authentication: the password or a code within the last five
    /// minutes (`POST /api/v1/auth/reauthenticate`) (403).
    case reauthenticationRequired = "reauthentication_required"
    /// The tenant requires multi-factor authentication of this member, who has none yet (403).
    case mfaEnrolmentRequired = "mfa_enrolment_required"
    /// A single sign-on did not complete: the flow is unknown or expired, or the identity
    /// provider's answer was an error or was refused (401).
    case ssoFailed = "sso_failed"
    /// The address is at a domain whose tenant requires single sign-on: password sign-in and
    /// sign-up are refused, and the problem names the route that signs the person in (403).
    case ssoRequired = "sso_required"
    /// A social sign-in found no account with the provider's address, and the person did not
    /// ask to sign up (401).
    case signUpRequired = "sign_up_required"
    /// An inbound webhook's signature is missing or does not match its source's secret.
    case invalidWebhookSignature = "invalid_webhook_signature"
    /// An inbound webhook's signed timestamp is too far from the server's clock.
    case webhookTimestampOutOfRange = "webhook_timestamp_out_of_range"
    /// The payment was declined (a card refused, insufficient funds); the detail says why (402).
    case paymentFailed = "payment_failed"
    /// The payment service (Stripe) failed or could not be reached after retries (502).
    case paymentProviderError = "payment_provider_error"
    /// Billing is not configured on this server (no Stripe API key) (503).
    case billingDisabled = "billing_disabled"
    /// A finished export's archive is past its expiry and was removed (410).
    case exportExpired = "export_expired"
    /// Tenant backups are not configured on this server (no backup folder) (503).
    case backupsDisabled = "backups_disabled"
    /// The runtime PostgreSQL role could bypass row-level security.
    case unsafeDatabaseRole = "unsafe_database_role"

    /// The code as clients see it, e.g. `validation_failed`.
    public var description: String { rawValue }
}
