import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// A user as the API shows it.
struct UserBody: ResponseEncodable {
    let id: String
    let email: String
    let name: String
    let locale: String?
    let emailVerified: Bool
    let createdAt: Date

    init(_ user: User) {
        id = user.id.description
        email = user.email.rawValue
        name = user.name
        locale = user.locale
        emailVerified = user.emailVerifiedAt != nil
        createdAt = user.createdAt
    }
}

/// A tenant as the API shows it.
struct TenantBody: ResponseEncodable {
    let id: String
    let slug: String
    let name: String
    let status: String
    let createdAt: Date

    init(_ tenant: Tenant) {
        id = tenant.id.description
        slug = tenant.slug.rawValue
        name = tenant.name
        status = tenant.status.rawValue
        createdAt = tenant.createdAt
    }
}

/// A tenant with the caller's role in it.
struct MembershipBody: ResponseEncodable {
    let tenant: TenantBody
    let role: String

    init(_ membership: TenantMembership) {
        tenant = TenantBody(membership.tenant)
        role = membership.role.rawValue
    }
}

/// Tokens as the API hands them out. `refresh_token` is absent when it travels in a cookie.
struct TokensBody: ResponseEncodable {
    let accessToken: String
    let tokenType = "Bearer"
    let expiresIn: Int
    let refreshToken: String?
    let sessionId: String

    init(_ tokens: IssuedTokens, includeRefreshToken: Bool) {
        accessToken = tokens.accessToken
        expiresIn = max(0, Int(tokens.accessTokenExpiresAt.timeIntervalSinceNow.rounded()))
        refreshToken = includeRefreshToken ? tokens.refreshToken : nil
        sessionId = tokens.sessionID.description
    }
}

struct RegisterRequest: Decodable {
    let email: String
    let password: String
    let name: String
    /// The tenant to create; without it, the address's verified domain decides (auto-join).
    @NotNull var tenantName: String?
    @NotNull var tenantSlug: String?
    @NotNull var refreshTokenDelivery: RefreshTokenDelivery?
}

/// The answer of a sign-up through a verified domain: the account waits for its address to be
/// verified, which joins the tenant (`join`) or files a request to join it (`approval`).
struct DomainRegistrationResponse: ResponseEncodable {
    let status: String
    let user: UserBody
    let tenant: TenantBody
    let joinPolicy: String
}

/// Where the refresh token goes: the response body (API clients) or an httpOnly cookie
/// (browsers).
enum RefreshTokenDelivery: String, Decodable {
    case body
    case cookie
}

struct RegisterResponse: ResponseEncodable {
    let tenant: TenantBody
    let user: UserBody
    let role: String
    let tokens: TokensBody
}

struct LoginRequest: Decodable {
    let email: String
    let password: String
    @NotNull var tenantSlug: String?
    @NotNull var refreshTokenDelivery: RefreshTokenDelivery?
}

struct LoginResponse: ResponseEncodable {
    let user: UserBody
    /// The tenant the tokens are for; absent when the user must choose one.
    let tenant: TenantBody?
    let role: String?
    let tenants: [MembershipBody]
    let tokens: TokensBody
    /// The new recovery codes, when the sign-in enrolled a second factor (shown once).
    var recoveryCodes: [String]? = nil
}

/// `202` from `POST /auth/login`: a second step comes before the tokens.
struct SecondStepResponse: ResponseEncodable {
    /// `mfa_required` (send a code to `/auth/mfa/verify`) or `mfa_enrolment_required` (enrol
    /// through `/auth/mfa/enrol`, then confirm).
    let status: String
    let mfaToken: String
    let expiresIn: Int

    init(_ step: SignInService.SecondStep) {
        status = step.purpose == .verify ? "mfa_required" : "mfa_enrolment_required"
        mfaToken = step.token
        expiresIn = max(0, Int(step.expiresAt.timeIntervalSinceNow.rounded()))
    }
}

/// The body of a sign-in's second step.
struct SecondStepRequest: Decodable {
    let mfaToken: String
    @NotNull var code: String?
    @NotNull var refreshTokenDelivery: RefreshTokenDelivery?

    func requiredCode() throws -> String {
        guard let code, !code.isEmpty else { throw Validator.fail("code", "required", "The code is required.") }
        return code
    }
}

/// A TOTP secret to enrol.
struct EnrolmentResponse: ResponseEncodable {
    /// The secret in base32.
    let secret: String
    /// The `otpauth://` URI.
    let otpauthUri: String

