import Foundation
import PostgresNIO
import SQLKit
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// Proves, table by table, that PostgreSQL itself keeps tenants apart for the runtime role.
/// The tables are discovered from the catalogue: any table with a `tenant_id` column is
/// tenant-scoped, so a future table is covered without editing this file.
@Suite("Row-level security (PostgreSQL)")
struct RowLevelSecurityTests {
    /// Tables without `tenant_id` that are global on purpose. A new table must either carry
    /// `tenant_id` or be added here, knowingly.
    static let globalTables: Set<String> = [
        "tenantry_migrations", "tenants", "users", "sessions", "refresh_tokens", "signing_keys", "user_tokens", "jobs",
        "platform_audit_events", "platform_operators", "plans", "idempotency_records",
        // A person's second factor serves every tenant; challenges and SSO flows are found by
        // token hash before any tenant is known (they name theirs in `context_tenant_id`).
        "user_mfa", "recovery_codes", "mfa_challenges", "sso_flows", "sso_grants", "saml_assertions_used",
        // Which tenant verified a domain is found by the domain, before any tenant is known.
        "verified_domains",
        // The platform's social connections serve every tenant; their flows and codes are found
        // by hash before any tenant (or account) is known.
        "social_connections", "social_flows", "social_grants",
        // The rate limiter's shared state: a key names its tenant, API key or client address.
        "rate_limit_buckets",
    ]

    static func tenantScopedTables(_ context: TestDatabaseContext) async throws -> [String] {
        try await context.asOwner(
            """
            SELECT c.relname AS name FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            ORDER BY c.relname
            """
        ).map { try $0.decode(column: "name", as: String.self) }
    }

