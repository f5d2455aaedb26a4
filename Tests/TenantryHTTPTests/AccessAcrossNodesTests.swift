import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceLifecycle
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Access changes across nodes (PostgreSQL)")
struct AccessAcrossNodesTests {
    /// Polls `request` on the other node until it stops answering 200 (at most 3 seconds, far
    /// below the 30-second cache lifetime, so only the notice can explain a change).
    static func statusAfterChange(_ request: () async throws -> HTTPResponse.Status) async throws -> HTTPResponse.Status {
        var status = HTTPResponse.Status.ok
        let deadline = ContinuousClock.now + .seconds(3)
        while status == .ok, ContinuousClock.now < deadline {
            status = try await request()
            if status == .ok { try await Task.sleep(for: .milliseconds(50)) }
        }
        return status
    }

    @Test("a key revoked and a member removed on one node are refused on another at once", arguments: TestDatabase.postgresOnly)
    func changesReachOtherNode(engine: TestDatabase) async throws {
        try await withTwoNodes(engine) { clientA, clientB, context in
            // Reading the outbox needs only the database.
            let identity = try TenantryEnvironment.make(
                configuration: context.configuration, database: context.database, logger: TestLogging.logger)
            let applicationContext = TestApplicationContext(
                database: context,
                identity: identity,
                configuration: context.configuration,
                traffic: TrafficControl(
                    configuration: context.configuration, database: SQLDataStore(context.database),
                    allowances: PlanAllowances(identity.caches.entitlements)))
            let owner = try await clientA.register()
            let key = try await clientA.createKey(token: owner.accessToken, scopes: ["members:read"])
            let member = try await clientA.addSignedInMember(
                applicationContext, adminToken: owner.accessToken, tenantSlug: owner.tenantSlug, role: "viewer")
            // Node B has cached both as allowed.
            #expect(try await clientB.json(.get, "/api/v1/members", token: key.secret).status == .ok)
            #expect(try await clientB.json(.get, "/api/v1/members", token: member.token).status == .ok)

            #expect(
                try await clientA.json(.delete, "/api/v1/api-keys/\(key.id)", token: owner.accessToken).status
                    == .noContent)
            #expect(
                try await Self.statusAfterChange {
                    try await clientB.json(.get, "/api/v1/members", token: key.secret).status
                }
                    == .unauthorized)

            #expect(
                try await clientA.json(.delete, "/api/v1/members/\(member.userID)", token: owner.accessToken).status
                    == .noContent)
            #expect(
                try await Self.statusAfterChange {
                    try await clientB.json(.get, "/api/v1/members", token: member.token).status
                }
                    == .unauthorized)
        }
    }
}