    init(_ enrolment: MultiFactorService.Enrolment) {
        secret = enrolment.secret
        otpauthUri = enrolment.uri
    }
}

/// `POST /auth/reauthenticate`: the password or a code.
struct ReauthenticateRequest: Decodable {
    @NotNull var password: String?
    @NotNull var code: String?
}

/// `POST /me/mfa/totp/confirm`.
struct CodeRequest: Decodable {
    let code: String
}

/// Recovery codes, shown once.
struct RecoveryCodesResponse: ResponseEncodable {
    let recoveryCodes: [String]
}

/// `GET /me/mfa`.
struct MultiFactorStatusResponse: ResponseEncodable {
    let totpEnabled: Bool
    let enabledAt: Date?
    let recoveryCodesRemaining: Int

    init(_ status: MultiFactorService.Status) {
        totpEnabled = status.totpEnabled
        enabledAt = status.enabledAt
        recoveryCodesRemaining = status.recoveryCodesRemaining
    }
}

struct RefreshRequest: Decodable {
    @NotNull var refreshToken: String?
}

struct RefreshResponse: ResponseEncodable {
    let tenant: TenantBody?
    let role: String?
    let tokens: TokensBody
}

struct SwitchTenantRequest: Decodable {
    let tenantSlug: String
}

struct SwitchTenantResponse: ResponseEncodable {
    let tenant: TenantBody
    let role: String
    let accessToken: String
    let tokenType = "Bearer"
    let expiresIn: Int
}

/// `GET /me`'s answer. Written by hand (``JSONWriter``) on the hot path; its `Encodable` form is
/// the reference a test compares that against.
struct MeResponse: Encodable, ResponseGenerator {
    let user: UserBody
    let tenant: TenantBody?
    let role: String?
    let tenants: [MembershipBody]
    let sessionId: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.response()
    }

    func write(to writer: inout JSONWriter) {
        writer.object { json in
            json.field("role", role)
            json.field("session_id", sessionId)
            json.field("tenant", tenant) { $1.write(to: &$0) }
            json.field("tenants", array: tenants) { $1.write(to: &$0) }
            json.field("user", user) { $1.write(to: &$0) }
        }
    }
}

extension UserBody {
    /// The fields, in ``JSONCoding/encoder``'s order.
    func write(to json: inout JSONWriter) {
        json.field("created_at", createdAt)
        json.field("email", email)
        json.field("email_verified", emailVerified)
        json.field("id", id)
        json.field("locale", locale)
        json.field("name", name)
    }
}

extension TenantBody {
    /// The fields, in ``JSONCoding/encoder``'s order.
    func write(to json: inout JSONWriter) {
        json.field("created_at", createdAt)
        json.field("id", id)
        json.field("name", name)
        json.field("slug", slug)
        json.field("status", status)
    }
}

extension MembershipBody {
    /// The fields, in ``JSONCoding/encoder``'s order.
    func write(to json: inout JSONWriter) {
        json.field("role", role)
        json.field("tenant", tenant) { $1.write(to: &$0) }
    }
}

struct UpdateMeRequest: Decodable {
    let name: String?
    let locale: String??

    enum CodingKeys: String, CodingKey { case name, locale }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfGiven(String.self, forKey: .name)
        locale = try container.decodeUpdate(String.self, forKey: .locale)
    }
}

struct ChangePasswordRequest: Decodable {
    let currentPassword: String
    let newPassword: String
}

struct SessionBody: ResponseEncodable {
    let id: String
    let current: Bool
    let tenantId: String?
    let ip: String?
    let userAgent: String?
    let createdAt: Date
    let lastSeenAt: Date
    let expiresAt: Date

    /// One of the caller's sessions; `current` when it is the one the request came with.
    init(_ session: Session, current: SessionID) {
        id = session.id.description
        self.current = session.id == current
        tenantId = session.activeTenantID?.description
        ip = session.ip
        userAgent = session.userAgent
        createdAt = session.createdAt
        lastSeenAt = session.lastSeenAt
        expiresAt = session.expiresAt
    }
}

struct SessionsResponse: ResponseEncodable {
    let items: [SessionBody]
}

struct TokenRequest: Decodable {
    let token: String
}

struct EmailRequest: Decodable {
    let email: String
    @NotNull var tenantSlug: String?
}

struct ResetPasswordRequest: Decodable {
    let token: String
    let password: String
}

/// The fixed answer of endpoints that must not reveal whether an account exists.
struct AcceptedResponse: ResponseEncodable {
    let status = "accepted"
    let detail: String
}
