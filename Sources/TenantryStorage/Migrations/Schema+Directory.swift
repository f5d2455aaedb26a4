extension SharedSchema {
    /// Migration 26, `tenant_search`: the operators' tenant list sorted by name pages through
    /// this index (the expression is the one `SQLPlatformTenantDirectory` orders by).
    static let tenantNameOrder: [String] = [
        "CREATE INDEX tenants_name_order ON tenants (lower(name), id)"
    ]
}

extension PostgresSchema {
    /// Trigram indexes for the operators' search (`lower(name) LIKE '%…%' OR slug LIKE '%…%'`),
    /// which otherwise reads every tenant: at 10,000 tenants a search took 2.7 ms of the
    /// database's time, with them 0.5 to 1 ms, and the gap grows with the tenant count.
    /// New tenants go straight into the indexes (`fastupdate = off`): tenants are created
    /// rarely, and a pending list of new entries, read entry by entry until a vacuum merges it,
    /// made the planner prefer reading the table.
    /// `pg_trgm` ships with PostgreSQL (contrib) and is a trusted extension, so the owner role
    /// may create it. Where it cannot (not installed, or not allowed), the migration notes it and
    /// goes on without the indexes: the search still answers, by reading the table.
    static let tenantSearchTrigrams = """
        DO $$
        BEGIN
            BEGIN
                CREATE EXTENSION IF NOT EXISTS pg_trgm;
            EXCEPTION WHEN OTHERS THEN
                RAISE NOTICE 'pg_trgm is not available (%); the tenant search reads the whole table', SQLERRM;
                RETURN;
            END;
            CREATE INDEX tenants_name_trigram ON tenants USING gin (lower(name) gin_trgm_ops) WITH (fastupdate = off);
            CREATE INDEX tenants_slug_trigram ON tenants USING gin (slug gin_trgm_ops) WITH (fastupdate = off);
        END
        $$
        """

    /// Migration 26 on PostgreSQL.
    static let tenantSearchMigration = Migration(
        version: 26,
        name: "tenant_search",
        statements: SharedSchema.tenantNameOrder.map { SharedSchema.render($0, for: .postgres) } + [tenantSearchTrigrams]
    )
}

extension SQLiteSchema {
    /// Migration 26 on SQLite (no trigram index: the table is read, as small installs expect).
    static let tenantSearchMigration = Migration(
        version: 26,
        name: "tenant_search",
        statements: SharedSchema.tenantNameOrder.map { SharedSchema.render($0, for: .sqlite) }
    )
}
