import Foundation
import SQLKit
import Synchronization
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// A database the `tenantry` binary can open too (shared by the command tests): a SQLite file (closed between steps, as two
/// processes share it) or this test's PostgreSQL database.
struct CommandDatabase: Sendable {
    let environment: [String: String]
    /// Runs `body` on an open client.
    let use: @Sendable (@Sendable (any DatabaseClient) async throws -> Void) async throws -> Void
    /// Runs SQL behind the server's back.
    let tamper: @Sendable (SQLQueryString) async throws -> Void
}

func withCommandDatabase(_ engine: TestDatabase, _ body: (CommandDatabase) async throws -> Void) async throws {
    switch engine {
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("t.db").path
        let use: @Sendable (@Sendable (any DatabaseClient) async throws -> Void) async throws -> Void = { work in
            let client = try await SQLiteDatabaseClient.open(.file(path: path), logger: TestLogging.logger)
            do {
                _ = try await client.migrate()
                try await work(client)
                try await client.close()
            } catch {
                try? await client.close()
                throw error
            }
        }
        try await body(
            CommandDatabase(
                environment: ["TENANTRY_DATABASE_URL": "sqlite:" + path, "TENANTRY_LOG_LEVEL": "warning"],
                use: use,
                tamper: { query in try await use { client in try await client.withGlobal { try await $0.sql.raw(query).run() } } }
            ))
    case .postgres:
        try await withTestDatabase(.postgres) { context in
            try await body(
                CommandDatabase(
                    environment: [
                        "TENANTRY_DATABASE_URL": context.configuration.databaseURL,
                        "TENANTRY_MASTER_KEY": context.configuration.masterKey ?? "",
                        "TENANTRY_LOG_LEVEL": "warning",
                    ],
                    use: { work in try await work(context.database) },
                    tamper: { query in try await context.asSuperuser(query) }
                ))
        }
    }
}

@Suite("Audit verify command")
struct AuditVerifyCommandTests {
    @Test(
        "`tenantry audit verify` passes intact chains and names the link altered behind the server's back, exiting 1",
        arguments: TestDatabase.all)
    func verifyCommand(engine: TestDatabase) async throws {
        try await withCommandDatabase(engine) { database in
            let tenantA = try Fixtures.tenant(name: "A")
            let tenantB = try Fixtures.tenant(name: "B")
            let eventsA = Mutex<[AuditEvent]>([])
            try await database.use { client in
                for tenant in [tenantA, tenantB] {
                    try await client.withTenant(tenant.id) { scope in
                        try await scope.tenants.create(tenant)
                        for _ in 0..<3 {
                            let event = Fixtures.auditEvent(in: tenant.id)
                            try await scope.auditEvents.append(event)
                            if tenant.id == tenantA.id { eventsA.withLock { $0.append(event) } }
                        }
                    }
                }
            }

            let intact = try ServerProcess(arguments: ["audit", "verify"], environment: database.environment)
            #expect(try await intact.waitForExit(timeout: .seconds(60)) == 0, "\(intact.lines)")
            #expect(intact.lines.contains("audit chains intact: 2 tenant(s), 6 event(s)"), "\(intact.lines)")

            try await database.tamper(
                "UPDATE audit_events SET changes = '{}' WHERE tenant_id = \(bind: tenantA.id.rawValue) AND sequence = 2")
            let broken = try ServerProcess(arguments: ["audit", "verify"], environment: database.environment)
            #expect(try await broken.waitForExit(timeout: .seconds(60)) == 1, "\(broken.lines)")
            let altered = eventsA.withLock { $0[1] }
            let line = broken.lines.first { $0.hasPrefix("BROKEN ") }
            #expect(
                line?.hasPrefix("BROKEN tenant \(tenantA.id) sequence 2 event \(altered.id): stored hash") == true,
                "\(broken.lines)")
            #expect(broken.lines.contains { $0.hasPrefix("ok tenant \(tenantB.id): 3 event(s) verified") }, "\(broken.lines)")

            // --tenant checks one tenant only.
            let one = try ServerProcess(
                arguments: ["audit", "verify", "--tenant", tenantB.id.description], environment: database.environment)
            #expect(try await one.waitForExit(timeout: .seconds(60)) == 0, "\(one.lines)")
            #expect(one.lines.contains("audit chains intact: 1 tenant(s), 3 event(s)"), "\(one.lines)")
            let bad = try ServerProcess(arguments: ["audit", "verify", "--tenant", "nope"], environment: database.environment)
            #expect(try await bad.waitForExit(timeout: .seconds(60)) == 64)
        }
    }
}
