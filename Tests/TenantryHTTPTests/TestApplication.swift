import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport

/// A body shape for the test-only echo route, to exercise the one JSON body reader.
struct EchoBody: ResponseCodable, Sendable {
    var name: String
    var count: Int
    var nested: Nested?

    struct Nested: Codable, Sendable {
        var displayName: String
    }
}

/// Builds the real application on a test database, plus `POST /test/echo`, a test-only route
/// that reads its body with `decodeJSON`, so body handling is tested on the real middleware.
/// `testing` `.live` serves it on a loopback port (`client.port`) for clients of its own.
func withTestApplication<Value: Sendable>(
    _ engine: TestDatabase,
    testing: TestingSetup = .router,
    configure: (inout TenantryConfiguration) -> Void = { _ in },
    limits: AttemptLimits = AttemptLimits(),
    allowances: (any TenantAllowances)? = nil,
    limiter: (any RateLimiter)? = nil,
    idempotency: IdempotencyGuard.Settings = IdempotencyGuard.Settings(),
    routes: (APIRouter) -> Void = { _ in },
    logger: Logger = TestLogging.logger,
    _ test: @Sendable (any TestClientProtocol, TestApplicationContext) async throws -> Value
) async throws -> Value {
    try await withTestDatabase(engine) { context in
        var configuration = context.configuration
        configure(&configuration)
        let identity = try TenantryEnvironment.make(
            configuration: configuration, database: context.database, limits: limits, logger: logger)
        let traffic = TrafficControl(
            configuration: configuration, database: SQLDataStore(context.database),
            allowances: allowances ?? PlanAllowances(identity.caches.entitlements), limiter: limiter)
        let router = APIRouter(
            configuration: configuration, database: context.database, environment: identity, logger: logger, traffic: traffic,
            idempotency: idempotency)
        router.router.post("/test/echo") { request, requestContext -> EchoBody in
            try await request.decodeJSON(as: EchoBody.self, context: requestContext)
        }
        routes(router)
        let application = buildApplication(
            router: router,
            configuration: configuration,
            database: context.database,
            environment: identity,
            logger: logger
        )
        let applicationContext = TestApplicationContext(
            database: context, identity: identity, configuration: configuration, traffic: traffic)
        return try await application.test(testing) { client in
            try await test(client, applicationContext)
        }
    }
}

/// What a test gets besides the client: the database and the identity runtime.
struct TestApplicationContext: Sendable {
    let database: TestDatabaseContext
    let identity: TenantryEnvironment
    let configuration: TenantryConfiguration
    /// Rate limits and the usage meter (tests flush it explicitly).
    let traffic: TrafficControl

    var kind: TestDatabase { database.kind }
    var postgresDatabaseName: String? { database.postgresDatabaseName }

    func onServerAsSuperuser(_ query: SQLQueryString) async throws {
        try await database.onServerAsSuperuser(query)
    }
}

/// A router for tests that only inspect routes.
func makeTestRouter(_ context: TestDatabaseContext, logger: Logger = TestLogging.logger) throws -> APIRouter {
    let identity = try TenantryEnvironment.make(configuration: context.configuration, database: context.database, logger: logger)
    return APIRouter(configuration: context.configuration, database: context.database, environment: identity, logger: logger)
}

extension TestResponse {
    /// The body decoded as a problem document.
    func problem() throws -> ProblemDetails {
        try JSONDecoder().decode(ProblemDetails.self, from: Data(buffer: body))
    }
}

/// Two application nodes on one PostgreSQL database, like two replicas behind a load balancer.
/// Node B runs the `identity` maintenance service (which listens for notices from other
/// nodes), as `serve` does; the test gets a client for each node and the database.
func withTwoNodes(
    _ engine: TestDatabase,
    _ test:
        @Sendable (
            _ clientA: any TestClientProtocol, _ clientB: any TestClientProtocol, _ context: TestDatabaseContext
        ) async throws -> Void
) async throws {
    try await withTestDatabase(engine) { context in
        func node() throws -> (TenantryEnvironment, some ApplicationProtocol) {
            let identity = try TenantryEnvironment.make(
                configuration: context.configuration, database: context.database, logger: TestLogging.logger)
            let application = buildApplication(
                configuration: context.configuration, database: context.database, environment: identity,
                logger: TestLogging.logger
            )
            return (identity, application)
        }
        let (_, nodeA) = try node()
        let (identityB, nodeB) = try node()
        let listening = Task {
            try await identityB.maintenance(notices: context.database as? PostgresDatabaseClient, reloadInterval: .seconds(3600))
                .run()
        }
        defer { listening.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        try await nodeA.test(.router) { clientA in
            try await nodeB.test(.router) { clientB in
                try await test(clientA, clientB, context)
            }
        }
    }
}
