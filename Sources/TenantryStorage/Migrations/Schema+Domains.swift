extension SharedSchema {
    /// Migration 17, `verified_domains`: the email domains each tenant claims (``TenantDomain``:
    /// the TXT record's token, when it was found, the join policy, whether single sign-on is
    /// required), the requests to join that wait for an admin, and the global
    /// `verified_domains`, whose primary key lets one tenant at a time hold a verified domain
    /// and lets a sign-in find a domain's tenant without reading every tenant. Deleting a
    /// claim (or purging its tenant) removes its hold and its requests.
    static let verifiedDomains: [String] = [
        """
        CREATE TABLE tenant_domains (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            domain text NOT NULL,
            verification_token text NOT NULL,
            verified_at TIMESTAMP,
            last_checked_at TIMESTAMP,
            join_policy text NOT NULL CHECK (join_policy IN ('off', 'join', 'approval')),
            default_role text NOT NULL,
            sso_required BOOLEAN NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, domain)
        )
        """,
        """
        CREATE TABLE domain_join_requests (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            user_id UUID NOT NULL REFERENCES users (id),
            email text NOT NULL,
            domain_id UUID NOT NULL,
            role text NOT NULL,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, id),
            UNIQUE (tenant_id, user_id),
            FOREIGN KEY (tenant_id, domain_id) REFERENCES tenant_domains (tenant_id, id) ON DELETE CASCADE
        )
        """,
        """
        CREATE TABLE verified_domains (
            domain text PRIMARY KEY,
            context_tenant_id UUID NOT NULL,
            domain_id UUID NOT NULL,
            verified_at TIMESTAMP NOT NULL,
            FOREIGN KEY (context_tenant_id, domain_id) REFERENCES tenant_domains (tenant_id, id) ON DELETE CASCADE
        )
        """,
    ]
}

extension PostgresSchema {
    /// Migration 17 on PostgreSQL: the claims and join requests under row-level security.
    static let verifiedDomainsMigration = Migration(
        version: 17,
        name: "verified_domains",
        statements: SharedSchema.verifiedDomains.map { SharedSchema.render($0, for: .postgres) }
            + tenantIsolation("tenant_domains") + tenantIsolation("domain_join_requests")
    )
}

extension SQLiteSchema {
    /// Migration 17 on SQLite.
    static let verifiedDomainsMigration = Migration(
        version: 17,
        name: "verified_domains",
        statements: SharedSchema.verifiedDomains.map { SharedSchema.render($0, for: .sqlite) }
    )
}
