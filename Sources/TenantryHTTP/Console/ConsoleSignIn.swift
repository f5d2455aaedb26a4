import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// The pages shown before sign-in, for both consoles: sign-in (password, then the second factor
/// when the account has one), the tenant console's sign-up, and accepting an invitation. Their
/// forms carry the double-submit token; they call the API's sign-in, sign-up and invitation
/// use cases and end in the same sessions.
struct ConsoleSignIn: Sendable {
    let dependencies: ConsoleDependencies

    private var useCases: UseCases { dependencies.useCases }
    private var sessions: ConsoleSessions { dependencies.sessions }

    /// Registers the pages on `router`; their forms on `limited`, the group limited per client
    /// IP as the API's sign-in is.
    func register(on router: Router<AppRequestContext>, limited: RouterGroup<AppRequestContext>) {
        for kind in [ConsoleKind.tenant, .admin] {
            // The console's root without a session goes to sign-in (the signed-in overview is
            // registered by each console on the same path).
            router.get(RouterPath(kind.signIn)) { request, context in
                await signInPage(kind, request: request, context: context)
            }
            limited.post(RouterPath(kind.signIn)) { request, context in
                try await guarded(request, context) { form, language in
                    try await signIn(kind, form: form, request: request, context: context, language: language)
                }
            }
            router.get(RouterPath(kind.signIn + "/mfa")) { request, context in
                try await secondStepPage(kind, request: request, context: context)
            }
            limited.post(RouterPath(kind.signIn + "/mfa")) { request, context in
                try await guarded(request, context) { form, language in
                    try await secondStep(kind, form: form, request: request, context: context, language: language)
                }
            }
        }
        // Single sign-on through one of the tenant's connections, from its branded sign-in.
        // A link, not a form: the policy's `form-action 'self'` would stop a form's redirect to
        // the identity provider. Starting binds the flow to this browser, so a link planted
        // elsewhere signs nobody in but the person who then signs in at the provider.
        limited.get(RouterPath(ConsoleSessions.ssoPath + "/start")) { request, context in
            let language = Language.preferred(ConsoleDependencies.acceptedLanguage(request))
            do {
                return try await startSingleSignOn(request: request)
            } catch {
                return dependencies.errorPage(
                    error, request: request, context: context, language: language, chrome: .signedOut,
                    csrf: sessions.anonymousToken(of: request).token)
            }
        }
        router.get(RouterPath(ConsoleSessions.ssoPath)) { request, context in
            try await singleSignOnLanding(request: request, context: context)
        }
        router.get("/console/sign-up") { request, context in
            await publicPage("sign-up", title: "sign_up.title", request: request, context: context)
        }
        limited.post("/console/sign-up") { request, context in
            try await guarded(request, context) { form, language in
                try await signUp(form: form, request: request, context: context, language: language)
            }
        }
        // The link in the invitation email.
        router.get("/accept-invitation") { request, _ in
            let token = request.uri.queryParameters["token"].map(String.init) ?? ""
            return ConsoleView.redirect("/console/accept-invitation?token=\(FormEncoding.escape(token))")
        }
        router.get("/console/accept-invitation") { request, context in
            var values: [String: Any] = [:]
            values["token"] = request.uri.queryParameters["token"].map(String.init) ?? ""
            return await publicPage(
                "accept-invitation", title: "accept.title", request: request, context: context, values: values)
        }
        limited.post("/console/accept-invitation") { request, context in
            try await guarded(request, context) { form, language in
                try await accept(form: form, request: request, context: context, language: language)
            }
        }
        router.get("/console/assets/console.css") { request, _ in dependencies.view.stylesheet.response(to: request) }
        router.get("/console/assets/htmx.js") { request, _ in dependencies.view.htmx.response(to: request) }
    }

    // MARK: Pages

    private func signInPage(_ kind: ConsoleKind, request: Request, context: AppRequestContext) async -> Response {
        let language = Language.preferred(ConsoleDependencies.acceptedLanguage(request))
        var values: [String: Any] = ["action": kind.signIn]
        if kind == .tenant { values["tenantConsole"] = true }
        var error: String?
        if let code = request.uri.queryParameters["notice"].map(String.init), code.utf8.count <= 64 {
            if ["session_ended", "tenant_suspended", "member_suspended", "sso_failed"].contains(code) {
                error = dependencies.strings.catalogues[language]?.flat["notices.\(code)"]
            }
        }
        return await publicPage(
            "sign-in", title: kind == .tenant ? "sign_in.title" : "sign_in.admin_title", request: request,
            context: context, values: values, error: error)
    }

    /// The tenant the request's host names, on the tenant console's pages shown before sign-in
    /// (not sign-up, which makes a new tenant); a failed lookup brands nothing.
    /// `Host`, as a field (an HTTP/1 request's authority, when the transport left it there).
    static let hostField = HTTPField.Name.constant("Host")

