extension PostgresSchema {
    /// Clears a tenant's rows from every tenant-scoped table (not its `tenants` row), for a
    /// restore that writes a backup's rows in the same transaction. It runs as the owner, since
    /// the runtime role may not delete audit events, and only in the tenant scope of the tenant
    /// it names. Children go before the rows they reference (retried until none is left, as
    /// `tenantry_purge_tenant` does).
    static let clearTenantDataFunction = """
        CREATE FUNCTION tenantry_clear_tenant_data(p_tenant uuid)
        RETURNS bigint
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        DECLARE
            remaining text[];
            pending text[];
            tbl text;
            deleted bigint := 0;
            n bigint;
        BEGIN
            IF p_tenant IS DISTINCT FROM nullif(current_setting('app.tenant_id', true), '')::uuid THEN
                RAISE EXCEPTION 'a tenant''s data is cleared only in its own scope' USING ERRCODE = '42501';
            END IF;
            SELECT array_agg(c.relname::text ORDER BY c.relname) INTO remaining
                FROM pg_class c
                JOIN pg_namespace ns ON ns.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
                WHERE ns.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition;
            WHILE coalesce(array_length(remaining, 1), 0) > 0 LOOP
                pending := ARRAY[]::text[];
                FOREACH tbl IN ARRAY remaining LOOP
                    BEGIN
                        EXECUTE format('DELETE FROM public.%I WHERE tenant_id = $1', tbl) USING p_tenant;
                        GET DIAGNOSTICS n = ROW_COUNT;
                        deleted := deleted + n;
                    EXCEPTION WHEN foreign_key_violation THEN
                        pending := pending || tbl;
                    END;
                END LOOP;
                IF array_length(pending, 1) = array_length(remaining, 1) THEN
                    RAISE EXCEPTION 'clearing cannot resolve foreign keys among %', pending;
                END IF;
                remaining := pending;
            END LOOP;
            RETURN deleted;
        END
        $$
        """

    /// Writes an imported tenant's audit chain head, retention anchor included (which the
    /// runtime role may not write, decision 0013): only in the tenant's own scope, and only when
    /// the tenant has no head yet, so it can start a chain but never move an existing anchor.
    static let importChainHeadFunction = """
        CREATE FUNCTION tenantry_import_audit_chain_head(
            p_tenant uuid, p_last_sequence bigint, p_last_hash text, p_anchor_sequence bigint, p_anchor_hash text,
            p_purged_at timestamptz, p_updated_at timestamptz)
        RETURNS void
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        BEGIN
            IF p_tenant IS DISTINCT FROM nullif(current_setting('app.tenant_id', true), '')::uuid THEN
                RAISE EXCEPTION 'a chain head is imported only in its tenant''s scope' USING ERRCODE = '42501';
            END IF;
            INSERT INTO public.audit_chain_heads
                (tenant_id, last_sequence, last_hash, anchor_sequence, anchor_hash, purged_at, updated_at)
            VALUES (p_tenant, p_last_sequence, p_last_hash, p_anchor_sequence, p_anchor_hash, p_purged_at, p_updated_at);
        END
        $$
        """

    /// Migration 22 on PostgreSQL, `tenant_exports`: the two owner functions that imports and
    /// restores need. Numbered 22: 21 is `billing`, on another line of work.
    static let tenantExportsMigration = Migration(
        version: 22,
        name: "tenant_exports",
        statements: [
            clearTenantDataFunction,
            "REVOKE ALL ON FUNCTION tenantry_clear_tenant_data(uuid) FROM PUBLIC",
            importChainHeadFunction,
            """
            REVOKE ALL ON FUNCTION tenantry_import_audit_chain_head(uuid, bigint, text, bigint, text, timestamptz, timestamptz)
                FROM PUBLIC
            """,
        ]
    )
}

extension SQLiteSchema {
    /// Migration 22 on SQLite: nothing (SQLite has no functions; its one connection writes any
    /// table).
    static let tenantExportsMigration = Migration(version: 22, name: "tenant_exports", statements: [])
}
