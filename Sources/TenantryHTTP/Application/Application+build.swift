public import Hummingbird
public import Logging
import Synchronization
public import TenantryApplication
public import TenantryCore
public import TenantryStorage

/// The router of the API with everything around it: routes register on ``router``; building
/// the responder freezes the route table that tells 404 from 405.
public final class APIRouter: HTTPResponderBuilder {
    /// The Hummingbird router every controller registers on.
    public let router: Router<AppRequestContext>
    private let table: RouteTableBox

    /// Rate limits and usage metering of every route (made from the configuration unless given).
    /// Its usage is written only while something runs `traffic.flushing(logger:)`, as
    /// ``TenantryServer`` does.
    public let traffic: TrafficControl

    /// Creates the router with the request lifecycle middleware and every controller;
    /// `idempotency` sets the `Idempotency-Key` clock and policy (tests inject a clock); once
    /// `drain` begins, readiness answers 503.
    public init(
        configuration: TenantryConfiguration, database: any DatabaseClient, environment: TenantryEnvironment, logger: Logger,
        traffic: TrafficControl? = nil, idempotency: IdempotencyGuard.Settings = IdempotencyGuard.Settings(),
        drain: DrainState = DrainState()
    ) {
        let store = environment.database
        let useCases = UseCases(environment)
        let authentication = CallerAuthentication(
            authority: environment.authority, sessions: environment.caches.sessions, access: environment.caches.access)
        let traffic =
            traffic
            ?? TrafficControl(
                configuration: configuration, database: store,
                allowances: PlanAllowances(environment.caches.entitlements))
        let table = RouteTableBox()
        let router = Router(context: AppRequestContext.self)
        var accessLogger = logger
        accessLogger[metadataKey: "component"] = "access"
        let requestMetrics = HTTPRequestMetrics(metrics: environment.metrics)
        router.add(
            middleware: RequestLifecycleMiddleware(
                maxBodySize: configuration.maxBodySize, accessLogger: accessLogger, requestMetrics: requestMetrics
            ) { table.value }
        )
        HealthController(
            engine: database.engine.rawValue, readinessTimeout: .milliseconds(Int(configuration.readinessTimeout * 1000)),
            drain: drain
        ) { try await database.checkReadiness() }
        .register(on: router)
        OpenAPIController().register(on: router)
        MetricsEndpoint(metrics: environment.metrics, token: configuration.metricsToken).register(on: router)

        WellKnownController(authority: environment.authority, publicURL: environment.publicURL).register(on: router)
        let api = router.group("/api/v1")
        let idempotency = IdempotencyGuard(database: store, masterKey: environment.masterKey, settings: idempotency)
        // The routes anyone may call are limited per client IP, then take `Idempotency-Key`.
        let publicRoutes = api.group().add(middleware: ClientRateLimitMiddleware(traffic: traffic, metrics: environment.metrics))
            .add(middleware: idempotency.middleware)
        let auth = AuthController(
            signUp: useCases.signUp, signIn: useCases.signIn, refresh: useCases.refresh, sessions: useCases.sessions,
            recovery: useCases.recovery, multiFactor: useCases.multiFactor,
            usage: traffic.meter, metrics: environment.metrics,
            secureCookies: !configuration.resolvedPublicURL.hasPrefix("http://")
        )
        auth.registerPublicRoutes(on: publicRoutes)
        SingleSignOnController(service: useCases.singleSignOn, social: useCases.socialSignIn, auth: auth)
            .register(on: publicRoutes)
        SocialSignInController(service: useCases.socialSignIn).register(on: publicRoutes)
        EventTypesController().register(on: publicRoutes)
        let signedIn = api.group()
            .add(middleware: BearerAuthenticationMiddleware(authentication: authentication))
            .add(middleware: idempotency.middleware)
            .group(context: AuthenticatedRequestContext.self)
        auth.registerAuthenticatedRoutes(on: signedIn)
        MeController(
            profile: useCases.profile, sessions: useCases.sessions, multiFactor: useCases.multiFactor,
            erasure: useCases.erasure, personalData: useCases.personalData
        )
        .register(on: signedIn)

        // Operator routes: any signed-in user, then the platform role checked per request, and
        // only then `Idempotency-Key` (a replay, too, needs the role today).
        let platformTable = PlatformRouteTable()
        let platformRoutes = PlatformRoutes(
            group: api.group("/platform")
                .add(middleware: BearerAuthenticationMiddleware(authentication: authentication))
                .group(context: AuthenticatedRequestContext.self),
            platform: useCases.platform, prefix: "/api/v1/platform", table: platformTable, idempotency: idempotency)
        PlatformController(service: useCases.platform, erasure: useCases.erasure).register(on: platformRoutes)
        SocialConnectionsController(service: useCases.socialConnections, socialSignIn: useCases.socialSignIn)
            .register(on: platformRoutes)
        let usage = UsageReports(database: store, allowances: traffic.allowances)
        let auditLog = AuditLog(database: store)
        PlatformUsageController(reports: usage).register(on: platformRoutes)
        PlatformAuditEventsController(log: auditLog).register(on: platformRoutes)
        let dataExports = DataExportsController(exports: useCases.exports, backups: useCases.backups)
        dataExports.register(on: platformRoutes)

        // Tenant routes: the tenant and the caller's permissions come from the token or key.
        let accessTable = RouteAccessTable()
        let tenantRoutes = TenantRoutes(
            group: api.group()
                .add(
                    middleware: TenantAuthenticationMiddleware(authentication: authentication, access: environment.caches.access)
                )
                .group(context: TenantRequestContext.self)
                .add(middleware: TenantTrafficMiddleware(traffic: traffic, metrics: environment.metrics)),
            prefix: "/api/v1",
            table: accessTable,
            entitlements: environment.caches.entitlements,
            idempotency: idempotency
        )
        MembersController(service: useCases.members).register(on: tenantRoutes)
        RolesController(service: useCases.roles).register(on: tenantRoutes)
        APIKeysController(service: useCases.apiKeys).register(on: tenantRoutes)
        TeamsController(service: useCases.teams).register(on: tenantRoutes)
        WebhookEndpointsController(service: useCases.webhookEndpoints).register(on: tenantRoutes)
        WebhookMessagesController(service: useCases.webhookMessages).register(on: tenantRoutes)
        // Inbound webhooks carry no bearer and no Idempotency-Key (their message id dedupes).
        WebhookSourcesController(service: useCases.webhookSources, publicURL: configuration.resolvedPublicURL)
            .register(
                on: tenantRoutes,
                receiving: api.group().add(middleware: ClientRateLimitMiddleware(traffic: traffic, metrics: environment.metrics)))
        // Stripe's webhook, like inbound sources, carries no bearer and no Idempotency-Key.
        BillingController(service: useCases.billing)
            .register(
                on: tenantRoutes,
                receiving: api.group().add(middleware: ClientRateLimitMiddleware(traffic: traffic, metrics: environment.metrics)))
        InvitationsController(service: useCases.invitations, authentication: authentication)
            .register(on: tenantRoutes, public: publicRoutes)
        dataExports.register(on: tenantRoutes)
        TenantController(service: useCases.tenants, policy: environment.policy).register(on: tenantRoutes)
        SSOConnectionsController(service: useCases.ssoConnections, singleSignOn: useCases.singleSignOn)
            .register(on: tenantRoutes)
        DomainsController(service: useCases.domains).register(on: tenantRoutes)
        UsageController(reports: usage).register(on: tenantRoutes)
        AuditEventsController(log: auditLog).register(on: tenantRoutes)

        // The consoles (decision 0026): HTML pages on the same use cases, permissions and
        // sessions, registered last so that they can take each action's access from the API
        // route it mirrors.
        let console = ConsoleDependencies(
            view: .shared,
            sessions: ConsoleSessions(
                authentication: authentication, refresh: useCases.refresh,
                secureCookies: !configuration.resolvedPublicURL.hasPrefix("http://"),
                lifetime: Int(environment.authority.settings.policy.absoluteLifetime),
                csrfKey: environment.masterKey.derivedKey(purpose: "console-csrf")),
            useCases: useCases, entitlements: environment.caches.entitlements, accessTable: accessTable,
            usage: traffic.meter, usageReports: usage, auditLog: auditLog,
            hosts: TenantHosts(
                database: store, baseDomain: configuration.consoleBaseDomain, entitlements: environment.caches.entitlements),
            publicURL: configuration.resolvedPublicURL, maxBodySize: configuration.maxBodySize)
        ConsoleSignIn(dependencies: console)
            .register(
                on: router,
                limited: router.group().add(
                    middleware: ConsoleClientRateLimit(
                        limit: ClientRateLimitMiddleware(traffic: traffic, metrics: environment.metrics),
                        dependencies: console)))
        TenantConsole(dependencies: console)
            .register(on: ConsoleRoutes(router: router, kind: .tenant, dependencies: console, platformTable: platformTable))
        AdminConsole(dependencies: console)
            .register(on: ConsoleRoutes(router: router, kind: .admin, dependencies: console, platformTable: platformTable))
        self.router = router
        self.traffic = traffic
        self.table = table
        self.accessTable = accessTable
        self.platformTable = platformTable
        self.idempotency = idempotency
    }