    private func hostTenant(_ template: String, _ request: Request) async -> TenantHosts.Found? {
        guard ["sign-in", "mfa", "accept-invitation"].contains(template), request.uri.path.hasPrefix("/console"),
            let host = request.headers[Self.hostField] ?? request.head.authority
        else { return nil }
        return try? await dependencies.hosts.tenant(forHost: host)
    }

    /// A page shown before sign-in, with the double-submit token (set as a cookie when new),
    /// branded and worded for the tenant the host names, if any.
    private func publicPage(
        _ template: String, title: String, request: Request, context: AppRequestContext, values: [String: Any] = [:],
        error: String? = nil, status: HTTPResponse.Status = .ok
    ) async -> Response {
        let host = await hostTenant(template, request)
        let language = Language.preferred(
            host?.state?.defaultLanguage?.rawValue, ConsoleDependencies.acceptedLanguage(request))
        let (token, isNew) = sessions.anonymousToken(of: request)
        var values = values
        if let host {
            values["hostTenant"] = ["name": host.tenant.name, "slug": host.tenant.slug.rawValue]
            if template == "sign-in",
                let connections = try? await useCases.singleSignOn.signInChoices(tenantID: host.tenant.id),
                !connections.isEmpty
            {
                values["ssoConnections"] = connections.map { connection in
                    ["id": connection.id.description, "name": connection.name, "slug": host.tenant.slug.rawValue]
                }
                values["hasSSO"] = true
            }
        }
        var page = ConsoleView.Page(
            template: template, language: language, title: title, chrome: .signedOut, csrf: token, values: values)
        page.brand = host.map { ConsoleBrand(tenant: $0.tenant, state: $0.state) }
        page.error = error
        page.notice = dependencies.notice(of: request, language)
        page.status = status
        let response = dependencies.view.render(page)
        return isNew ? sessions.withAnonymousToken(response, token) : response
    }

    /// Reads a pre-sign-in form and checks its token; a refused or failed action shows the
    /// error page (the API's status, the catalogue's words).
    private func guarded(
        _ request: Request, _ context: AppRequestContext, _ action: (FormBody, Language) async throws -> Response
    ) async throws -> Response {
        let language = Language.preferred(ConsoleDependencies.acceptedLanguage(request))
        let csrf = sessions.anonymousToken(of: request).token
        do {
            let form = try await FormBody.read(request, limit: dependencies.maxBodySize)
            try sessions.checkAnonymousCSRF(form[ConsoleSessions.csrfField], request: request)
            return try await action(form, language)
        } catch {
            return dependencies.errorPage(
                error, request: request, context: context, language: language, chrome: .signedOut, csrf: csrf)
        }
    }

    /// Re-shows a form page with an error and the status the API would answer.
    private func failed(
        _ error: any Error, template: String, title: String, request: Request, context: AppRequestContext,
        language: Language, values: [String: Any]
    ) async throws -> Response {
        guard let domainError = error as? TenantryError else { throw error }
        let entry = ProblemCatalog.entry(for: domainError.code)
        guard entry.status.code < 500 else { throw error }
        return await publicPage(
            template, title: title, request: request, context: context, values: values,
            error: dependencies.message(for: domainError, language), status: entry.status)
    }

    // MARK: Actions

    private func signIn(
        _ kind: ConsoleKind, form: FormBody, request: Request, context: AppRequestContext, language: Language
    ) async throws -> Response {
        let origin = context.origin(of: request)
        let email = form.text("email") ?? ""
        var values: [String: Any] = ["action": kind.signIn, "email": email]
        if kind == .tenant { values["tenantConsole"] = true }
        let title = kind == .tenant ? "sign_in.title" : "sign_in.admin_title"
        do {
            let outcome = try await useCases.signIn.signIn(
                email: email, password: form["password"] ?? "", tenantSlug: kind == .tenant ? form.text("tenant") : nil,
                origin: origin)
            switch outcome {
            case .signedIn(let result):
                return try await signedIn(kind, result, request: request, context: context, language: language)
            case .secondStep(let step):
                return sessions.withSecondStep(
                    ConsoleView.redirect(kind.signIn + "/mfa"), token: step.token, enrol: step.purpose == .enrol, kind: kind)
            }
        } catch {
            return try await failed(
                error, template: "sign-in", title: title, request: request, context: context, language: language,
                values: values)
        }
    }

