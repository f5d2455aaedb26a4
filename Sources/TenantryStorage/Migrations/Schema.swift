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

    /// The one cross-tenant read that identity needs on every request that lists a user's
    /// tenants: a user's memberships. The function raises the platform scope only for its own
    /// query and restores the caller's setting before it returns, so it answers in a single
    /// statement (no transaction of its own) and cannot widen a surrounding tenant scope.
    static let userMembershipsFunction = """
        CREATE FUNCTION tenantry_user_memberships(p_user_id uuid)
        RETURNS TABLE (id uuid, slug text, name text, status text, created_at timestamptz, updated_at timestamptz,
                       role text, joined_at timestamptz)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            previous text := current_setting('app.scope', true);
        BEGIN
            PERFORM set_config('app.scope', 'platform', true);
            RETURN QUERY
                SELECT t.id, t.slug, t.name, t.status, t.created_at, t.updated_at, m.role, m.created_at
                FROM memberships m JOIN tenants t ON t.id = m.tenant_id
                WHERE m.user_id = p_user_id
                ORDER BY m.created_at, t.id;
            PERFORM set_config('app.scope', coalesce(previous, ''), true);
        END
        $$
        """

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "initial_schema",
            statements: SharedSchema.initialTables.map { SharedSchema.render($0, for: .postgres) }
                + tenantIsolation("memberships") + tenantIsolation("audit_events")
        ),
        Migration(
            version: 2,
            name: "identity",
            statements: SharedSchema.identity.map { SharedSchema.render($0, for: .postgres) } + [userMembershipsFunction]
        ),
        Migration(
            version: 3,
            name: "access",
            statements: SharedSchema.access.map { SharedSchema.render($0, for: .postgres) }
                + [
                    """
                    ALTER TABLE memberships ADD CONSTRAINT memberships_role_fkey
                        FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id)
                    """
                ]
                + ["roles", "teams", "team_members", "api_keys", "api_key_secrets", "invitations"].flatMap(tenantIsolation)
                + [apiKeySecretFunction, invitationTokenFunction]
        ),
        Migration(version: 4, name: "tenant_reads", statements: [MemberPageRepository.postgresFunction]),
        idempotencyMigration,
        Migration(
            version: 6,
            name: "tenants_and_plans",
            statements: SharedSchema.tenantsAndPlans(now: "now()").map { SharedSchema.render($0, for: .postgres) }
                + [purgeTenantFunction]
        ),
        usageMigration,
        auditChainMigration,
        Migration(
            version: 9,
            name: "purge_function_hardening",
            statements: [
                hardenedPurgeTenantFunction,
                "REVOKE ALL ON FUNCTION tenantry_purge_tenant(uuid) FROM PUBLIC",
            ]
        ),
        domainEventsMigration,
        webhookEndpointsMigration,
        webhookMessagesMigration,
        webhookDeliveryMigration,
        webhookSourcesMigration,
        multiFactorMigration,
        singleSignOnMigration,
        verifiedDomainsMigration,
        socialSignInMigration,
        scaleOutMigration,
        jobTracingMigration,
        billingMigration,
        tenantExportsMigration,
        erasureMigration,
        dataExportsMigration,
        consoleSignInMigration,
        tenantSearchMigration,
        subscriptionStartClaimMigration,
    ]

    /// ``purgeTenantFunction`` as migration 9 replaces it: an owner-privileged function
    /// resolves names in `pg_catalog` first, so no object in `public` can stand in for a
    /// built-in; it looks for tables in `public` by name, since `current_schema()` would now
    /// answer `pg_catalog`; and only the runtime role (granted at provisioning) may call it.
    static let hardenedPurgeTenantFunction =
        purgeTenantFunction
        .replacingOccurrences(of: "CREATE FUNCTION", with: "CREATE OR REPLACE FUNCTION")
        .replacingOccurrences(of: "SET search_path = public, pg_catalog", with: "SET search_path = pg_catalog, public")
        .replacingOccurrences(of: "ns.nspname = current_schema()", with: "ns.nspname = 'public'")

    /// Finds the key a presented API key secret belongs to, before the tenant is known: the
    /// platform scope is raised for this one query and restored before the function returns.
    static let apiKeySecretFunction = """
        CREATE FUNCTION tenantry_api_key_secret(p_hash text)
        RETURNS TABLE (key_tenant_id uuid, key_id uuid, secret_expires_at timestamptz)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            previous text := current_setting('app.scope', true);
        BEGIN
            PERFORM set_config('app.scope', 'platform', true);
            RETURN QUERY
                SELECT s.tenant_id, s.key_id, s.expires_at FROM api_key_secrets s WHERE s.secret_hash = p_hash;
            PERFORM set_config('app.scope', coalesce(previous, ''), true);
        END
        $$
        """

    /// Finds the invitation an emailed token belongs to, before the tenant is known (same
    /// pattern as ``apiKeySecretFunction``).
    static let invitationTokenFunction = """
        CREATE FUNCTION tenantry_invitation_token(p_hash text)
        RETURNS TABLE (invitation_tenant_id uuid, invitation_id uuid)
        LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            previous text := current_setting('app.scope', true);
        BEGIN
            PERFORM set_config('app.scope', 'platform', true);
            RETURN QUERY
                SELECT i.tenant_id, i.id FROM invitations i WHERE i.token_hash = p_hash;
            PERFORM set_config('app.scope', coalesce(previous, ''), true);
        END
        $$
        """
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
        ),
        Migration(
            version: 2,
            name: "identity",
            statements: SharedSchema.identity.map { SharedSchema.render($0, for: .sqlite) }
        ),
        Migration(
            version: 3,
            name: "access",
            statements: SharedSchema.access.map { SharedSchema.render($0, for: .sqlite) }
        ),
        // PostgreSQL's single-statement read functions; SQLite reads in its one connection.
        Migration(version: 4, name: "tenant_reads", statements: []),
        idempotencyMigration,
        Migration(
            version: 6,
            name: "tenants_and_plans",
            statements: SharedSchema.tenantsAndPlans(now: "((julianday('now') - 2440587.5) * 86400.0)")
                .map { SharedSchema.render($0, for: .sqlite) }
        ),
        usageMigration,
        auditChainMigration,
        // PostgreSQL's purge function hardening; SQLite has no functions.
        Migration(version: 9, name: "purge_function_hardening", statements: []),
        domainEventsMigration,
        webhookEndpointsMigration,
        webhookMessagesMigration,
        webhookDeliveryMigration,
        webhookSourcesMigration,
        multiFactorMigration,
        singleSignOnMigration,
        verifiedDomainsMigration,
        socialSignInMigration,
        scaleOutMigration,
        jobTracingMigration,
        billingMigration,
        tenantExportsMigration,
        erasureMigration,
        dataExportsMigration,
        consoleSignInMigration,
        tenantSearchMigration,
        subscriptionStartClaimMigration,
    ]
}