    @Test("every table is either tenant-scoped or a declared global table", arguments: TestDatabase.postgresOnly)
    func everyTableClassified(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let all = try await context.asOwner(
                "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).map { try $0.decode(column: "name", as: String.self) }
            let scoped = Set(try await Self.tenantScopedTables(context))
            #expect(!scoped.isEmpty)
            for table in all {
                #expect(
                    scoped.contains(table) || Self.globalTables.contains(table),
                    "table \(table) has no tenant_id and is not declared global")
            }
        }
    }

    @Test(
        "RLS is enabled and forced with USING and WITH CHECK on every tenant-scoped table", arguments: TestDatabase.postgresOnly)
    func policiesDeclared(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            for table in try await Self.tenantScopedTables(context) {
                let flags = try #require(
                    try await context.asOwner(
                        "SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE relname = \(bind: table) AND relkind IN ('r', 'p')"
                    ).first
                )
                #expect(try flags.decode(column: "enabled", as: Bool.self), "RLS not enabled on \(table)")
                #expect(try flags.decode(column: "forced", as: Bool.self), "RLS not forced on \(table)")
                let policies = try await context.asOwner(
                    """
                    SELECT polname AS name, polqual IS NOT NULL AS has_using, polwithcheck IS NOT NULL AS has_check,
                        polpermissive AS permissive, polcmd AS command
                    FROM pg_policy WHERE polrelid = \(bind: table)::regclass
                    """
                )
                #expect(!policies.isEmpty, "no policy on \(table)")
                for policy in policies {
                    let name = try policy.decode(column: "name", as: String.self)
                    #expect(try policy.decode(column: "has_using", as: Bool.self), "\(table).\(name) lacks USING")
                    #expect(try policy.decode(column: "has_check", as: Bool.self), "\(table).\(name) lacks WITH CHECK")
                }
            }
        }
    }

    @Test(
        "an unfiltered SELECT in tenant A's scope returns only A's rows, on every tenant-scoped table",
        arguments: TestDatabase.postgresOnly)
    func unfilteredSelectSeesOnlyOwnTenant(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await Fixtures.seedTenant(context.database, name: "A")
            let tenantB = try await Fixtures.seedTenant(context.database, name: "B")
            for table in try await Self.tenantScopedTables(context) {
                let total = try await context.asSuperuser(
                    "SELECT count(*) FILTER (WHERE tenant_id = \(bind: tenantA.id.rawValue)) AS a, count(*) FILTER (WHERE tenant_id = \(bind: tenantB.id.rawValue)) AS b FROM \(ident: table)"
                )
                let seededA = try total[0].decode(column: "a", as: Int.self)
                let seededB = try total[0].decode(column: "b", as: Int.self)
                #expect(seededA > 0 && seededB > 0, "seed rows for \(table) in Fixtures.seedTenant")

                let seen = try await context.database.withTenant(tenantA.id) { scope in
                    try await scope.sql.raw("SELECT tenant_id FROM \(ident: table)").all()
                        .map { try $0.decode(column: "tenant_id", as: UUID.self) }
                }
                #expect(seen.count == seededA, "\(table): expected \(seededA) rows of A")
                #expect(seen.allSatisfy { $0 == tenantA.id.rawValue }, "\(table) leaked another tenant's rows")
            }
        }
    }

    @Test("with no tenant set the runtime role sees no tenant-scoped rows", arguments: TestDatabase.postgresOnly)
    func noTenantNoRows(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            try await Fixtures.seedTenant(context.database, name: "A")
            let client = try #require(context.database as? PostgresDatabaseClient)
            for table in try await Self.tenantScopedTables(context) {
                let count = try await client.withUnscopedConnection { sql in
                    try await sql.raw("SELECT count(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self)
                }
                #expect(count == 0, "\(table) visible without a tenant")
                let emptySetting = try await client.withUnscopedConnection { sql in
                    try await sql.raw("SELECT set_config('app.tenant_id', '', false)").run()
                    let rows = try await sql.raw("SELECT count(*) AS n FROM \(ident: table)").first()?.decode(
                        column: "n", as: Int.self)
                    try await sql.raw("RESET app.tenant_id").run()
                    return rows
                }
                #expect(emptySetting == 0, "\(table) visible with an empty tenant setting")
            }
        }
    }

    @Test(
        "inserting a row with another tenant's id inside A's scope fails, on every tenant-scoped table",
        arguments: TestDatabase.postgresOnly)
    func crossTenantInsertFails(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await Fixtures.seedTenant(context.database, name: "A")
            let tenantB = try await Fixtures.seedTenant(context.database, name: "B")
            for table in try await Self.tenantScopedTables(context) {
                // Copy one of A's rows, retagged with B's id: the only thing wrong is the tenant.
                let error = await #expect(throws: (any Error).self, "\(table) accepted a row of B in A's scope") {
                    try await context.database.withTenant(tenantA.id) { scope in
                        try await scope.sql.raw(
                            """
                            INSERT INTO \(ident: table)
                            SELECT (jsonb_populate_record(NULL::\(ident: table), to_jsonb(t) || jsonb_build_object('tenant_id', \(bind: tenantB.id.description)))).*
                            FROM \(ident: table) t LIMIT 1
                            """
                        ).run()
                    }
                }
                #expect(isPermissionFailure(error), "\(table): \(String(reflecting: error))")
            }
            let countB = try await context.database.withTenant(tenantB.id) { scope in
                try await scope.memberships.list(PageRequest()).items.count
            }
            #expect(countB == 2)
        }
    }

    @Test(
        "moving a row to another tenant inside A's scope fails, on every tenant-scoped table",
        arguments: TestDatabase.postgresOnly)
    func crossTenantUpdateFails(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await Fixtures.seedTenant(context.database, name: "A")
            let tenantB = try await Fixtures.seedTenant(context.database, name: "B")
            for table in try await Self.tenantScopedTables(context) {
                let error = await #expect(throws: (any Error).self, "\(table) let a row move to B") {
                    try await context.database.withTenant(tenantA.id) { scope in
                        try await scope.sql.raw("UPDATE \(ident: table) SET tenant_id = \(bind: tenantB.id.rawValue)").run()
                    }
                }
                #expect(isPermissionFailure(error), "\(table): \(String(reflecting: error))")
                // And B's rows cannot be touched from A's scope at all: an update matches nothing.
                let touched = try await context.database.withTenant(tenantA.id) { scope in
                    try await scope.sql.raw(
                        "SELECT count(*) AS n FROM \(ident: table) WHERE tenant_id = \(bind: tenantB.id.rawValue)"
                    ).first()?.decode(column: "n", as: Int.self)
                }
                #expect(touched == 0)
            }
        }
    }

    @Test("SET row_security = off does not reveal other tenants' rows", arguments: TestDatabase.postgresOnly)
    func rowSecurityOff(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await Fixtures.seedTenant(context.database, name: "A")
            try await Fixtures.seedTenant(context.database, name: "B")
            for table in try await Self.tenantScopedTables(context) {
                do {
                    let seen = try await context.database.withTenant(tenantA.id) { scope in
                        try await scope.sql.raw("SET LOCAL row_security = off").run()
                        return try await scope.sql.raw("SELECT tenant_id FROM \(ident: table)").all()
                            .map { try $0.decode(column: "tenant_id", as: UUID.self) }
                    }
                    #expect(seen.allSatisfy { $0 == tenantA.id.rawValue }, "\(table) revealed rows with row_security off")
                } catch {
                    // PostgreSQL refuses the query instead ("query would be affected by row-level
                    // security policy"): also no data.
                    #expect(isPermissionFailure(error), "\(table): \(String(reflecting: error))")
                }
            }
        }
    }

    @Test("the runtime role cannot disable row-level security", arguments: TestDatabase.postgresOnly)
    func cannotDisable(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await Fixtures.seedTenant(context.database, name: "A")
            for table in try await Self.tenantScopedTables(context) {
                for statement in ["DISABLE ROW LEVEL SECURITY", "NO FORCE ROW LEVEL SECURITY"] {
                    let error = await #expect(throws: (any Error).self) {
                        try await context.database.withTenant(tenantA.id) { scope in
                            try await scope.sql.raw("ALTER TABLE \(ident: table) \(unsafeRaw: statement)").run()
                        }
                    }
                    #expect(isPermissionFailure(error), "\(table): \(String(reflecting: error))")
                }
                let policyDrop = await #expect(throws: (any Error).self) {
                    try await context.database.withTenant(tenantA.id) { scope in
                        try await scope.sql.raw("DROP POLICY tenant_isolation ON \(ident: table)").run()
                    }
                }
                #expect(isPermissionFailure(policyDrop))
            }
        }
    }

    @Test(
        "the runtime role passes the start-up safety check; a superuser or the owner does not",
        arguments: TestDatabase.postgresOnly)
    func runtimeRoleCheck(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let client = try #require(context.database as? PostgresDatabaseClient)
            try await client.verifyRuntimeRole()

            let server = try #require(context.postgresServer)
            let name = try #require(context.postgresDatabaseName)
            for (url, reason) in [(server.adminURL, "superuser"), (server.ownerURL, "owns tables")] {
                guard case .postgres(let endpoint) = try DatabaseLocation(url: PostgresTestServer.url(url, database: name)) else {
                    Issue.record("expected a PostgreSQL URL")
                    continue
                }
                let unsafe = PostgresDatabaseClient(endpoint: endpoint, poolSize: 1, logger: TestLogging.logger)
                let running = Task { await unsafe.run() }
                let error = await #expect(throws: TenantryError.self, "a role that \(reason) was accepted") {
                    try await unsafe.verifyRuntimeRole()
                }
                #expect(error?.code == .unsafeDatabaseRole)
                running.cancel()
                await running.value
            }
        }
    }

    @Test("the platform scope sees every tenant's rows", arguments: TestDatabase.postgresOnly)
    func platformScope(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await Fixtures.seedTenant(context.database, name: "A")
            let tenantB = try await Fixtures.seedTenant(context.database, name: "B")
            let tenants = try await context.database.withPlatform { scope in
                try await scope.sql.raw("SELECT DISTINCT tenant_id FROM memberships").all()
                    .map { try $0.decode(column: "tenant_id", as: UUID.self) }
            }
            #expect(Set(tenants) == [tenantA.id.rawValue, tenantB.id.rawValue])
        }
    }

    @Test("audit events are append-only for the runtime role", arguments: TestDatabase.postgresOnly)
    func auditAppendOnly(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await Fixtures.seedTenant(context.database)
            for statement in ["UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"] {
                let error = await #expect(throws: (any Error).self) {
                    try await context.database.withTenant(tenant.id) { scope in
                        try await scope.sql.raw(SQLQueryString(statement)).run()
                    }
                }
                #expect(isPermissionFailure(error))
            }
        }
    }

    @Test(
        "every SECURITY DEFINER function resolves names in pg_catalog first and only the runtime role may call it",
        arguments: TestDatabase.postgresOnly)
    func securityDefinerFunctions(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let rows = try await context.asOwner(
                """
                SELECT p.oid::regprocedure::text AS signature, array_to_string(p.proconfig, ',') AS config,
                    has_function_privilege('public', p.oid, 'EXECUTE') AS public_may,
                    has_function_privilege('tenantry_app', p.oid, 'EXECUTE') AS runtime_may
                FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'public' AND p.prosecdef
                ORDER BY 1
                """)
            let signatures = try rows.map { try $0.decode(column: "signature", as: String.self) }
            #expect(
                signatures == [
                    "tenantry_clear_tenant_data(uuid)",
                    "tenantry_import_audit_chain_head(uuid,bigint,text,bigint,text,timestamp with time zone,timestamp with time zone)",
                    "tenantry_purge_audit_events(uuid,timestamp with time zone)", "tenantry_purge_tenant(uuid)",
                    "tenantry_redact_audit_events(uuid,text[],text[],text[],timestamp with time zone)",
                ])
            for row in rows {
                let signature = try row.decode(column: "signature", as: String.self)
                let config = try row.decode(column: "config", as: String?.self) ?? ""
                #expect(config.contains("search_path=pg_catalog, public"), "\(signature): \(config)")
                #expect(try !row.decode(column: "public_may", as: Bool.self), "PUBLIC may call \(signature)")
                #expect(try row.decode(column: "runtime_may", as: Bool.self), "the runtime role may not call \(signature)")
            }
        }
    }
}