    /// The code page of a sign-in's second step; a person enrolling gets a new secret.
    private func secondStepPage(_ kind: ConsoleKind, request: Request, context: AppRequestContext) async throws
        -> Response
    {
        guard let (token, enrol) = sessions.secondStep(of: request, kind: kind) else {
            return ConsoleView.redirect(kind.signIn)
        }
        var values: [String: Any] = ["action": kind.signIn + "/mfa"]
        if enrol {
            do {
                let enrolment = try await useCases.multiFactor.beginSignInEnrolment(token: token)
                values["enrol"] = true
                values["secret"] = enrolment.secret
            } catch {
                return ConsoleView.redirect(kind.signIn + "?notice=session_ended")
            }
        }
        return await publicPage("mfa", title: "mfa.title", request: request, context: context, values: values)
    }

    private func secondStep(
        _ kind: ConsoleKind, form: FormBody, request: Request, context: AppRequestContext, language: Language
    ) async throws -> Response {
        let origin = context.origin(of: request)
        guard let (token, enrol) = sessions.secondStep(of: request, kind: kind) else {
            return ConsoleView.redirect(kind.signIn + "?notice=session_ended")
        }
        let code = form.text("code") ?? ""
        do {
            let result: SignInService.Result
            if enrol {
                result = try await useCases.multiFactor.confirmSignInEnrolment(token: token, code: code, origin: origin).0
            } else {
                result = try await useCases.multiFactor.verifySignIn(token: token, code: code, origin: origin)
            }
            return try await signedIn(kind, result, request: request, context: context, language: language)
        } catch {
            var values: [String: Any] = ["action": kind.signIn + "/mfa"]
            if enrol { values["enrol"] = true }
            return try await failed(
                error, template: "mfa", title: "mfa.title", request: request, context: context, language: language,
                values: values)
        }
    }

    /// A finished sign-in: the tenant console needs a tenant (a person in several who named
    /// none picks one), the operators' console a platform role; then the cookies.
    private func signedIn(
        _ kind: ConsoleKind, _ result: SignInService.Result, request: Request, context: AppRequestContext,
        language: Language
    ) async throws -> Response {
        let origin = context.origin(of: request)
        let caller = AuthenticatedCaller(
            userID: result.user.id, sessionID: result.tokens.sessionID, tenantID: result.tenant?.tenant.id, roles: [])
        switch kind {
        case .tenant:
            guard let tenant = result.tenant else {
                try await useCases.sessions.signOut(caller, origin: origin)
                let choices = result.memberships.map { ["slug": $0.tenant.slug.rawValue, "name": $0.tenant.name] }
                let text = dependencies.strings.text(
                    language, choices.isEmpty ? "sign_in.no_tenant" : "sign_in.choose_tenant")
                return await publicPage(
                    "sign-in", title: "sign_in.title", request: request, context: context,
                    values: [
                        "action": kind.signIn, "tenantConsole": true, "email": result.user.email.rawValue,
                        "tenants": choices, "chooseTenant": !choices.isEmpty,
                    ], error: text, status: choices.isEmpty ? .forbidden : .ok)
            }
            dependencies.usage.recordSignIn(in: tenant.tenant.id, user: result.user.id)
        case .admin:
            guard try await useCases.platform.role(of: result.user.id) != nil else {
                try await useCases.sessions.signOut(caller, origin: origin)
                throw TenantryError(.forbidden, "This needs a platform operator.")
            }
        }
        return sessions.withCookies(ConsoleView.redirect(kind.root), tokens: result.tokens, kind: kind)
    }

    /// Starts a single sign-on through the connection the button names. The browser comes back
    /// to this console's landing page on the host it started from: the public URL's, or a host
    /// that names the same tenant (anything else is refused, so no sign-on lands elsewhere).
    private func startSingleSignOn(request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let slug = try Slug(query["tenant"].map(String.init) ?? "", field: "tenant")
        guard let connectionID = query["connection"].map(String.init).flatMap(SSOConnectionID.init),
            let consoleReturn = try await landingURL(of: request, slug: slug)
        else { throw SingleSignOnService.noConnection }
        let state = SecretToken.generate()
        let url = try await useCases.singleSignOn.start(
            tenantSlug: slug, connectionID: connectionID, clientState: state, consoleReturn: consoleReturn)
        return sessions.withSSOState(ConsoleView.redirect(url.absoluteString), state)
    }

    /// The landing page's absolute URL on `request`'s host, when that host is the public URL's
    /// or names the tenant `slug`.
    private func landingURL(of request: Request, slug: Slug) async throws -> String? {
        guard let base = URL(string: dependencies.publicURL), let scheme = base.scheme, let publicHost = base.host,
            let host = (request.headers[Self.hostField] ?? request.head.authority)?.lowercased(), host.utf8.count <= 253
        else { return nil }
        let publicAuthority = base.port.map { "\(publicHost):\($0)" } ?? publicHost
        if host == publicAuthority.lowercased() {
            let root = dependencies.publicURL.hasSuffix("/") ? String(dependencies.publicURL.dropLast()) : dependencies.publicURL
            return root + ConsoleSessions.ssoPath
        }
        guard let found = try await dependencies.hosts.tenant(forHost: host), found.tenant.slug == slug else { return nil }
        return "\(scheme)://\(host)\(ConsoleSessions.ssoPath)"
    }

