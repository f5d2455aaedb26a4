import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
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
func withTestApplication<Value: Sendable>(
    _ engine: TestDatabase,
    configure: (inout TenantryConfiguration) -> Void = { _ in },
    logger: Logger = TestLogging.logger,
    _ test: @Sendable (any TestClientProtocol, TestDatabaseContext) async throws -> Value
) async throws -> Value {
    try await withTestDatabase(engine) { context in
        var configuration = context.configuration
        configure(&configuration)
        let router = APIRouter(configuration: configuration, database: context.database, logger: logger)
        router.router.post("/test/echo") { request, requestContext -> EchoBody in
            try await request.decodeJSON(as: EchoBody.self, context: requestContext)
        }
        let application = buildApplication(
            router: router,
            configuration: configuration,
            database: context.database,
            logger: logger
        )
        return try await application.test(.router) { client in
            try await test(client, context)
        }
    }
}

extension TestResponse {
    /// The body decoded as a problem document.
    func problem() throws -> ProblemDetails {
        try JSONDecoder().decode(ProblemDetails.self, from: Data(buffer: body))
    }
}
