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
            statements: [
                """
                CREATE TABLE tenants (
                    id uuid PRIMARY KEY,
                    slug text NOT NULL,
                    name text NOT NULL,
                    status text NOT NULL CHECK (status IN ('active', 'suspended', 'pending_deletion', 'deleted')),
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug)",
                """
                CREATE TABLE users (
                    id uuid PRIMARY KEY,
                    email text NOT NULL,
                    name text NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX users_email_key ON users (email)",
                """
                CREATE TABLE memberships (
                    tenant_id uuid NOT NULL REFERENCES tenants (id),
                    user_id uuid NOT NULL REFERENCES users (id),
                    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    PRIMARY KEY (tenant_id, user_id)
                )
                """,
                "CREATE INDEX memberships_user_id_idx ON memberships (user_id)",
                """
                CREATE TABLE audit_events (
                    tenant_id uuid NOT NULL REFERENCES tenants (id),
                    id uuid NOT NULL,
                    occurred_at timestamptz NOT NULL,
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
            ] + tenantIsolation("memberships") + tenantIsolation("audit_events")
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
            statements: [
                """
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY,
                    slug TEXT NOT NULL,
                    name TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'pending_deletion', 'deleted')),
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX tenants_slug_key ON tenants (slug)",
                """
                CREATE TABLE users (
                    id TEXT PRIMARY KEY,
                    email TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                )
                """,
                "CREATE UNIQUE INDEX users_email_key ON users (email)",
                """
                CREATE TABLE memberships (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id),
                    user_id TEXT NOT NULL REFERENCES users (id),
                    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    PRIMARY KEY (tenant_id, user_id)
                )
                """,
                "CREATE INDEX memberships_user_id_idx ON memberships (user_id)",
                """
                CREATE TABLE audit_events (
                    tenant_id TEXT NOT NULL REFERENCES tenants (id),
                    id TEXT NOT NULL,
                    occurred_at REAL NOT NULL,
                    actor_type TEXT NOT NULL,
                    actor_id TEXT,
                    action TEXT NOT NULL,
                    target_type TEXT,
                    target_id TEXT,
                    ip TEXT,
                    user_agent TEXT,
                    request_id TEXT,
                    changes TEXT NOT NULL,
                    PRIMARY KEY (tenant_id, id)
                )
                """,
            ]
        )
    ]
}
