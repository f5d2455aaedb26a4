import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceLifecycle
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Revocation across nodes (PostgreSQL)")
struct RevocationAcrossNodesTests {
    @Test("a logout on one node rejects the session's access token on another node at once", arguments: TestDatabase.postgresOnly)
    func revocationReachesOtherNode(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            func node() throws -> (IdentityRuntime, some ApplicationProtocol) {
                let identity = try IdentityRuntime.make(
                    configuration: context.configuration, database: context.database, logger: TestLogging.logger)
                let application = buildApplication(
                    configuration: context.configuration, database: context.database, identity: identity,
                    logger: TestLogging.logger
                )
                return (identity, application)
            }
            let (_, nodeA) = try node()
            let (identityB, nodeB) = try node()
            // Node B listens for revocations, as `serve` does.
            let listening = Task { try await identityB.maintenance(reloadInterval: .seconds(3600)).run() }
            defer { listening.cancel() }
            try await Task.sleep(for: .milliseconds(300))

            try await nodeA.test(.router) { clientA in
                try await nodeB.test(.router) { clientB in
                    let owner = try await clientA.register()
                    // Node B has seen the session active (and cached that).
                    #expect(try await clientB.meStatus(owner.accessToken) == .ok)
                    #expect(try await clientA.json(.post, "/api/v1/auth/logout", token: owner.accessToken).status == .noContent)
                    var status = HTTPResponse.Status.ok
                    let deadline = ContinuousClock.now + .seconds(3)
                    while status == .ok, ContinuousClock.now < deadline {
                        status = try await clientB.meStatus(owner.accessToken)
                        if status == .ok { try await Task.sleep(for: .milliseconds(50)) }
                    }
                    // Well before the 30-second cache lifetime: the notice arrived.
                    #expect(status == .unauthorized)
                }
            }
        }
    }
}
