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

extension SharedSchema {
    /// Migration 12, `webhook_messages`: one row per event and subscribed endpoint
    /// (``WebhookMessage``), made by the fan-out from the outbox and deleted with its endpoint,
    /// unique per (tenant, endpoint, event) so a repeated fan-out makes none twice; each
    /// delivery attempt in `webhook_attempts`. A partial index finds the outbox's unconsumed
    /// events (decision 0019).
    static let webhookMessages: [String] = [
        """
        CREATE TABLE webhook_messages (
            tenant_id UUID NOT NULL,
            id UUID NOT NULL,
            endpoint_id UUID NOT NULL,
            event_id UUID NOT NULL,
            event_type text NOT NULL,
            body text NOT NULL,
            status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
            attempts integer NOT NULL,
            next_attempt_at TIMESTAMP,
            claimed_until TIMESTAMP,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
        )
        """,
        "CREATE UNIQUE INDEX webhook_messages_event_key ON webhook_messages (tenant_id, endpoint_id, event_id)",
        "CREATE INDEX webhook_messages_due_idx ON webhook_messages (next_attempt_at)",
        """
        CREATE TABLE webhook_attempts (
            tenant_id UUID NOT NULL,
            id UUID NOT NULL,
            message_id UUID NOT NULL,
            attempted_at TIMESTAMP NOT NULL,
            duration_ms integer NOT NULL,
            status_code integer,
            response_body text,
            error_kind text,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, message_id) REFERENCES webhook_messages (tenant_id, id) ON DELETE CASCADE
        )
        """,
        "CREATE INDEX webhook_attempts_message_idx ON webhook_attempts (tenant_id, message_id, attempted_at)",
        "CREATE INDEX domain_events_unconsumed_idx ON domain_events (occurred_at) WHERE consumed_at IS NULL",
    ]
}

extension PostgresSchema {
    /// Migration 12 on PostgreSQL: messages and attempts under row-level security.
    static let webhookMessagesMigration = Migration(
        version: 12,
        name: "webhook_messages",
        statements: SharedSchema.webhookMessages.map { SharedSchema.render($0, for: .postgres) }
            + tenantIsolation("webhook_messages") + tenantIsolation("webhook_attempts")
    )

    /// Migration 11 on PostgreSQL: the endpoints under row-level security.
    static let webhookEndpointsMigration = Migration(
        version: 11,
        name: "webhook_endpoints",
        statements: SharedSchema.webhookEndpoints.map { SharedSchema.render($0, for: .postgres) }
            + tenantIsolation("webhook_endpoints")
    )
}

extension SQLiteSchema {
    /// Migration 12 on SQLite.
    static let webhookMessagesMigration = Migration(
        version: 12,
        name: "webhook_messages",
        statements: SharedSchema.webhookMessages.map { SharedSchema.render($0, for: .sqlite) }
    )

    /// Migration 11 on SQLite.
    static let webhookEndpointsMigration = Migration(
        version: 11,
        name: "webhook_endpoints",
        statements: SharedSchema.webhookEndpoints.map { SharedSchema.render($0, for: .sqlite) }
    )
}

