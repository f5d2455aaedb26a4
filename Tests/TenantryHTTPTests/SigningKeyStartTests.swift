import Foundation
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Signing keys at first start")
struct SigningKeyStartTests {
    @Test("nodes starting together on an empty database create one first signing key between them", arguments: TestDatabase.all)
    func oneFirstKey(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let masterKey = try MasterKey(currentBase64: MasterKey.generateBase64())
            let settings = TokenSettings(issuer: "http://127.0.0.1", audience: "tenantry")
            #expect(try await context.database.withGlobal { try await $0.signingKeys.all() }.isEmpty)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        // Each node has its own client view of the same database.
                        let manager = SigningKeyManager(
                            database: SQLDataStore(context.database), masterKey: masterKey, settings: settings)
                        try await manager.ensureActiveKey()
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await context.database.withGlobal { try await $0.signingKeys.all() }.count == 1)
        }
    }
}
