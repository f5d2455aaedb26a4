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

@Suite("Revocation across nodes (PostgreSQL)")
struct RevocationAcrossNodesTests {
    @Test("a logout on one node rejects the session's access token on another node at once", arguments: TestDatabase.postgresOnly)
    func revocationReachesOtherNode(engine: TestDatabase) async throws {
        try await withTwoNodes(engine) { clientA, clientB, _ in
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
