import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// Registers the signed-in pages and actions of one console. Before a handler runs: the cookie
/// session is resolved (refreshed when its access token expired; no session → the sign-in
/// page), a form is read and its token checked (403 otherwise), and the access the mirrored API
/// route declares is required — the tenant route's permission, module and lifecycle
/// (`TenantRoutes`' checks), or the platform route's role — so a hidden control and a forged
/// post are refused alike. Errors become the console's error page with the API's status.
struct ConsoleRoutes {
    let router: Router<AppRequestContext>
    let kind: ConsoleKind
    let dependencies: ConsoleDependencies
    let platformTable: PlatformRouteTable

    typealias Handler = @Sendable (ConsoleRequest) async throws -> Response

    /// The API route a console action mirrors: its method and full path.
    struct Mirror {
        var method: HTTPRequest.Method
        var path: String

        static func get(_ path: String) -> Mirror { Mirror(method: .get, path: path) }
        static func post(_ path: String) -> Mirror { Mirror(method: .post, path: path) }
        static func patch(_ path: String) -> Mirror { Mirror(method: .patch, path: path) }
        static func put(_ path: String) -> Mirror { Mirror(method: .put, path: path) }
        static func delete(_ path: String) -> Mirror { Mirror(method: .delete, path: path) }
    }

    /// Registers `method path` (relative to the console's root), needing the access of
    /// `mirror` (nothing beyond a session when `nil`).
    func on(_ method: HTTPRequest.Method, _ path: String, mirrors mirror: Mirror?, _ handler: @escaping Handler) {
        let dependencies = self.dependencies
        let kind = self.kind
        let tenantRoute = kind == .tenant ? mirror.map { dependencies.apiRoute($0.method, $0.path) } : nil
        let platformRole: PlatformRole? =
            kind == .admin
            ? (mirror.flatMap { mirror in
                platformTable.routes.first { $0.method == mirror.method && $0.path == mirror.path }?.role
            } ?? .support) : nil
        if kind == .admin, let mirror,
            !platformTable.routes.contains(where: { $0.method == mirror.method && $0.path == mirror.path })
        {
            preconditionFailure("The operators' console mirrors \(mirror.method) \(mirror.path), which is no platform route.")
        }
        let fullPath = kind.root + path
        router.on(RouterPath(fullPath), method: method) { request, context -> Response in
            let origin = context.origin(of: request)
            let session: ConsoleSessions.Session
            do throws(ConsoleSessions.Ended) {
                session = try await dependencies.sessions.session(of: request, kind: kind, origin: origin)
            } catch {
                return dependencies.signInRedirect(kind, ended: error)
            }
            let caller = session.caller
            let csrf = dependencies.sessions.csrfToken(for: caller.sessionID)
            var language = Language.preferred(ConsoleDependencies.acceptedLanguage(request))
            var chrome = ConsoleView.Chrome.signedOut
            do {
                let profile = try await dependencies.useCases.profile.profile(of: caller)
                var access: TenantAccess?
                var brand: ConsoleBrand?
                var tenant: Tenant?
                var tenantDefault: Language?
                let navigation: ConsoleNavigation
                switch kind {
                case .tenant:
                    guard let grant = session.grant, let membership = profile.tenant else {
                        return dependencies.signInRedirect(kind, ended: .expired)
                    }
                    do {
                        access = try TenantAuthenticationMiddleware.memberAccess(caller, grant: grant)
                    } catch let error as TenantryError where error.code == .tenantSuspended {
                        return dependencies.signInRedirect(kind, ended: .suspended(error.code))
                    }
                    let state = try await dependencies.entitlements.state(of: membership.tenant.id)
                    tenantDefault = state?.defaultLanguage
                    tenant = membership.tenant
                    brand = ConsoleBrand(tenant: membership.tenant, state: state)
                    navigation = TenantConsole.navigation(
                        access: access, modules: state?.entitlements.modules ?? [], current: fullPath,
                        who: "\(profile.user.name) · \(membership.tenant.name)",
                        dependencies: dependencies)
                case .admin:
                    guard let held = try await dependencies.useCases.platform.role(of: caller.userID) else {
                        throw TenantryError(.forbidden, "This needs a platform operator.")
                    }
                    if let platformRole, held < platformRole {
                        throw TenantryError(.forbidden, "This needs the \(platformRole.rawValue) platform role.")
                    }
                    navigation = AdminConsole.navigation(current: fullPath, who: profile.user.name)
                }
                language = dependencies.language(user: profile.user, tenantDefault: tenantDefault, request: request)
                chrome = kind == .tenant ? .tenant(navigation) : .admin(navigation)
                var form = FormBody("")
                if method != .get && method != .head {
                    form = try await FormBody.read(request, limit: dependencies.maxBodySize)
                    try dependencies.sessions.checkCSRF(
                        form[ConsoleSessions.csrfField] ?? request.headers[ConsoleSessions.csrfHeader],
                        session: caller.sessionID)
                }
                if let tenantRoute, let access {
                    try await dependencies.entitlements.admit(tenantRoute, in: access.tenantID)
                    try access.authorize(tenantRoute.permission, resource: nil)
                }
                let console = ConsoleRequest(
                    kind: kind, request: request, context: context, caller: caller, user: profile.user, language: language,
                    csrf: csrf,
                    form: form, access: access, tenant: tenant, brand: brand, navigation: navigation)
                let response = try await handler(console)
                return session.refreshed.map { dependencies.sessions.withCookies(response, tokens: $0, kind: kind) }
                    ?? response
            } catch let error as TenantryError where error.code == .tenantSuspended || error.code == .memberSuspended {
                return dependencies.signInRedirect(kind, ended: .suspended(error.code))
            } catch {
                let page = dependencies.errorPage(
                    error, request: request, context: context, language: language, chrome: chrome, csrf: csrf)
                return session.refreshed.map { dependencies.sessions.withCookies(page, tokens: $0, kind: kind) } ?? page
            }
        }
    }

    /// `GET path`.
    func get(_ path: String, mirrors mirror: Mirror?, _ handler: @escaping Handler) {
        on(.get, path, mirrors: mirror, handler)
    }

    /// `POST path`: every console action is a form post.
    func post(_ path: String, mirrors mirror: Mirror?, _ handler: @escaping Handler) {
        on(.post, path, mirrors: mirror, handler)
    }
}

extension ConsoleBrand {
    /// A tenant's brand on its console: its name always, its logo and colours when its plan
    /// has custom branding.
    init(tenant: Tenant, state: EntitlementDirectory.TenantState?) {
        self.init(name: tenant.name)
        if let state, state.entitlements.features.contains(EmailStyle.brandingFeature) {
            logoURL = state.branding.logoURL
            primaryColor = state.branding.primaryColor
            accentColor = state.branding.accentColor
        }
    }
}
