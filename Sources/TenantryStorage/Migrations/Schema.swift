/// The schema, as ordered migrations per engine. Both lists describe the same tables; the
/// PostgreSQL one adds row-level security to every tenant-scoped table.
///
/// Rules for new migrations: append, never edit (the checksum check refuses edited ones);
/// every tenant-scoped table has `tenant_id` first in its primary key and in every foreign key
/// into another tenant-scoped table, and on PostgreSQL gets ``PostgresSchema/tenantIsolation(_:)``.
public enum Schema {
    /// The migrations for an engine, in order.
    public static func migrations(for engine: DatabaseEngine) -> [Migration] {
        switch engine {
        case .postgres: PostgresSchema.migrations
        case .sqlite: SQLiteSchema.migrations
        }
    }
}

/// PostgreSQL migrations.
enum PostgresSchema {
    static let createMigrationsTable = """
        CREATE TABLE IF NOT EXISTS tenantry_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL
        )
        """

    /// Enables and forces row-level security on a tenant-scoped table, with two permissive
    /// policies: rows of the tenant named by `app.tenant_id`, and every row in the explicit
    /// platform scope (`app.scope = 'platform'`). Both settings are transaction-local, and a
    /// pooled connection that never set them reads `''`, which matches nothing.
    static func tenantIsolation(_ table: String) -> [String] {
        let tenantCondition = "tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid"
        let platformCondition = "current_setting('app.scope', true) = 'platform'"
        return [
            "ALTER TABLE \(table) ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE \(table) FORCE ROW LEVEL SECURITY",
            "CREATE POLICY tenant_isolation ON \(table) USING (\(tenantCondition)) WITH CHECK (\(tenantCondition))",
            "CREATE POLICY platform_scope ON \(table) USING (\(platformCondition)) WITH CHECK (\(platformCondition))",
        ]
    }

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "initial_schema",
            statements: SharedSchema.initialTables.map { SharedSchema.render($0, for: .postgres) }
                + tenantIsolation("memberships") + tenantIsolation("audit_events")
        )
    ]
}

/// SQLite migrations: the same tables; isolation is the repositories' `tenant_id` filters.
enum SQLiteSchema {
    static let createMigrationsTable = """
        CREATE TABLE IF NOT EXISTS tenantry_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at REAL NOT NULL
        )
        """

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "initial_schema",
            statements: SharedSchema.initialTables.map { SharedSchema.render($0, for: .sqlite) }
        )
    ]
}

/// Table definitions written once for both engines, with `UUID` and `TIMESTAMP` standing for
/// the engine's types (`uuid`/`timestamptz` on PostgreSQL, `TEXT`/`REAL` on SQLite). A
/// definition is rendered into each engine's migration; the migration checksums cover the
/// rendered text, so a change here is caught like any edited migration.
enum SharedSchema {
    static func render(_ statement: String, for engine: DatabaseEngine) -> String {
        switch engine {
        case .postgres:
            statement.replacingOccurrences(of: "UUID", with: "uuid").replacingOccurrences(of: "TIMESTAMP", with: "timestamptz")
        case .sqlite:
            statement.replacingOccurrences(of: "UUID", with: "TEXT").replacingOccurrences(of: "TIMESTAMP", with: "REAL")
        }
    }

    static let initialTables: [String] = [
        """
        CREATE TABLE tenants (
            id UUID PRIMARY KEY,
            slug text NOT NULL,
            name text NOT NULL,
            status text NOT NULL CHECK (status IN ('active', 'suspended', 'pending_deletion', 'deleted')),
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug)",
        """
        CREATE TABLE users (
            id UUID PRIMARY KEY,
            email text NOT NULL,
            name text NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )
        """,
        "CREATE UNIQUE INDEX users_email_key ON users (email)",
        """
        CREATE TABLE memberships (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            user_id UUID NOT NULL REFERENCES users (id),
            role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, user_id)
        )
        """,
        "CREATE INDEX memberships_user_id_idx ON memberships (user_id)",
        """
        CREATE TABLE audit_events (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            occurred_at TIMESTAMP NOT NULL,
            actor_type text NOT NULL,
            actor_id text,
            action text NOT NULL,
            target_type text,
            target_id text,
            ip text,
            user_agent text,
            request_id text,
            changes text NOT NULL,
            PRIMARY KEY (tenant_id, id)
        )
        """,
    ]
}
