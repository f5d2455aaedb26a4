/// Migration 4, `audit_chain`: the hash chain over each tenant's audit events, the indexes the
/// audit log API filters by, and (PostgreSQL) the one narrowly granted way to purge events
/// ([0013](../../../docs/decisions/0013-audit-hash-chain.md)).
extension SharedSchema {
    /// Chain columns on `audit_events` (NULL on events written before this migration), the
    /// per-tenant chain head, and the filter indexes.
    static let auditChain: [String] = [
        "ALTER TABLE audit_events ADD COLUMN sequence bigint",
        "ALTER TABLE audit_events ADD COLUMN previous_hash text",
        "ALTER TABLE audit_events ADD COLUMN hash text",
        "ALTER TABLE audit_events ADD COLUMN chain_version integer",
        "CREATE UNIQUE INDEX audit_events_sequence_key ON audit_events (tenant_id, sequence)",
        "CREATE INDEX audit_events_actor_idx ON audit_events (tenant_id, actor_type, actor_id, id)",
        "CREATE INDEX audit_events_action_idx ON audit_events (tenant_id, action, id)",
        "CREATE INDEX audit_events_target_idx ON audit_events (tenant_id, target_type, target_id, id)",
        "CREATE INDEX audit_events_occurred_at_idx ON audit_events (tenant_id, occurred_at)",
        // The platform-wide list walks every tenant's events in id order.
        "CREATE INDEX audit_events_id_idx ON audit_events (id)",
        """
        CREATE TABLE audit_chain_heads (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            last_sequence bigint NOT NULL,
            last_hash text,
            anchor_sequence bigint NOT NULL DEFAULT 0,
            anchor_hash text,
            purged_at TIMESTAMP,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id)
        )
        """,
    ]
}

extension PostgresSchema {
    /// Removes the oldest events of the scope's tenant, a prefix of its chain: every chained
    /// event before the first one that occurred at or after `p_before`, and every unchained
    /// (pre-chain) event before `p_before`. Records the last removed link as the chain's
    /// anchor. Runs as the owner (the runtime role may not delete audit events, decision 0006)
    /// but stays inside row-level security (the owner is subject to it too), only in the
    /// tenant scope of the tenant it names, never for events younger than one day, and locks
    /// the chain head so appends and purges of a tenant take turns.
    static let purgeAuditEventsFunction = """
        CREATE FUNCTION tenantry_purge_audit_events(p_tenant_id uuid, p_before timestamptz)
        RETURNS bigint
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        DECLARE
            first_kept bigint;
            boundary bigint;
            anchored bigint;
            boundary_hash text;
            removed bigint := 0;
            unchained bigint := 0;
        BEGIN
            IF p_tenant_id IS DISTINCT FROM nullif(current_setting('app.tenant_id', true), '')::uuid THEN
                RAISE EXCEPTION 'audit events are purged only in their tenant''s scope' USING ERRCODE = '42501';
            END IF;
            IF p_before > now() - interval '1 day' THEN
                RAISE EXCEPTION 'audit events younger than one day are never purged' USING ERRCODE = '22023';
            END IF;
            SELECT anchor_sequence INTO anchored FROM audit_chain_heads WHERE tenant_id = p_tenant_id FOR UPDATE;
            SELECT min(sequence) INTO first_kept FROM audit_events
                WHERE tenant_id = p_tenant_id AND sequence IS NOT NULL AND occurred_at >= p_before;
            IF first_kept IS NULL THEN
                SELECT max(sequence) INTO boundary FROM audit_events WHERE tenant_id = p_tenant_id AND sequence IS NOT NULL;
            ELSE
                boundary := first_kept - 1;
            END IF;
            IF anchored IS NOT NULL AND boundary IS NOT NULL AND boundary > anchored THEN
                SELECT hash INTO boundary_hash FROM audit_events WHERE tenant_id = p_tenant_id AND sequence = boundary;
                DELETE FROM audit_events WHERE tenant_id = p_tenant_id AND sequence IS NOT NULL AND sequence <= boundary;
                GET DIAGNOSTICS removed = ROW_COUNT;
                UPDATE audit_chain_heads
                    SET anchor_sequence = boundary, anchor_hash = boundary_hash, purged_at = now(), updated_at = now()
                    WHERE tenant_id = p_tenant_id;
            END IF;
            DELETE FROM audit_events WHERE tenant_id = p_tenant_id AND sequence IS NULL AND occurred_at < p_before;
            GET DIAGNOSTICS unchained = ROW_COUNT;
            RETURN removed + unchained;
        END
        $$
        """

    /// Migration 4 for PostgreSQL.
    static let auditChainMigration = Migration(
        version: 8,
        name: "audit_chain",
        statements: SharedSchema.auditChain.map { SharedSchema.render($0, for: .postgres) }
            + tenantIsolation("audit_chain_heads")
            + [
                purgeAuditEventsFunction,
                "REVOKE ALL ON FUNCTION tenantry_purge_audit_events(uuid, timestamptz) FROM PUBLIC",
            ]
    )
}

extension SQLiteSchema {
    /// Migration 4 for SQLite.
    static let auditChainMigration = Migration(
        version: 8,
        name: "audit_chain",
        statements: SharedSchema.auditChain.map { SharedSchema.render($0, for: .sqlite) }
    )
}