extension SharedSchema {
    /// Migration 13, `webhook_delivery`: the token of a message's current claim (the finishing
    /// write names it, so a worker whose claim expired cannot overwrite its successor's work),
    /// indexes for each endpoint's delivery log, for retention and for the claim of pending
    /// messages, and the seeded plans' retention of messages
    /// (`webhook_retention_days`: free 7, pro 30, enterprise 90) when an operator has not
    /// changed their allowances.
    static let webhookDelivery: [String] = [
        "ALTER TABLE webhook_messages ADD COLUMN claim_token UUID",
        "CREATE INDEX webhook_messages_endpoint_idx ON webhook_messages (tenant_id, endpoint_id, id)",
        "CREATE INDEX webhook_messages_created_idx ON webhook_messages (created_at)",
        // The claim reads pending messages in due order and stops at its limit, however many
        // settled messages are kept.
        "CREATE INDEX webhook_messages_pending_idx ON webhook_messages (next_attempt_at) WHERE status = 'pending'",
        #"UPDATE plans SET limits = '{"api_calls_per_month":100000,"api_keys":10,"audit_retention_days":30,"members":10,"requests_per_minute":600,"teams":10,"webhook_endpoints":3,"webhook_retention_days":7}' WHERE id = 'free' AND limits = '{"api_calls_per_month":100000,"api_keys":10,"audit_retention_days":30,"members":10,"requests_per_minute":600,"teams":10,"webhook_endpoints":3}'"#,
        #"UPDATE plans SET limits = '{"api_calls_per_month":5000000,"api_keys":100,"audit_retention_days":365,"members":100,"requests_per_minute":3000,"teams":100,"webhook_endpoints":25,"webhook_retention_days":30}' WHERE id = 'pro' AND limits = '{"api_calls_per_month":5000000,"api_keys":100,"audit_retention_days":365,"members":100,"requests_per_minute":3000,"teams":100,"webhook_endpoints":25}'"#,
        #"UPDATE plans SET limits = '{"audit_retention_days":2555,"requests_per_minute":20000,"webhook_retention_days":90}' WHERE id = 'enterprise' AND limits = '{"audit_retention_days":2555,"requests_per_minute":20000}'"#,
    ]
}

extension PostgresSchema {
    /// Migration 13 on PostgreSQL.
    static let webhookDeliveryMigration = Migration(
        version: 13,
        name: "webhook_delivery",
        statements: SharedSchema.webhookDelivery.map { SharedSchema.render($0, for: .postgres) }
    )
}

extension SQLiteSchema {
    /// Migration 13 on SQLite.
    static let webhookDeliveryMigration = Migration(
        version: 13,
        name: "webhook_delivery",
        statements: SharedSchema.webhookDelivery.map { SharedSchema.render($0, for: .sqlite) }
    )
}

extension SharedSchema {
    /// Migration 14, `webhook_sources`: each tenant's inbound webhook sources (``WebhookSource``)
    /// with their secrets sealed by the master key and counters of what arrived, and their
    /// verified deliveries in `webhook_receipts`, unique per (tenant, source, message id) so a
    /// duplicate is stored once.
    static let webhookSources: [String] = [
        """
        CREATE TABLE webhook_sources (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            name text NOT NULL,
            scheme text NOT NULL CHECK (scheme IN ('standard_webhooks', 'stripe', 'hmac_sha256', 'hmac_sha512')),
            signature_header text,
            signature_encoding text,
            id_header text,
            enabled BOOLEAN NOT NULL,
            secret text NOT NULL,
            previous_secret text,
            previous_secret_expires_at TIMESTAMP,
            received_total integer NOT NULL,
            rejected_total integer NOT NULL,
            last_received_at TIMESTAMP,
            last_rejected_at TIMESTAMP,
            last_rejection text,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, id)
        )
        """,
        """
        CREATE TABLE webhook_receipts (
            tenant_id UUID NOT NULL,
            id UUID NOT NULL,
            source_id UUID NOT NULL,
            message_id text NOT NULL,
            event_type text,
            body text NOT NULL,
            body_base64 BOOLEAN NOT NULL,
            received_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, id),
            FOREIGN KEY (tenant_id, source_id) REFERENCES webhook_sources (tenant_id, id) ON DELETE CASCADE
        )
        """,
        "CREATE UNIQUE INDEX webhook_receipts_message_key ON webhook_receipts (tenant_id, source_id, message_id)",
        "CREATE INDEX webhook_receipts_received_idx ON webhook_receipts (received_at)",
        "CREATE UNIQUE INDEX webhook_sources_id_key ON webhook_sources (id)",
    ]
}

extension PostgresSchema {
    /// Migration 14 on PostgreSQL: sources and receipts under row-level security.
    static let webhookSourcesMigration = Migration(
        version: 14,
        name: "webhook_sources",
        statements: SharedSchema.webhookSources.map { SharedSchema.render($0, for: .postgres) }
            + tenantIsolation("webhook_sources") + tenantIsolation("webhook_receipts")
    )
}

extension SQLiteSchema {
    /// Migration 14 on SQLite.
    static let webhookSourcesMigration = Migration(
        version: 14,
        name: "webhook_sources",
        statements: SharedSchema.webhookSources.map { SharedSchema.render($0, for: .sqlite) }
    )
}
