extension SharedSchema {
    /// Migration 5: the outcomes of requests sent with an `Idempotency-Key`. A global table,
    /// because public routes (sign-up, sign-in) have no tenant: rows are found by `scope_hash`,
    /// the SHA-256 of tenant, principal and key, which only the rightful caller can produce. The
    /// tenant is `scope_tenant_id` (not `tenant_id`: the table is not tenant-scoped) and its rows
    /// go with the tenant row (`ON DELETE CASCADE`); request fingerprints and responses are
    /// sealed with the master key.
    static let idempotency: [String] = [
        """
        CREATE TABLE idempotency_records (
            scope_hash text PRIMARY KEY,
            scope_tenant_id UUID REFERENCES tenants (id) ON DELETE CASCADE,
            owner_token UUID NOT NULL,
            sealed_request text NOT NULL,
            response_status integer,
            sealed_response text,
            locked_until TIMESTAMP,
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL
        )
        """,
        "CREATE INDEX idempotency_records_expires_idx ON idempotency_records (expires_at)",
        "CREATE INDEX idempotency_records_tenant_idx ON idempotency_records (scope_tenant_id)",
    ]
}

extension PostgresSchema {
    /// Migration 5 on PostgreSQL.
    static let idempotencyMigration = Migration(
        version: 5,
        name: "idempotency",
        statements: SharedSchema.idempotency.map { SharedSchema.render($0, for: .postgres) }
    )
}

extension SQLiteSchema {
    /// Migration 5 on SQLite.
    static let idempotencyMigration = Migration(
        version: 5,
        name: "idempotency",
        statements: SharedSchema.idempotency.map { SharedSchema.render($0, for: .sqlite) }
    )
}
