import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/auth/*`: register, sign in, refresh, sign out, switch tenant, email verification and
/// password recovery.
struct AuthController: Sendable {
    let signUp: SignUpService
    let signIn: SignInService
    let refresh: RefreshService
    let sessions: SessionService
    let recovery: RecoveryService
    /// A sign-in's second step and fresh authentication.
    let multiFactor: MultiFactorService
    /// Counts successful sign-ins per tenant.
    let usage: UsageMeter
    /// Counts sign-in attempts by method and outcome.
    let metrics: TenantryMetrics
    /// Whether cookies get the `Secure` attribute (always, except on a plain-http public URL).
    let secureCookies: Bool

    static let refreshCookie = "tenantry_refresh"
    static let csrfCookie = "tenantry_csrf"
    static let csrfHeader = HTTPField.Name.constant("X-CSRF-Token")
    static let cookiePath = "/api/v1/auth"

    func registerPublicRoutes(on group: RouterGroup<AppRequestContext>) {
        group.post("/auth/register") { request, context in try await register(request, context) }
        group.post("/auth/login") { request, context in
            try await counted(.password) { _ in try await login(request, context) }
        }
        group.post("/auth/mfa/verify") { request, context in
            try await counted(.mfa) { _ in
                let body = try await request.decodeJSON(as: SecondStepRequest.self, context: context)
                let result = try await multiFactor.verifySignIn(
                    token: body.mfaToken, code: try body.requiredCode(), origin: context.origin(of: request))
                return try signedIn(result, cookie: body.refreshTokenDelivery == .cookie, request: request, context: context)
            }
        }
        group.post("/auth/mfa/enrol") { request, context in
            let body = try await request.decodeJSON(as: SecondStepRequest.self, context: context)
            return EnrolmentResponse(try await multiFactor.beginSignInEnrolment(token: body.mfaToken))
        }
        group.post("/auth/mfa/enrol/confirm") { request, context in
            try await counted(.mfa) { _ in
                let body = try await request.decodeJSON(as: SecondStepRequest.self, context: context)
                let (result, codes) = try await multiFactor.confirmSignInEnrolment(
                    token: body.mfaToken, code: try body.requiredCode(), origin: context.origin(of: request))
                return try signedIn(
                    result, cookie: body.refreshTokenDelivery == .cookie, request: request, context: context,
                    recoveryCodes: codes)
            }
        }
        group.post("/auth/refresh") { request, context in try await rotate(request, context) }
        group.post("/auth/verify-email") { request, context in
            let body = try await request.decodeJSON(as: TokenRequest.self, context: context)
            try await recovery.verifyEmail(token: body.token, origin: context.origin(of: request))
            return AcceptedResponse(detail: "The email address is verified.").withStatus(.ok)
        }
        group.post("/auth/verify-email/resend") { request, context in
            let body = try await request.decodeJSON(as: EmailRequest.self, context: context)
            try await recovery.resendVerification(email: body.email, origin: context.origin(of: request))
            return AcceptedResponse(
                detail: "If the address belongs to an unverified account, a new verification email is on its way."
            ).withStatus(.accepted)
        }
        group.post("/auth/forgot-password") { request, context in
            let body = try await request.decodeJSON(as: EmailRequest.self, context: context)
            try await recovery.forgotPassword(email: body.email, tenantSlug: body.tenantSlug, origin: context.origin(of: request))
            return AcceptedResponse(
                detail: "If the address belongs to an account, an email with a reset link is on its way."
            ).withStatus(.accepted)
        }
        group.post("/auth/reset-password") { request, context in
            let body = try await request.decodeJSON(as: ResetPasswordRequest.self, context: context)
            try await recovery.resetPassword(token: body.token, password: body.password, origin: context.origin(of: request))
            return AcceptedResponse(detail: "The password is changed; sign in again on every device.").withStatus(.ok)
        }
    }

    func registerAuthenticatedRoutes(on group: RouterGroup<AuthenticatedRequestContext>) {
        group.post("/auth/logout") { request, context in
            try await sessions.signOut(context.caller, origin: context.base.origin(of: request))
            return clearedCookies(Response(status: .noContent))
        }
        group.post("/auth/logout-all") { request, context in
            try await sessions.signOutEverywhere(context.caller, origin: context.base.origin(of: request))
            return clearedCookies(Response(status: .noContent))
        }
        group.post("/auth/reauthenticate") { request, context in
            let body = try await request.decodeJSON(as: ReauthenticateRequest.self, context: context.base)
            try await multiFactor.reauthenticate(
                context.caller, password: body.password, code: body.code, origin: context.base.origin(of: request))
            return Response(status: .noContent)
        }
        group.post("/auth/switch-tenant") { request, context in
            let body = try await request.decodeJSON(as: SwitchTenantRequest.self, context: context.base)
            let slug = try Slug(body.tenantSlug, field: "tenant_slug")
            let result = try await sessions.switchTenant(context.caller, to: slug, origin: context.base.origin(of: request))
            return SwitchTenantResponse(
                tenant: TenantBody(result.tenant.tenant),
                role: result.tenant.role.rawValue,
                accessToken: result.accessToken,
                expiresIn: max(0, Int(result.expiresAt.timeIntervalSinceNow.rounded()))
            )
        }
    }

    private func register(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: RegisterRequest.self, context: context)
        var validator = Validator()
        let email = try validator.capture { try EmailAddress(body.email) }
        try validator.capture { try PasswordPolicy.validate(body.password) }
        let name = try validator.capture { try User.validatedName(body.name) }
        guard let givenTenantName = body.tenantName else {
            if body.tenantSlug != nil {
                validator.add("tenant_name", "required", "Name the tenant whose slug you give.")
            }
            try validator.check()
            guard let email, let name else { throw TenantryError(.internalError, "Validation passed without values.") }
            let result = try await signUp.registerThroughDomain(
                .init(email: email, password: body.password, name: name), origin: context.origin(of: request))
            var encoded = try DomainRegistrationResponse(
                status: "verification_required", user: UserBody(result.user), tenant: TenantBody(result.tenant),
                joinPolicy: result.policy.rawValue
            ).response(from: request, context: context)
            encoded.status = .accepted
            return encoded
        }
        let registration = try Self.registration(
            validator: validator, email: email, password: body.password, name: name, tenantName: givenTenantName,
            tenantSlug: body.tenantSlug)
        let result = try await signUp.register(registration, origin: context.origin(of: request))
        let cookie = body.refreshTokenDelivery == .cookie
        let response = RegisterResponse(
            tenant: TenantBody(result.tenant),
            user: UserBody(result.user),
            role: TenantRole.owner.rawValue,
            tokens: TokensBody(result.tokens, includeRefreshToken: !cookie)
        )
        var encoded = try response.response(from: request, context: context)
        encoded.status = .created
        return cookie ? withRefreshCookie(encoded, token: result.tokens.refreshToken) : encoded
    }

    /// A sign-up with a new tenant, checked: the API's register route and the console's sign-up
    /// page. `validator` carries the problems found so far with the email, password and name.
    static func registration(
        validator: Validator, email: EmailAddress?, password: String, name: String?, tenantName givenTenantName: String,
        tenantSlug: String?
    ) throws -> SignUpService.Registration {
        var validator = validator
        let tenantName = try validator.capture { try Tenant.validatedName(givenTenantName, field: "tenant_name") }
        var slug: Slug?
        if let given = tenantSlug {
            slug = try validator.capture { try Slug(given, field: "tenant_slug") }
        } else if let tenantName {
            slug = Slug.derivedOrGenerated(from: tenantName)
        }
        try validator.check()
        guard let email, let name, let tenantName, let slug else {
            throw TenantryError(.internalError, "Validation passed without values.")
        }
        return .init(email: email, password: password, name: name, tenantName: tenantName, tenantSlug: slug)
    }

    private func login(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context)
        let outcome = try await signIn.signIn(
            email: body.email, password: body.password, tenantSlug: body.tenantSlug, origin: context.origin(of: request)
        )
        switch outcome {
        case .signedIn(let result):
            return try signedIn(result, cookie: body.refreshTokenDelivery == .cookie, request: request, context: context)
        case .secondStep(let step):
            var encoded = try SecondStepResponse(step).response(from: request, context: context)
            encoded.status = .accepted
            return encoded
        }
    }

    /// Runs one sign-in step and counts what came of it under `method` (which the step may
    /// change once it knows): an answer of 202 asks for a second factor, any other answer signed
    /// in; a thrown `rate_limited` was throttled, any other error failed.
    func counted(
        _ method: TenantryMetrics.SignInMethod, _ step: (inout TenantryMetrics.SignInMethod) async throws -> Response
    ) async throws -> Response {
        var method = method
        do {
            let response = try await step(&method)
            metrics.signIn(method, response.status == .accepted ? .mfaRequired : .success)
            return response
        } catch {
            metrics.signIn(method, (error as? TenantryError)?.code == .rateLimited ? .throttled : .failure)
            throw error
        }
    }

    /// The answer of a completed sign-in (password alone, or after its second step).
    func signedIn(
        _ result: SignInService.Result, cookie: Bool, request: Request, context: AppRequestContext,
        recoveryCodes: [String]? = nil
    ) throws -> Response {
        if let tenant = result.tenant { usage.recordSignIn(in: tenant.tenant.id, user: result.user.id) }
        let response = LoginResponse(
            user: UserBody(result.user),
            tenant: result.tenant.map { TenantBody($0.tenant) },
            role: result.tenant?.role.rawValue,
            tenants: result.memberships.map(MembershipBody.init),
            tokens: TokensBody(result.tokens, includeRefreshToken: !cookie),
            recoveryCodes: recoveryCodes
        )
        let encoded = try response.response(from: request, context: context)
        return cookie ? withRefreshCookie(encoded, token: result.tokens.refreshToken) : encoded
    }

    private func rotate(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        var token: String?
        var fromCookie = false
        token = try await request.decodeJSONIfPresent(as: RefreshRequest.self, context: context)?.refreshToken
        if token == nil {
            guard let cookie = request.cookies[Self.refreshCookie]?.value, !cookie.isEmpty else {
                // A missing credential, like a missing `Authorization` header, is a 401.
                throw TenantryError(.invalidRefreshToken, "Send the refresh token in the body or its cookie.")
            }
            // Double-submit check: a cross-site page cannot read the CSRF cookie to copy it.
            guard let csrf = request.cookies[Self.csrfCookie]?.value, !csrf.isEmpty,
                request.headers[Self.csrfHeader] == csrf
            else {
                throw TenantryError(.forbidden, "Send the X-CSRF-Token header with the value of the tenantry_csrf cookie.")
            }
            token = cookie
            fromCookie = true
        }
        guard let token else { throw Validator.fail("refresh_token", "required", "The refresh token is required.") }
        let result = try await refresh.refresh(token: token, origin: context.origin(of: request))
        let response = RefreshResponse(
            tenant: result.tenant.map { TenantBody($0.tenant) },
            role: result.tenant?.role.rawValue,
            tokens: TokensBody(result.tokens, includeRefreshToken: !fromCookie)
        )
        let encoded = try response.response(from: request, context: context)
        return fromCookie ? withRefreshCookie(encoded, token: result.tokens.refreshToken) : encoded
    }

    private func withRefreshCookie(_ response: Response, token: String?) -> Response {
        guard let token else { return response }
        var response = response
        let lifetime = Int(signIn.authority.settings.policy.absoluteLifetime)
        response.setCookie(
            Cookie(
                name: Self.refreshCookie, value: token, maxAge: lifetime, path: Self.cookiePath,
                secure: secureCookies, httpOnly: true, sameSite: .strict
            )
        )
        response.setCookie(
            Cookie(
                name: Self.csrfCookie, value: SecretToken.generate(bytes: 16), maxAge: lifetime, path: "/",
                secure: secureCookies, httpOnly: false, sameSite: .strict
            )
        )
        return response
    }

    private func clearedCookies(_ response: Response) -> Response {
        var response = response
        response.setCookie(
            Cookie(
                name: Self.refreshCookie, value: "", maxAge: 0, path: Self.cookiePath, secure: secureCookies, httpOnly: true,
                sameSite: .strict)
        )
        response.setCookie(
            Cookie(
                name: Self.csrfCookie, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: false, sameSite: .strict)
        )
        return response
    }
}

/// `/api/v1/me*`: the caller's profile, password and sessions, the export of their data and
/// the erasure of their account.
struct MeController: Sendable {
    let profile: ProfileService
    let sessions: SessionService
    let multiFactor: MultiFactorService
    let erasure: ErasureService
    let personalData: PersonalDataService

    func register(on group: RouterGroup<AuthenticatedRequestContext>) {
        group.get("/me") { _, context in
            let profile = try await profile.profile(of: context.caller)
            return MeResponse(
                user: UserBody(profile.user),
                tenant: profile.tenant.map { TenantBody($0.tenant) },
                role: profile.tenant?.role.rawValue,
                tenants: profile.memberships.map(MembershipBody.init),
                sessionId: context.caller.sessionID.description
            )
        }
        group.patch("/me") { request, context in
            let body = try await request.decodeJSON(as: UpdateMeRequest.self, context: context.base)
            var validator = Validator()
            var name: String?
            if let given = body.name {
                name = try validator.capture { try User.validatedName(given) }
            }
            var locale: String??
            if let given = body.locale {
                if let tag = given {
                    locale = .some(try validator.capture { try User.validatedLocale(tag) })
                } else {
                    locale = .some(nil)
                }
            }
            try validator.check()
            let user = try await profile.updateProfile(
                context.caller, name: name, locale: locale, origin: context.base.origin(of: request))
            return UserBody(user)
        }
        group.delete("/me") { request, context in
            _ = try await erasure.eraseSelf(context.caller, origin: context.base.origin(of: request))
            return Response(status: .noContent)
        }
        group.get("/me/export") { _, context in
            try await PersonalDataExport(service: personalData).response(for: context.caller)
        }
        group.post("/me/password") { request, context in
            let body = try await request.decodeJSON(as: ChangePasswordRequest.self, context: context.base)
            try await profile.changePassword(
                context.caller, current: body.currentPassword, new: body.newPassword, origin: context.base.origin(of: request)
            )
            return Response(status: .noContent)
        }
        group.get("/me/sessions") { _, context in
            let sessions = try await sessions.sessions(of: context.caller)
            return SessionsResponse(
                items: sessions.map { SessionBody($0, current: context.caller.sessionID) }
            )
        }
        group.delete("/me/sessions/{id}") { request, context in
            guard let id = context.parameters.get("id").flatMap(SessionID.init) else {
                throw TenantryError(.notFound, "No such session.")
            }
            try await sessions.revokeSession(id, caller: context.caller, origin: context.base.origin(of: request))
            return Response(status: .noContent)
        }
        group.get("/me/mfa") { _, context in
            MultiFactorStatusResponse(try await multiFactor.status(of: context.caller))
        }
        group.post("/me/mfa/totp") { _, context in
            EnrolmentResponse(try await multiFactor.beginEnrolment(context.caller))
        }
        group.post("/me/mfa/totp/confirm") { request, context in
            let body = try await request.decodeJSON(as: CodeRequest.self, context: context.base)
            let codes = try await multiFactor.confirmEnrolment(
                context.caller, code: body.code, origin: context.base.origin(of: request))
            return RecoveryCodesResponse(recoveryCodes: codes)
        }
        group.delete("/me/mfa/totp") { request, context in
            try await multiFactor.disable(context.caller, origin: context.base.origin(of: request))
            return Response(status: .noContent)
        }
        group.post("/me/mfa/recovery-codes") { request, context in
            RecoveryCodesResponse(
                recoveryCodes: try await multiFactor.regenerateRecoveryCodes(
                    context.caller, origin: context.base.origin(of: request)))
        }
    }
}

/// `/.well-known/*`: what a third party needs to verify Tenantry's access tokens offline.
struct WellKnownController: Sendable {
    let authority: AccessTokenAuthority
    let publicURL: String

    struct Discovery: ResponseEncodable {
        let issuer: String
        let jwksUri: String
        let tokenEndpoint: String
        let idTokenSigningAlgValuesSupported: [String]
        let accessTokenSigningAlgValuesSupported: [String]
        let subjectTypesSupported: [String]
        let responseTypesSupported: [String]
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("/.well-known/jwks.json") { _, _ in
            let body = try JSONEncoder().encode(authority.jwks())
            var headers = HTTPFields()
            headers[.contentType] = "application/jwk-set+json"
            headers[.cacheControl] = "public, max-age=\(Int(authority.settings.jwksCacheLifetime))"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/.well-known/openid-configuration") { request, context in
            let base = publicURL
            var response = try Discovery(
                issuer: authority.settings.issuer,
                jwksUri: "\(base)/.well-known/jwks.json",
                tokenEndpoint: "\(base)/api/v1/auth/refresh",
                idTokenSigningAlgValuesSupported: ["EdDSA"],
                accessTokenSigningAlgValuesSupported: ["EdDSA"],
                subjectTypesSupported: ["public"],
                responseTypesSupported: []
            ).response(from: request, context: context)
            response.headers[.cacheControl] = "public, max-age=300"
            return response
        }
    }
}

extension AppRequestContext {
    /// Where this request came from, for audit events.
    func origin(of request: Request) -> AuditEvent.Origin {
        AuditEvent.Origin(
            ip: clientIP,
            userAgent: request.headers[.userAgent].map { String($0.prefix(512)) },
            requestID: requestID
        )
    }
}

extension ResponseEncodable {
    /// The value with another status.
    func withStatus(_ status: HTTPResponse.Status) -> EditedResponse<Self> {
        EditedResponse(status: status, response: self)
    }
}