extension RowLevelSecurityTests {
    @Test(
        "the audit redaction function runs only in the platform scope, and the runtime role still cannot update audit events",
        arguments: TestDatabase.postgresOnly)
    func redactionOnlyInThePlatformScope(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try Fixtures.tenant(name: "Redacted")
            let user = try Fixtures.user()
            try await context.database.withTenant(tenant.id) { scope in
                try await scope.tenants.create(tenant)
                try await scope.users.create(user, passwordHash: nil)
                try await scope.auditEvents.append(Fixtures.auditEvent(in: tenant.id, actor: user.id))
            }
            let call: SQLQueryString = """
                SELECT tenantry_redact_audit_events(\(bind: user.id.rawValue), ARRAY['x'], ARRAY['x'], ARRAY['y'], now())
                """
            var refused: (any Error)?
            do {
                try await context.database.withTenant(tenant.id) { scope in try await scope.sql.raw(call).run() }
            } catch {
                refused = error
            }
            #expect(isPermissionFailure(refused))
            var updateRefused: (any Error)?
            do {
                try await context.database.withPlatform { scope in
                    try await scope.sql.raw("UPDATE audit_events SET ip = NULL").run()
                }
            } catch {
                updateRefused = error
            }
            #expect(isPermissionFailure(updateRefused))
            let redacted = try await context.database.withPlatform { scope in
                try await scope.sql.raw(call + " AS n").first()?.decode(column: "n", as: Int.self)
            }
            #expect(redacted == 1)
        }
    }
}

/// True when PostgreSQL refused for lack of privilege or a row-level security violation
/// (SQLSTATE 42501, insufficient_privilege, which covers both).
func isPermissionFailure(_ error: (any Error)?) -> Bool {
    guard let error else { return false }
    if let domain = error as? TenantryError, let cause = domain.cause {
        return isPermissionFailure(cause)
    }
    if let error = error as? PSQLError {
        return error.serverInfo?[.sqlState] == "42501"
    }
    return false
}
