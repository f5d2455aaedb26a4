extension SharedSchema {
    /// Migration 24, `data_exports`: each tenant's background exports, with their progress and
    /// the archive kept for download until it expires (docs/export.md).
    static let dataExports: [String] = [
        """
        CREATE TABLE data_exports (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            channel text NOT NULL,
            requested_by_type text NOT NULL,
            requested_by_id text,
            status text NOT NULL,
            part text,
            rows_done bigint NOT NULL,
            rows_total bigint,
            file text,
            size_bytes bigint,
            sha256 text,
            failure text,
            created_at TIMESTAMP NOT NULL,
            started_at TIMESTAMP,
            finished_at TIMESTAMP,
            expires_at TIMESTAMP,
            PRIMARY KEY (tenant_id, id)
        )
        """,
        "CREATE INDEX data_exports_expiry ON data_exports (expires_at) WHERE file IS NOT NULL",
    ]
}

extension PostgresSchema {
    /// Migration 24 on PostgreSQL: the table is tenant-scoped, with row-level security.
    static let dataExportsMigration = Migration(
        version: 24,
        name: "data_exports",
        statements: SharedSchema.dataExports.map { SharedSchema.render($0, for: .postgres) } + tenantIsolation("data_exports")
    )
}

extension SQLiteSchema {
    /// Migration 24 on SQLite.
    static let dataExportsMigration = Migration(
        version: 24,
        name: "data_exports",
        statements: SharedSchema.dataExports.map { SharedSchema.render($0, for: .sqlite) }
    )
}
