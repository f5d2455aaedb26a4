extension SharedSchema {
    /// Migration 10, `domain_events`: each tenant's outbox of recorded changes
    /// (``DomainEvent``). A row is written in the transaction of the change it records;
    /// `consumed_at` says when every consumer had handled it, after which it may be pruned.
    static let domainEvents: [String] = [
        """
        CREATE TABLE domain_events (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            type text NOT NULL,
            version integer NOT NULL,
            occurred_at TIMESTAMP NOT NULL,
            payload text NOT NULL,
            consumed_at TIMESTAMP,
            PRIMARY KEY (tenant_id, id)
        )
        """,
        "CREATE INDEX domain_events_occurred_idx ON domain_events (tenant_id, occurred_at)",
        "CREATE INDEX domain_events_consumed_idx ON domain_events (consumed_at)",
    ]
}

extension PostgresSchema {
    /// Migration 10 on PostgreSQL: the outbox under row-level security.
    static let domainEventsMigration = Migration(
        version: 10,
        name: "domain_events",
        statements: SharedSchema.domainEvents.map { SharedSchema.render($0, for: .postgres) }
            + tenantIsolation("domain_events")
    )
}

extension SQLiteSchema {
    /// Migration 10 on SQLite.
    static let domainEventsMigration = Migration(
        version: 10,
        name: "domain_events",
        statements: SharedSchema.domainEvents.map { SharedSchema.render($0, for: .sqlite) }
    )
}
