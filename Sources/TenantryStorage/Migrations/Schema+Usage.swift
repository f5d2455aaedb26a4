extension SharedSchema {
    /// Migration 7, `usage`: per-tenant daily usage counters (added to by every node's flushes),
    /// the distinct active users of each day, and an API key's own rate limit.
    static let usage: [String] = [
        """
        CREATE TABLE usage_daily (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            day text NOT NULL,
            api_requests bigint NOT NULL DEFAULT 0,
            sign_ins bigint NOT NULL DEFAULT 0,
            emails_sent bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (tenant_id, day)
        )
        """,
        "CREATE INDEX usage_daily_day_idx ON usage_daily (day)",
        """
        CREATE TABLE usage_active_users (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            day text NOT NULL,
            user_id UUID NOT NULL,
            PRIMARY KEY (tenant_id, day, user_id)
        )
        """,
        "ALTER TABLE api_keys ADD COLUMN rate_limit_per_minute integer",
    ]
}

extension PostgresSchema {
    /// Migration 7 on PostgreSQL: the usage tables under row-level security.
    static let usageMigration = Migration(
        version: 7,
        name: "usage",
        statements: SharedSchema.usage.map { SharedSchema.render($0, for: .postgres) }
            + ["usage_daily", "usage_active_users"].flatMap(tenantIsolation)
    )
}

extension SQLiteSchema {
    /// Migration 7 on SQLite.
    static let usageMigration = Migration(
        version: 7,
        name: "usage",
        statements: SharedSchema.usage.map { SharedSchema.render($0, for: .sqlite) }
    )
}
