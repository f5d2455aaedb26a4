/// The one list of what a tenant owns, table by table, in the order an import writes them
/// (every table after the tables it references). Exports, imports, restores and backups all
/// read it; a storage test compares it with the schema, so a new tenant-scoped table or column
/// that is not listed here fails the build's tests. docs/export.md explains each table.
public enum TenantDataCatalogue {
    /// The schema version the catalogue describes (the latest migration): archives record it,
    /// and an import refuses archives of a newer schema.
    public static let schemaVersion = 27

    /// The tenant's own row.
    public static let tenant = TenantDataTable(
        "tenants", selection: .tenantRow, key: ["id"],
        columns: [
            .init("id", .uuid, .tenant), .init("slug", .text), .init("name", .text), .init("status", .text),
            .init("created_at", .timestamp), .init("updated_at", .timestamp), .init("plan_id", .text),
            .init("overrides", .text), .init("branding", .text), .init("settings", .text),
            .init("status_reason", .text), .init("purge_after", .timestamp),
        ]
    )

    /// The global identities the tenant's rows name (members, creators of keys, inviters, …).
    /// Password hashes stay behind: an imported user with no account in the target instance
    /// signs in after resetting the password, or through single sign-on.
    public static let users = TenantDataTable(
        "users", selection: .referencedUsers, key: ["id"],
        omitted: ["password_hash": "a password hash is a credential of the instance it was set in"],
        columns: [
            .init("id", .uuid, .user), .init("email", .text), .init("name", .text), .init("created_at", .timestamp),
            .init("updated_at", .timestamp), .init("email_verified_at", .timestamp), .init("locale", .text),
            .init("status", .text), .init("erased_at", .timestamp),
        ]
    )