/// Table definitions written once for both engines, with `UUID`, `TIMESTAMP` and `BOOLEAN`
/// standing for the engine's types (`uuid`/`timestamptz`/`boolean` on PostgreSQL,
/// `TEXT`/`REAL`/`INTEGER` on SQLite). A
/// definition is rendered into each engine's migration; the migration checksums cover the
/// rendered text, so a change here is caught like any edited migration.
enum SharedSchema {
    static func render(_ statement: String, for engine: DatabaseEngine) -> String {
        switch engine {
        case .postgres:
            statement.replacingOccurrences(of: "UUID", with: "uuid").replacingOccurrences(of: "TIMESTAMP", with: "timestamptz")
                .replacingOccurrences(of: "BOOLEAN", with: "boolean")
        case .sqlite:
            statement.replacingOccurrences(of: "UUID", with: "TEXT").replacingOccurrences(of: "TIMESTAMP", with: "REAL")
                .replacingOccurrences(of: "BOOLEAN", with: "INTEGER")
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

    /// Accounts, sessions, refresh tokens, signing keys, one-time email tokens and the job queue.
    /// All global: a session belongs to a user, not a tenant (it may switch tenants), so none of
    /// these tables has a `tenant_id` column; the tenant a session acts in is `active_tenant_id`.
    static let identity: [String] = [
        "ALTER TABLE users ADD COLUMN password_hash text",
        "ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP",
        "ALTER TABLE users ADD COLUMN locale text",
        "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled'))",
        """
        CREATE TABLE sessions (
            id UUID PRIMARY KEY,
            user_id UUID NOT NULL REFERENCES users (id),
            active_tenant_id UUID REFERENCES tenants (id),
            created_at TIMESTAMP NOT NULL,
            last_seen_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            idle_expires_at TIMESTAMP NOT NULL,
            revoked_at TIMESTAMP,
            revoked_reason text,
            ip text,
            user_agent text
        )
        """,
        "CREATE INDEX sessions_user_id_idx ON sessions (user_id)",
        """
        CREATE TABLE refresh_tokens (
            token_hash text PRIMARY KEY,
            session_id UUID NOT NULL REFERENCES sessions (id),
            issued_at TIMESTAMP NOT NULL,
            rotated_at TIMESTAMP,
            replaced_by text,
            grace_used BOOLEAN NOT NULL
        )
        """,
        "CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id)",
        """
        CREATE TABLE signing_keys (
            kid text PRIMARY KEY,
            algorithm text NOT NULL,
            public_key text NOT NULL,
            sealed_private_key text NOT NULL,
            created_at TIMESTAMP NOT NULL,
            signs_from TIMESTAMP NOT NULL
        )
        """,
        """
        CREATE TABLE user_tokens (
            token_hash text PRIMARY KEY,
            user_id UUID NOT NULL REFERENCES users (id),
            purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
            context_tenant_id UUID REFERENCES tenants (id),
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            used_at TIMESTAMP
        )
        """,
        "CREATE INDEX user_tokens_user_id_idx ON user_tokens (user_id, purpose)",
        """
        CREATE TABLE jobs (
            id UUID PRIMARY KEY,
            queue text NOT NULL,
            payload text NOT NULL,
            status text NOT NULL CHECK (status IN ('pending', 'running', 'done', 'dead')),
            attempts integer NOT NULL,
            max_attempts integer NOT NULL,
            run_at TIMESTAMP NOT NULL,
            locked_until TIMESTAMP,
            last_error text,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )
        """,
        "CREATE INDEX jobs_ready_idx ON jobs (queue, status, run_at)",
        """
        CREATE TABLE platform_audit_events (
            id UUID PRIMARY KEY,
            occurred_at TIMESTAMP NOT NULL,
            actor_type text NOT NULL,
            actor_id text,
            action text NOT NULL,
            target_type text,
            target_id text,
            ip text,
            user_agent text,
            request_id text,
            changes text NOT NULL
        )
        """,
    ]

    /// Members' status and custom roles, roles, teams, API keys and invitations. Every table is
    /// tenant-scoped. Names are unique per tenant through a lower-cased `name_key` column (one
    /// definition for both engines). An API key has one or two secrets (two while a rotation
    /// overlaps), looked up by hash.
    static let access: [String] = [
        "ALTER TABLE memberships ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended'))",
        "ALTER TABLE memberships ADD COLUMN role_id UUID",
        """
        CREATE TABLE roles (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            name text NOT NULL,
            name_key text NOT NULL,
            description text,
            base_role text CHECK (base_role IN ('admin', 'member', 'viewer')),
            permissions text NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, id)
        )
        """,
        "CREATE UNIQUE INDEX roles_name_key ON roles (tenant_id, name_key)",
        "CREATE INDEX memberships_role_id_idx ON memberships (tenant_id, role_id)",
        """
        CREATE TABLE teams (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            name text NOT NULL,
            name_key text NOT NULL,
            description text,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, id)
        )
        """,
        "CREATE UNIQUE INDEX teams_name_key ON teams (tenant_id, name_key)",
        """
        CREATE TABLE team_members (
            tenant_id UUID NOT NULL,
            team_id UUID NOT NULL,
            user_id UUID NOT NULL,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, team_id, user_id),
            FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id) ON DELETE CASCADE,
            FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX team_members_user_idx ON team_members (tenant_id, user_id)",
        """
        CREATE TABLE api_keys (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            name text NOT NULL,
            prefix text NOT NULL,
            last_four text NOT NULL,
            scopes text NOT NULL,
            resource_type text,
            resource_id text,
            created_by UUID NOT NULL REFERENCES users (id),
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP,
            revoked_at TIMESTAMP,
            last_used_at TIMESTAMP,
            PRIMARY KEY (tenant_id, id)
        )
        """,
        "CREATE INDEX api_keys_created_by_idx ON api_keys (tenant_id, created_by)",
        """
        CREATE TABLE api_key_secrets (
            tenant_id UUID NOT NULL,
            secret_hash text NOT NULL,
            key_id UUID NOT NULL,
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP,
            PRIMARY KEY (tenant_id, secret_hash),
            FOREIGN KEY (tenant_id, key_id) REFERENCES api_keys (tenant_id, id) ON DELETE CASCADE
        )
        """,
        "CREATE UNIQUE INDEX api_key_secrets_hash_key ON api_key_secrets (secret_hash)",
        "CREATE INDEX api_key_secrets_key_idx ON api_key_secrets (tenant_id, key_id)",
        """
        CREATE TABLE invitations (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            email text NOT NULL,
            role text NOT NULL,
            token_hash text NOT NULL,
            invited_by UUID REFERENCES users (id),
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            last_sent_at TIMESTAMP NOT NULL,
            accepted_at TIMESTAMP,
            accepted_by UUID REFERENCES users (id),
            revoked_at TIMESTAMP,
            PRIMARY KEY (tenant_id, id)
        )
        """,
        "CREATE UNIQUE INDEX invitations_token_key ON invitations (token_hash)",
        "CREATE INDEX invitations_email_idx ON invitations (tenant_id, email)",
    ]
}
