import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryTestSupport
import Testing

@Suite("Demo seed")
struct DemoSeedTests {
    @Test(
        "the demo tenant's people sign in with the printed passwords, and its key reads the members", arguments: TestDatabase.all)
    func seeded(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let result = try await DemoSeed.run(
                database: context.identity.database, hashing: context.identity.hashing, slug: "demo")
            #expect(result.accounts.map(\.role) == [.owner, .admin, .member, .viewer])
            for account in result.accounts {
                let login = try await client.login(email: account.email.rawValue, password: account.password, tenantSlug: "demo")
                #expect(login.status == .ok, "\(account.role)")
                #expect(login.body["role"] as? String == account.role.rawValue)
            }
            let members = try await client.json(.get, "/api/v1/members", headers: [.authorization: "Bearer \(result.apiKey)"])
            #expect(members.status == .ok)
            #expect((members.body["items"] as? [Any])?.count == 4)
            let again = await #expect(throws: TenantryError.self) {
                try await DemoSeed.run(database: context.identity.database, hashing: context.identity.hashing, slug: "demo")
            }
            #expect(again?.code == .conflict)
        }
    }

    @Test("tenantry seed demo prints the accounts and the key once, and refuses a second run")
    func command() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = [
            "TENANTRY_DATABASE_URL": "sqlite:" + directory.appendingPathComponent("t.db").path, "TENANTRY_LOG_LEVEL": "warning",
            "TENANTRY_PASSWORD_HASH_ITERATIONS": "1000",
        ]
        let migrate = try ServerProcess(arguments: ["migrate"], environment: environment)
        #expect(try await migrate.waitForExit(timeout: .seconds(60)) == 0)
        let seed = try ServerProcess(arguments: ["seed", "demo"], environment: environment)
        #expect(try await seed.waitForExit(timeout: .seconds(60)) == 0, "\(seed.lines)")
        #expect(seed.lines.contains { $0.contains("owner@demo.example.com") && $0.contains("password: demo-") })
        #expect(seed.lines.contains { $0.contains("API key") && $0.contains("tnty_") })
        let second = try ServerProcess(arguments: ["seed", "demo"], environment: environment)
        let status = try await second.waitForExit(timeout: .seconds(60))
        #expect(status != nil && status != 0, "\(second.lines)")
        #expect(second.lines.contains { $0.contains("conflict") })
    }
}
