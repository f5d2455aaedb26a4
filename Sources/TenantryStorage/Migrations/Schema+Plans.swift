/// Migration 6, `tenants_and_plans`: platform operators, plans (seeded `free`, `pro`,
/// `enterprise`), and the tenant's plan, overrides, branding, settings and lifecycle columns.
/// All global tables: a plan belongs to no tenant, an operator acts across tenants, and a
/// tenant's own row is its scope.
extension SharedSchema {
    static func tenantsAndPlans(now: String) -> [String] {
        [
            """
            CREATE TABLE platform_operators (
                user_id UUID PRIMARY KEY REFERENCES users (id),
                role text NOT NULL CHECK (role IN ('super_admin', 'support')),
                created_at TIMESTAMP NOT NULL,
                updated_at TIMESTAMP NOT NULL
            )
            """,
            """
            CREATE TABLE plans (
                id text PRIMARY KEY,
                name text NOT NULL,
                description text,
                limits text NOT NULL,
                features text NOT NULL,
                modules text NOT NULL,
                created_at TIMESTAMP NOT NULL,
                updated_at TIMESTAMP NOT NULL
            )
            """,
            seedPlan(
                id: "free", name: "Free", description: "To try Tenantry out.",
                limits:
                    #"{"api_calls_per_month":100000,"api_keys":10,"audit_retention_days":30,"members":10,"requests_per_minute":600,"teams":10,"webhook_endpoints":3}"#,
                features: "[]", now: now),
            seedPlan(
                id: "pro", name: "Pro", description: "For growing teams.",
                limits:
                    #"{"api_calls_per_month":5000000,"api_keys":100,"audit_retention_days":365,"members":100,"requests_per_minute":3000,"teams":100,"webhook_endpoints":25}"#,
                features: #"["custom_branding","resource_bound_keys"]"#, now: now),
            seedPlan(
                id: "enterprise", name: "Enterprise", description: "No allowances but the rate limit.",
                limits: #"{"audit_retention_days":2555,"requests_per_minute":20000}"#,
                features: #"["custom_branding","resource_bound_keys"]"#, now: now),
            "ALTER TABLE tenants ADD COLUMN plan_id text NOT NULL DEFAULT 'free'",
            "ALTER TABLE tenants ADD COLUMN overrides text NOT NULL DEFAULT '{}'",
            "ALTER TABLE tenants ADD COLUMN branding text NOT NULL DEFAULT '{}'",
            "ALTER TABLE tenants ADD COLUMN settings text NOT NULL DEFAULT '{}'",
            "ALTER TABLE tenants ADD COLUMN status_reason text",
            "ALTER TABLE tenants ADD COLUMN purge_after TIMESTAMP",
            "CREATE INDEX tenants_plan_idx ON tenants (plan_id)",
            "CREATE INDEX tenants_status_idx ON tenants (status, purge_after)",
        ]
    }

    private static func seedPlan(id: String, name: String, description: String, limits: String, features: String, now: String)
        -> String
    {
        """
        INSERT INTO plans (id, name, description, limits, features, modules, created_at, updated_at)
        VALUES ('\(id)', '\(name)', '\(description)', '\(limits)', '\(features)', '["api_keys","core","teams"]', \(now), \(now))
        """
    }
}

extension PostgresSchema {
    /// Removes every row of a tenant pending deletion from every table with a `tenant_id`
    /// column (found in the catalogue, so new tables are covered), clears other references
    /// to it, and deletes the tenant. It runs as the owner role (`SECURITY DEFINER`) because
    /// `audit_events` is append-only for the runtime role (decision 0006); it refuses a tenant
    /// that is not pending deletion, so it cannot erase a live tenant's audit trail. Rows are
    /// deleted table by table, retrying tables whose foreign keys still hold referencing rows.
    static let purgeTenantFunction = """
        CREATE FUNCTION tenantry_purge_tenant(p_tenant uuid)
        RETURNS integer
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_catalog AS $$
        DECLARE
            previous text := current_setting('app.scope', true);
            remaining text[];
            pending text[];
            tbl text;
            ref record;
            deleted integer := 0;
            n integer;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM tenants WHERE id = p_tenant AND status = 'pending_deletion') THEN
                RAISE EXCEPTION 'tenant % is not pending deletion', p_tenant USING ERRCODE = 'P0001';
            END IF;
            PERFORM set_config('app.scope', 'platform', true);
            SELECT array_agg(c.relname::text ORDER BY c.relname) INTO remaining
                FROM pg_class c
                JOIN pg_namespace ns ON ns.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
                WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition;
            WHILE coalesce(array_length(remaining, 1), 0) > 0 LOOP
                pending := ARRAY[]::text[];
                FOREACH tbl IN ARRAY remaining LOOP
                    BEGIN
                        EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', tbl) USING p_tenant;
                        GET DIAGNOSTICS n = ROW_COUNT;
                        deleted := deleted + n;
                    EXCEPTION WHEN foreign_key_violation THEN
                        pending := pending || tbl;
                    END;
                END LOOP;
                IF array_length(pending, 1) = array_length(remaining, 1) THEN
                    RAISE EXCEPTION 'purge cannot resolve foreign keys among %', pending;
                END IF;
                remaining := pending;
            END LOOP;
            FOR ref IN
                SELECT cl.relname::text AS tbl, att.attname::text AS col
                FROM pg_constraint con
                JOIN pg_class cl ON cl.oid = con.conrelid
                JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
                WHERE con.contype = 'f' AND con.confrelid = 'tenants'::regclass AND att.attname <> 'tenant_id'
            LOOP
                EXECUTE format('UPDATE %I SET %I = NULL WHERE %I = $1', ref.tbl, ref.col, ref.col) USING p_tenant;
            END LOOP;
            DELETE FROM tenants WHERE id = p_tenant;
            PERFORM set_config('app.scope', coalesce(previous, ''), true);
            RETURN deleted;
        END
        $$
        """
}
