import Foundation
import SQLKit
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("every migration is recorded once with its checksum", arguments: TestDatabase.all)
    func recorded(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let applied = try await context.database.appliedMigrations()
            let expected = Schema.migrations(for: context.database.engine)
            #expect(applied.map(\.version) == expected.map(\.version))
            #expect(applied.map(\.checksum) == expected.map(\.checksum))
            try await DatabaseBootstrap.verify(context.database)
        }
    }

    @Test("running migrations again applies nothing", arguments: TestDatabase.all)
    func idempotent(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let report = try await migrate(context, dryRun: false)
            #expect(report.applied.isEmpty)
            #expect(report.alreadyApplied.count == Schema.migrations(for: context.database.engine).count)
        }
    }

    @Test("a changed migration stops verification with migration_checksum_mismatch", arguments: TestDatabase.all)
    func changedChecksum(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            try await tamper(context, "UPDATE tenantry_migrations SET checksum = 'edited' WHERE version = 1")
            let error = await #expect(throws: TenantryError.self) { try await DatabaseBootstrap.verify(context.database) }
            #expect(error?.code == .migrationChecksumMismatch)
            let migrateError = await #expect(throws: TenantryError.self) { try await migrate(context, dryRun: false) }
            #expect(migrateError?.code == .migrationChecksumMismatch)
        }
    }

    @Test("a migration unknown to this binary stops verification", arguments: TestDatabase.all)
    func unknownMigration(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            try await tamper(
                context,
                "INSERT INTO tenantry_migrations (version, name, checksum, applied_at) VALUES (9999, 'from_the_future', 'x', \(bind: Date()))"
            )
            let error = await #expect(throws: TenantryError.self) { try await DatabaseBootstrap.verify(context.database) }
            #expect(error?.code == .unknownMigration)
        }
    }

    @Test("a missing migration record is reported as pending and a dry run applies nothing", arguments: TestDatabase.all)
    func pending(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            // Forget that the migrations ran: verification must call them pending, and a dry run
            // must list them without touching the (already present) tables.
            try await tamper(context, "DELETE FROM tenantry_migrations")
            let error = await #expect(throws: TenantryError.self) { try await DatabaseBootstrap.verify(context.database) }
            #expect(error?.code == .migrationsPending)
            let report = try await migrate(context, dryRun: true)
            #expect(report.applied.map(\.version) == Schema.migrations(for: context.database.engine).map(\.version))
            #expect(try await context.database.appliedMigrations().isEmpty)
        }
    }

    @Test("the migration checksum is stable and changes with any statement")
    func checksum() {
        let migration = Migration(version: 1, name: "x", statements: ["CREATE TABLE a (b int)"])
        #expect(migration.checksum == Migration(version: 1, name: "x", statements: ["CREATE TABLE a (b int)"]).checksum)
        #expect(migration.checksum != Migration(version: 1, name: "x", statements: ["CREATE TABLE a (c int)"]).checksum)
        #expect(migration.checksum.count == 64)
    }

    @Test(
        "the tenant list's name order has its index, and on PostgreSQL the search has trigram indexes",
        arguments: TestDatabase.all)
    func tenantSearchIndexes(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let query: SQLQueryString
            switch context.kind {
            case .postgres: query = "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'tenants'"
            case .sqlite: query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tenants'"
            }
            let names = try await context.database.withPlatform { scope in
                try await scope.sql.raw(query).all().map { try $0.decode(column: "name", as: String.self) }
            }
            #expect(names.contains("tenants_name_order"), "\(names)")
            // CI's PostgreSQL (Debian's) ships pg_trgm; a server without it migrates without them.
            let trigrams = ["tenants_name_trigram", "tenants_slug_trigram"]
            #expect(trigrams.allSatisfy(names.contains) == (context.kind == .postgres), "\(names)")
        }
    }

    @Test("both engines have the same migration versions and names")
    func dialectsAgree() {
        let postgres = Schema.migrations(for: .postgres)
        let sqlite = Schema.migrations(for: .sqlite)
        #expect(postgres.map(\.version) == sqlite.map(\.version))
        #expect(postgres.map(\.name) == sqlite.map(\.name))
        // Versions only grow; gaps are allowed (branches reserve their numbers).
        #expect(postgres.first?.version == 1)
        #expect(zip(postgres, postgres.dropFirst()).allSatisfy { $0.version < $1.version })
    }

    /// Changes the migration record behind the server's back (as the owner on PostgreSQL,
    /// where the runtime role may only read it).
    private func tamper(_ context: TestDatabaseContext, _ query: SQLQueryString) async throws {
        switch context.kind {
        case .postgres:
            try await context.asOwner(query)
        case .sqlite:
            try await context.database.withPlatform { scope in try await scope.sql.raw(query).run() }
        }
    }

    private func migrate(_ context: TestDatabaseContext, dryRun: Bool) async throws -> MigrationReport {
        switch context.kind {
        case .postgres:
            return try await MigrationCommand.run(
                configuration: context.configuration, dryRun: dryRun, logger: TestLogging.logger)
        case .sqlite:
            let client = try #require(context.database as? SQLiteDatabaseClient)
            return try await client.migrate(dryRun: dryRun)
        }
    }
}
