import Foundation
import SQLKit
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Runtime role provisioning (PostgreSQL)")
struct RuntimeRoleProvisioningTests {
    @Test("migrate creates a missing runtime role that can serve but cannot bypass RLS", arguments: TestDatabase.postgresOnly)
    func createsMissingRole(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let server = try #require(context.postgresServer)
            let name = try #require(context.postgresDatabaseName)
            let role = "tenantry_app_" + UUID().uuidString.prefix(8).lowercased()
            let password = UUID().uuidString
            var runtimeURL = PostgresTestServer.url(server.runtimeURL, database: name)
            runtimeURL = runtimeURL.replacingOccurrences(
                of: #"postgres://[^@]*@"#,
                with: "postgres://\(role):\(password)@",
                options: .regularExpression
            )
            var configuration = context.configuration
            configuration.databaseURL = runtimeURL
            let existedBefore = try await context.asSuperuser("SELECT 1 AS present FROM pg_roles WHERE rolname = \(bind: role)")
            #expect(existedBefore.isEmpty)
            _ = try await MigrationCommand.run(configuration: configuration, dryRun: false, logger: TestLogging.logger)

            let attributes = try #require(
                try await context.asSuperuser(
                    "SELECT rolcanlogin AS login, rolsuper AS superuser, rolbypassrls AS bypass, rolcreaterole AS createrole FROM pg_roles WHERE rolname = \(bind: role)"
                ).first
            )
            #expect(try attributes.decode(column: "login", as: Bool.self))
            #expect(try !attributes.decode(column: "superuser", as: Bool.self))
            #expect(try !attributes.decode(column: "bypass", as: Bool.self))
            #expect(try !attributes.decode(column: "createrole", as: Bool.self))

            guard case .postgres(let endpoint) = try DatabaseLocation(url: runtimeURL) else {
                Issue.record("expected a PostgreSQL URL")
                return
            }
            let client = PostgresDatabaseClient(endpoint: endpoint, poolSize: 2, logger: TestLogging.logger)
            let running = Task { await client.run() }
            try await Task.sleep(for: .milliseconds(20))
            try await DatabaseBootstrap.verify(client)
            let tenant = try await Fixtures.seedTenant(client)
            let members = try await client.withTenant(tenant.id) { try await $0.memberships.list(PageRequest()).items }
            #expect(members.count == 2)
            running.cancel()
            await running.value

            try await context.asSuperuser("DROP OWNED BY \(ident: role)")
            try await context.onServerAsSuperuser("DROP ROLE \(ident: role)")
        }
    }

    @Test("migrate refuses the same role as owner and runtime", arguments: TestDatabase.postgresOnly)
    func refusesSameRole(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            var configuration = context.configuration
            configuration.databaseURL = try #require(configuration.databaseOwnerURL)
            let error = await #expect(throws: TenantryError.self) {
                try await MigrationCommand.run(configuration: configuration, dryRun: false, logger: TestLogging.logger)
            }
            #expect(error?.code == .unsafeDatabaseRole)
        }
    }

    @Test("migrate without an owner URL on PostgreSQL names the missing setting", arguments: TestDatabase.postgresOnly)
    func needsOwnerURL(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            var configuration = context.configuration
            configuration.databaseOwnerURL = nil
            let error = await #expect(throws: TenantryError.self) {
                try await MigrationCommand.run(configuration: configuration, dryRun: false, logger: TestLogging.logger)
            }
            #expect(error?.fieldErrors.first?.field == "TENANTRY_DATABASE_OWNER_URL")
        }
    }
}
