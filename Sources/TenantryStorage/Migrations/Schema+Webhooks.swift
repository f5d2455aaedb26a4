extension SharedSchema {
    /// Migration 11, `webhook_endpoints`: each tenant's outbound webhook endpoints
    /// (``WebhookEndpoint``), with the signing secrets sealed by the master key (the current
    /// one and, during a rotation, the previous one until it expires). The seeded plans, when
    /// an operator has not changed their modules, get the new `webhooks` module.
    static let webhookEndpoints: [String] = [
        """
        CREATE TABLE webhook_endpoints (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            url text NOT NULL,
            description text,
            event_types text NOT NULL,
            enabled BOOLEAN NOT NULL,
            disabled_reason text,
            rate_limit_per_minute integer,
            failing_since TIMESTAMP,
            secret text NOT NULL,
            previous_secret text,
            previous_secret_expires_at TIMESTAMP,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, id)
        )
        """,
        """
        UPDATE plans SET modules = '["api_keys","core","teams","webhooks"]'
        WHERE id IN ('free', 'pro', 'enterprise') AND modules = '["api_keys","core","teams"]'
        """,
    ]
}

extension PostgresSchema {
    /// Migration 11 on PostgreSQL: the endpoints under row-level security.
    static let webhookEndpointsMigration = Migration(
        version: 11,
        name: "webhook_endpoints",
        statements: SharedSchema.webhookEndpoints.map { SharedSchema.render($0, for: .postgres) }
            + tenantIsolation("webhook_endpoints")
    )
}

extension SQLiteSchema {
    /// Migration 11 on SQLite.
    static let webhookEndpointsMigration = Migration(
        version: 11,
        name: "webhook_endpoints",
        statements: SharedSchema.webhookEndpoints.map { SharedSchema.render($0, for: .sqlite) }
    )
}
