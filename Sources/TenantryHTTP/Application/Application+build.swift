public import Hummingbird
public import Logging
import Synchronization
public import TenantryCore
public import TenantryStorage

/// The router of the API with everything around it: routes register on ``router``; building
/// the responder freezes the route table that tells 404 from 405.
public final class APIRouter: HTTPResponderBuilder {
    /// The Hummingbird router every controller registers on.
    public let router: Router<AppRequestContext>
    private let table: RouteTableBox

    /// Creates the router with the request lifecycle middleware and every controller.
    public init(configuration: TenantryConfiguration, database: any DatabaseClient, identity: IdentityRuntime, logger: Logger) {
        let table = RouteTableBox()
        let router = Router(context: AppRequestContext.self)
        var accessLogger = logger
        accessLogger[metadataKey: "component"] = "access"
        router.add(
            middleware: RequestLifecycleMiddleware(maxBodySize: configuration.maxBodySize, accessLogger: accessLogger) {
                table.value
            }
        )
        HealthController(database: database, readinessTimeout: .milliseconds(Int(configuration.readinessTimeout * 1000)))
            .register(on: router)
        OpenAPIController().register(on: router)

        let service = IdentityService(runtime: identity)
        WellKnownController(runtime: identity).register(on: router)
        let api = router.group("/api/v1")
        let auth = AuthController(
            service: service,
            runtime: identity,
            secureCookies: !configuration.resolvedPublicURL.hasPrefix("http://")
        )
        auth.registerPublicRoutes(on: api)
        let signedIn = api.group()
            .add(middleware: BearerAuthenticationMiddleware(runtime: identity))
            .group(context: AuthenticatedRequestContext.self)
        auth.registerAuthenticatedRoutes(on: signedIn)
        MeController(service: service).register(on: signedIn)

        // Tenant routes: the tenant and the caller's permissions come from the token or key.
        let accessTable = RouteAccessTable()
        let tenantRoutes = TenantRoutes(
            group: api.group()
                .add(middleware: TenantAuthenticationMiddleware(runtime: identity))
                .group(context: TenantRequestContext.self),
            prefix: "/api/v1",
            table: accessTable
        )
        MembersController(service: MemberService(runtime: identity)).register(on: tenantRoutes)
        RolesController(service: RoleService(runtime: identity)).register(on: tenantRoutes)
        APIKeysController(service: APIKeyService(runtime: identity)).register(on: tenantRoutes)
        TeamsController(service: TeamService(runtime: identity)).register(on: tenantRoutes)
        InvitationsController(service: InvitationService(runtime: identity)).register(on: tenantRoutes, public: api)
        AuditEventsController(database: database).register(on: tenantRoutes)
        self.router = router
        self.table = table
        self.accessTable = accessTable
    }

    /// Every tenant route with the permission it declares.
    public let accessTable: RouteAccessTable

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
    identity: IdentityRuntime,
    logger: Logger
) -> some ApplicationProtocol {
    let router = APIRouter(configuration: configuration, database: database, identity: identity, logger: logger)
    return buildApplication(router: router, configuration: configuration, database: database, identity: identity, logger: logger)
}

/// Builds the HTTP application around an already assembled router (tests add routes to it).
/// `startupGate` opens once the start-up checks have passed and the server listens.
public func buildApplication(
    router: APIRouter,
    configuration: TenantryConfiguration,
    database: any DatabaseClient,
    identity: IdentityRuntime,
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
        try await identity.prepare()
    }
    return application
}
