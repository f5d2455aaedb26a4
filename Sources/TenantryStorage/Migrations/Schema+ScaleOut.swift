extension SharedSchema {
    /// Migration 19, `scale_out`: what several nodes share.
    ///
    /// - `jobs.singleton` and the partial unique index `jobs_singleton_idx`: a recurring sweep
    ///   is enqueued with `singleton` set, and the index lets one such job per queue be pending
    ///   or running, so nodes enqueueing the same sweep at once add one job between them.
    /// - `rate_limit_buckets`: the shared state of the rate limiter (one theoretical arrival
    ///   time per limited key, in seconds since 1970), which every node merges its own
    ///   admissions into (``RateLimitBucketRepository``). Global: a key names its tenant, API
    ///   key or client address itself, and no request reads another's row.
    /// - `idempotency_records.committed_at`: when a write transaction of the request holding the
    ///   reservation committed (``IdempotencyFence``), so a request whose node died before its
    ///   response was stored is not run again.
    static let scaleOut: [String] = [
        "ALTER TABLE jobs ADD COLUMN singleton BOOLEAN NOT NULL DEFAULT FALSE",
        "CREATE UNIQUE INDEX jobs_singleton_idx ON jobs (queue) WHERE singleton AND status IN ('pending', 'running')",
        """
        CREATE TABLE rate_limit_buckets (
            key text PRIMARY KEY,
            tat DOUBLE PRECISION NOT NULL
        )
        """,
        "CREATE INDEX rate_limit_buckets_tat_idx ON rate_limit_buckets (tat)",
        "ALTER TABLE idempotency_records ADD COLUMN committed_at TIMESTAMP",
    ]
}

extension PostgresSchema {
    /// Migration 19 on PostgreSQL: a column, an index and a global table, so no row-level
    /// security.
    static let scaleOutMigration = Migration(
        version: 19,
        name: "scale_out",
        statements: SharedSchema.scaleOut.map { SharedSchema.render($0, for: .postgres) }
    )
}

extension SQLiteSchema {
    /// Migration 19 on SQLite.
    static let scaleOutMigration = Migration(
        version: 19,
        name: "scale_out",
        statements: SharedSchema.scaleOut.map { SharedSchema.render($0, for: .sqlite) }
    )
}