    /// Every platform route with the platform role it needs.
    public let platformTable: PlatformRouteTable

    /// The `Idempotency-Key` guard every write route under `/api/v1` runs through.
    public let idempotency: IdempotencyGuard

    /// Every tenant route with the permission it declares.
    public let accessTable: RouteAccessTable

    /// Whether `path` is one of the consoles' HTML pages (`/console…`, `/admin…`, and the
    /// invitation link `/accept-invitation`), which the OpenAPI document leaves out.
    public static func isConsolePage(_ path: String) -> Bool {
        ["/console", "/admin", "/accept-invitation"].contains { path == $0 || path.hasPrefix($0 + "/") }
    }

    /// The registered routes as `(path, method)`, with `{name}` for parameters.
    public var routes: [(path: String, method: HTTPRequest.Method)] {
        router.routes.map { (path: $0.path.description, method: $0.method) }
    }

    public func buildResponder() -> RouterResponder<AppRequestContext> {
        table.value = RouteTable(routes: routes)
        return router.buildResponder()
    }
}

final class RouteTableBox: Sendable {
    private let storage = Mutex(RouteTable(routes: []))

    var value: RouteTable {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// Builds the HTTP application for a configuration and an opened database: what `tenantry
/// serve` runs and what the tests drive.
public func buildApplication(
    configuration: TenantryConfiguration,
    database: any DatabaseClient,
    environment: TenantryEnvironment,
    logger: Logger
) -> some ApplicationProtocol {
    let router = APIRouter(configuration: configuration, database: database, environment: environment, logger: logger)
    return buildApplication(
        router: router, configuration: configuration, database: database, environment: environment, logger: logger)
}

/// Builds the HTTP application around an already assembled router (tests add routes to it).
/// `startupGate` opens once the start-up checks have passed and the server listens.
public func buildApplication(
    router: APIRouter,
    configuration: TenantryConfiguration,
    database: any DatabaseClient,
    environment: TenantryEnvironment,
    logger: Logger,
    startupGate: StartupGate? = nil
) -> some ApplicationProtocol {
    let description = database.location.description
    // Hummingbird's own start-up line would repeat ours; it logs below notice.
    var frameworkLogger = logger
    frameworkLogger.logLevel = max(logger.logLevel, .notice)
    var application = Application(
        router: router,
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            serverName: nil
        ),
        onServerRunning: { channel in
            startupGate?.open()
            let port = channel.localAddress?.port ?? configuration.port
            logger.info(
                "tenantry listening on http://\(configuration.host):\(port) with database \(description)",
                metadata: ["host": "\(configuration.host)", "port": "\(port)", "database": "\(description)"]
            )
        },
        logger: frameworkLogger
    )
    application.beforeServerStarts {
        try await DatabaseBootstrap.verify(database)
        try await environment.prepare()
    }
    return application
}