    /// Every tenant-scoped table (those with a `tenant_id` column), in dependency order.
    public static let tenantTables: [TenantDataTable] = [
        TenantDataTable(
            "roles", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("name", .text),
                .init("name_key", .text), .init("description", .text), .init("base_role", .text),
                .init("permissions", .text), .init("created_at", .timestamp), .init("updated_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "memberships", key: ["user_id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("user_id", .uuid, .user), .init("role", .text),
                .init("created_at", .timestamp), .init("updated_at", .timestamp), .init("status", .text),
                .init("role_id", .uuid, .owned),
            ]
        ),
        TenantDataTable(
            "teams", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("name", .text),
                .init("name_key", .text), .init("description", .text), .init("created_at", .timestamp),
                .init("updated_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "team_members", key: ["team_id", "user_id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("team_id", .uuid, .owned), .init("user_id", .uuid, .user),
                .init("created_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "api_keys", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("name", .text),
                .init("prefix", .text), .init("last_four", .text), .init("scopes", .text),
                .init("resource_type", .text), .init("resource_id", .text), .init("created_by", .uuid, .user),
                .init("created_at", .timestamp), .init("updated_at", .timestamp), .init("expires_at", .timestamp),
                .init("revoked_at", .timestamp), .init("last_used_at", .timestamp),
                .init("rate_limit_per_minute", .integer),
            ]
        ),
        TenantDataTable(
            "api_key_secrets", key: ["secret_hash"], copiedToNewTenant: false,
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("secret_hash", .text), .init("key_id", .uuid, .owned),
                .init("created_at", .timestamp), .init("expires_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "invitations", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("email", .text),
                .init("role", .text), .init("token_hash", .text, .credentialHash), .init("invited_by", .uuid, .user),
                .init("created_at", .timestamp), .init("expires_at", .timestamp), .init("last_sent_at", .timestamp),
                .init("accepted_at", .timestamp), .init("accepted_by", .uuid, .user), .init("revoked_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "audit_chain_heads", key: [],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("last_sequence", .integer, .chain),
                .init("last_hash", .text, .chain), .init("anchor_sequence", .integer),
                .init("anchor_hash", .text), .init("purged_at", .timestamp), .init("updated_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "audit_events", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("occurred_at", .timestamp),
                .init("actor_type", .text), .init("actor_id", .text), .init("action", .text),
                .init("target_type", .text), .init("target_id", .text), .init("ip", .text),
                .init("user_agent", .text), .init("request_id", .text), .init("changes", .text),
                .init("sequence", .integer, .chain), .init("previous_hash", .text, .chain),
                .init("hash", .text, .chain), .init("chain_version", .integer),
                .init("personal_salt", .text), .init("ip_digest", .text), .init("user_agent_digest", .text),
                .init("changes_digest", .text), .init("redacted_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "domain_events", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("type", .text),
                .init("version", .integer), .init("occurred_at", .timestamp), .init("payload", .text),
                .init("consumed_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "usage_daily", key: ["day"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("day", .text), .init("api_requests", .integer),
                .init("sign_ins", .integer), .init("emails_sent", .integer),
            ]
        ),
        TenantDataTable(
            "usage_active_users", key: ["day", "user_id"],
            columns: [.init("tenant_id", .uuid, .tenant), .init("day", .text), .init("user_id", .uuid, .user)]
        ),
        // A Stripe customer belongs to one tenant (its id is unique across tenants): a copy
        // starts without billing, and subscribes on its own.
        TenantDataTable(
            "billing_accounts", key: ["tenant_id"], copiedToNewTenant: false,
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("customer_id", .text), .init("subscription_id", .text),
                .init("status", .text), .init("item_id", .text), .init("price_id", .text),
                .init("amount", .integer), .init("currency", .text), .init("billing_interval", .text),
                .init("interval_count", .integer), .init("current_period_end", .timestamp),
                .init("cancel_at_period_end", .boolean), .init("canceled_at", .timestamp),
                .init("subscription_created_at", .timestamp), .init("plan_id", .text), .init("granted_plan_id", .text),
                .init("state_at", .timestamp), .init("past_due_since", .timestamp), .init("created_at", .timestamp),
                .init("updated_at", .timestamp), .init("subscribing_until", .timestamp),
            ]
        ),
        TenantDataTable(
            "billing_events", key: ["event_id"], copiedToNewTenant: false,
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("event_id", .text), .init("type", .text),
                .init("created_at", .timestamp), .init("processed_at", .timestamp),
            ]
        ),
        // The tenant's earlier exports, with who asked for them: a copy starts without (their
        // archives stay with the instance that wrote them).
        TenantDataTable(
            "data_exports", key: ["id"], copiedToNewTenant: false,
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("channel", .text),
                .init("requested_by_type", .text), .init("requested_by_id", .text), .init("status", .text),
                .init("part", .text), .init("rows_done", .integer), .init("rows_total", .integer), .init("file", .text),
                .init("size_bytes", .integer), .init("sha256", .text), .init("failure", .text),
                .init("created_at", .timestamp), .init("started_at", .timestamp), .init("finished_at", .timestamp),
                .init("expires_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "webhook_endpoints", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("url", .text),
                .init("description", .text), .init("event_types", .text), .init("enabled", .boolean),
                .init("disabled_reason", .text), .init("rate_limit_per_minute", .integer),
                .init("failing_since", .timestamp), .init("secret", .text), .init("previous_secret", .text),
                .init("previous_secret_expires_at", .timestamp), .init("created_at", .timestamp),
                .init("updated_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "webhook_messages", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("endpoint_id", .uuid, .owned),
                .init("event_id", .uuid, .owned), .init("event_type", .text), .init("body", .text),
                .init("status", .text), .init("attempts", .integer), .init("next_attempt_at", .timestamp),
                .init("claimed_until", .timestamp), .init("created_at", .timestamp), .init("claim_token", .uuid),
            ]
        ),
        TenantDataTable(
            "webhook_attempts", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("message_id", .uuid, .owned),
                .init("attempted_at", .timestamp), .init("duration_ms", .integer), .init("status_code", .integer),
                .init("response_body", .text), .init("error_kind", .text),
            ]
        ),
        TenantDataTable(
            "webhook_sources", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("name", .text),
                .init("scheme", .text), .init("signature_header", .text), .init("signature_encoding", .text),
                .init("id_header", .text), .init("enabled", .boolean), .init("secret", .text),
                .init("previous_secret", .text), .init("previous_secret_expires_at", .timestamp),
                .init("received_total", .integer), .init("rejected_total", .integer),
                .init("last_received_at", .timestamp), .init("last_rejected_at", .timestamp),
                .init("last_rejection", .text), .init("created_at", .timestamp), .init("updated_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "webhook_receipts", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("source_id", .uuid, .owned),
                .init("message_id", .text), .init("event_type", .text), .init("body", .text),
                .init("body_base64", .boolean), .init("received_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "sso_connections", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("name", .text),
                .init("protocol", .text), .init("enabled", .boolean), .init("domains", .text),
                .init("default_role", .text), .init("return_url", .text), .init("settings", .text),
                .init("client_secret", .text), .init("created_at", .timestamp), .init("updated_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "tenant_domains", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("domain", .text),
                .init("verification_token", .text), .init("verified_at", .timestamp, .verification),
                .init("last_checked_at", .timestamp), .init("join_policy", .text), .init("default_role", .text),
                .init("sso_required", .boolean), .init("created_at", .timestamp), .init("updated_at", .timestamp),
            ]
        ),
        TenantDataTable(
            "domain_join_requests", key: ["id"],
            columns: [
                .init("tenant_id", .uuid, .tenant), .init("id", .uuid, .owned), .init("user_id", .uuid, .user),
                .init("email", .text), .init("domain_id", .uuid, .owned), .init("role", .text),
                .init("created_at", .timestamp),
            ]
        ),
    ]

    /// Every part of an archive, in the order an import writes them.
    public static let parts: [TenantDataTable] = [tenant, users] + tenantTables

    /// The part with this name.
    public static func part(named name: String) -> TenantDataTable? {
        parts.first { $0.name == name }
    }
}
