extension SharedSchema {
    /// Migration 20, `job_trace_context`: `jobs.trace_parent`, the W3C `traceparent` of the work
    /// that enqueued a job (with tracing on), so the job's span continues that trace
    /// (decision 0022). Numbered 20: 19 is `scale_out`, on another line of work.
    static let jobTracing: [String] = [
        "ALTER TABLE jobs ADD COLUMN trace_parent text"
    ]
}

extension PostgresSchema {
    /// Migration 20 on PostgreSQL: a column of a global table.
    static let jobTracingMigration = Migration(
        version: 20,
        name: "job_trace_context",
        statements: SharedSchema.jobTracing.map { SharedSchema.render($0, for: .postgres) }
    )
}

extension SQLiteSchema {
    /// Migration 20 on SQLite.
    static let jobTracingMigration = Migration(
        version: 20,
        name: "job_trace_context",
        statements: SharedSchema.jobTracing.map { SharedSchema.render($0, for: .sqlite) }
    )
}
