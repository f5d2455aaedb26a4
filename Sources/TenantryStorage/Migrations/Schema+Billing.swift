extension SharedSchema {
    /// Migration 21, `billing`: each plan's Stripe price (or legacy plan) id; each tenant's
    /// billing account (its Stripe customer and the subscription state last applied, with the
    /// Stripe time of that state); and the Stripe events each tenant has processed, so an
    /// event is processed once (docs/billing.md, decision 0024).
    static let billing: [String] = [
        "ALTER TABLE plans ADD COLUMN stripe_price_id text",
        """
        CREATE TABLE billing_accounts (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            customer_id text NOT NULL,
            subscription_id text,
            status text,
            item_id text,
            price_id text,
            amount integer,
            currency text,
            billing_interval text,
            interval_count integer NOT NULL,
            current_period_end TIMESTAMP,
            cancel_at_period_end BOOLEAN NOT NULL,
            canceled_at TIMESTAMP,
            subscription_created_at TIMESTAMP,
            plan_id text,
            granted_plan_id text,
            state_at TIMESTAMP,
            past_due_since TIMESTAMP,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id)
        )
        """,
        "CREATE UNIQUE INDEX billing_accounts_customer_key ON billing_accounts (customer_id)",
        """
        CREATE TABLE billing_events (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            event_id text NOT NULL,
            type text NOT NULL,
            created_at TIMESTAMP NOT NULL,
            processed_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, event_id)
        )
        """,
    ]
}

extension PostgresSchema {
    /// Migration 21 on PostgreSQL: both new tables are tenant-scoped, with row-level security.
    static let billingMigration = Migration(
        version: 21,
        name: "billing",
        statements: SharedSchema.billing.map { SharedSchema.render($0, for: .postgres) }
            + tenantIsolation("billing_accounts") + tenantIsolation("billing_events")
    )
}

extension SQLiteSchema {
    /// Migration 21 on SQLite.
    static let billingMigration = Migration(
        version: 21,
        name: "billing",
        statements: SharedSchema.billing.map { SharedSchema.render($0, for: .sqlite) }
    )
}

extension SharedSchema {
    /// Migration 27, `subscription_start_claim`: `billing_accounts.subscribing_until`, the claim
    /// a subscription's start holds while it calls Stripe, so two concurrent starts (on any
    /// nodes) cannot both create a subscription.
    static let subscriptionStartClaim: [String] = [
        "ALTER TABLE billing_accounts ADD COLUMN subscribing_until TIMESTAMP"
    ]
}

extension PostgresSchema {
    /// Migration 27 on PostgreSQL.
    static let subscriptionStartClaimMigration = Migration(
        version: 27,
        name: "subscription_start_claim",
        statements: SharedSchema.subscriptionStartClaim.map { SharedSchema.render($0, for: .postgres) }
    )
}

extension SQLiteSchema {
    /// Migration 27 on SQLite.
    static let subscriptionStartClaimMigration = Migration(
        version: 27,
        name: "subscription_start_claim",
        statements: SharedSchema.subscriptionStartClaim.map { SharedSchema.render($0, for: .sqlite) }
    )
}