    /// Where the identity provider's answer lands: the one-time code is exchanged for the
    /// session when the `state` matches the cookie of the browser that started. The page then
    /// moves on to the console by itself: a redirect would not carry the new `SameSite=Strict`
    /// cookies at the end of a journey that began on another site.
    private func singleSignOnLanding(request: Request, context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let failed = sessions.withoutSSOState(ConsoleView.redirect("/console/sign-in?notice=sso_failed"))
        guard let code = query["code"].map(String.init), let state = query["state"].map(String.init),
            code.utf8.count <= 256, let expected = sessions.ssoState(of: request), SecretToken.matches(state, expected)
        else { return failed }
        let origin = context.origin(of: request)
        let result: SignInService.Result
        do {
            result = try await useCases.singleSignOn.exchange(code: code, origin: origin)
        } catch let error as TenantryError where ProblemCatalog.entry(for: error.code).status.code < 500 {
            return failed
        }
        guard let tenant = result.tenant else {
            try await useCases.sessions.signOut(
                AuthenticatedCaller(userID: result.user.id, sessionID: result.tokens.sessionID, tenantID: nil, roles: []),
                origin: origin)
            return failed
        }
        dependencies.usage.recordSignIn(in: tenant.tenant.id, user: result.user.id)
        let page = await publicPage(
            "sso-landing", title: "sso_landing.title", request: request, context: context, values: ["refresh": "/console"])
        return sessions.withoutSSOState(sessions.withCookies(page, tokens: result.tokens, kind: .tenant))
    }

    private func signUp(form: FormBody, request: Request, context: AppRequestContext, language: Language) async throws
        -> Response
    {
        let values: [String: Any] = [
            "name": form.text("name") ?? "", "email": form.text("email") ?? "", "tenantName": form.text("tenant_name") ?? "",
        ]
        do {
            var validator = Validator()
            let email = try validator.capture { try EmailAddress(form.text("email") ?? "") }
            let password = form["password"] ?? ""
            try validator.capture { try PasswordPolicy.validate(password) }
            let name = try validator.capture { try User.validatedName(form.text("name") ?? "") }
            let registration = try AuthController.registration(
                validator: validator, email: email, password: password, name: name,
                tenantName: form.text("tenant_name") ?? "", tenantSlug: nil)
            let result = try await useCases.signUp.register(registration, origin: context.origin(of: request))
            return sessions.withCookies(ConsoleView.redirect("/console?notice=welcome"), tokens: result.tokens, kind: .tenant)
        } catch {
            return try await failed(
                error, template: "sign-up", title: "sign_up.title", request: request, context: context, language: language,
                values: values)
        }
    }

    private func accept(form: FormBody, request: Request, context: AppRequestContext, language: Language) async throws
        -> Response
    {
        let token = form["token"] ?? ""
        let origin = context.origin(of: request)
        // A person already signed in to the tenant console accepts as themselves.
        let caller = try? await sessions.session(of: request, kind: .tenant, origin: origin).caller
        do {
            let acceptor =
                caller.map { InvitationService.Acceptor(caller: $0) }
                ?? InvitationService.Acceptor(name: form.text("name"), password: form["password"])
            let acceptance = try await useCases.invitations.accept(token: token, acceptor: acceptor, origin: origin)
            guard let tokens = acceptance.tokens else {
                return ConsoleView.redirect("/console/sign-in?notice=joined")
            }
            return sessions.withCookies(ConsoleView.redirect("/console?notice=joined"), tokens: tokens, kind: .tenant)
        } catch {
            return try await failed(
                error, template: "accept-invitation", title: "accept.title", request: request, context: context,
                language: language, values: ["token": token, "name": form.text("name") ?? ""])
        }
    }
}

/// The per-IP limit of the API's public routes on the consoles' forms shown before sign-in,
/// with the refusal as a page (429, `Retry-After`) instead of problem+json.
struct ConsoleClientRateLimit: RouterMiddleware {
    typealias Context = AppRequestContext
    let limit: ClientRateLimitMiddleware
    let dependencies: ConsoleDependencies

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await limit.handle(request, context: context, next: next)
        } catch let error as TenantryError where error.code == .rateLimited {
            let language = Language.preferred(ConsoleDependencies.acceptedLanguage(request))
            var page = dependencies.errorPage(
                error, request: request, context: context, language: language, chrome: .signedOut,
                csrf: dependencies.sessions.anonymousToken(of: request).token)
            context.annotations.rateLimitHeaders?.apply(to: &page.headers)
            return page
        }
    }
}
