import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryTestSupport
import Testing

@Suite("Readiness")
struct ReadinessTests {
    @Test(
        "readiness answers 503 while PostgreSQL refuses connections and 200 once it accepts them again",
        arguments: TestDatabase.postgresOnly)
    func recovers(engine: TestDatabase) async throws {
        try await withTestApplication(engine, configure: { $0.readinessTimeout = 1 }) { client, context in
            let name = try #require(context.postgresDatabaseName)
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
            }

            // Take the database away: refuse new connections and end the pooled ones.
            try await context.onServerAsSuperuser("ALTER DATABASE \(ident: name) ALLOW_CONNECTIONS false")
            try await context.onServerAsSuperuser(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(bind: name) AND pid <> pg_backend_pid()"
            )
            try await client.execute(uri: "/health/ready", method: .get, headers: [.xRequestID: "ready-down"]) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
                let problem = try response.problem()
                #expect(problem.code == "service_unavailable")
                #expect(problem.requestID == "ready-down")
            }
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }

            // Bring it back: readiness recovers without a restart.
            try await context.onServerAsSuperuser("ALTER DATABASE \(ident: name) ALLOW_CONNECTIONS true")
            var recovered = false
            for _ in 0..<40 where !recovered {
                let status = try await client.execute(uri: "/health/ready", method: .get) { $0.status }
                recovered = status == .ok
                if !recovered { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(recovered)
        }
    }
}
