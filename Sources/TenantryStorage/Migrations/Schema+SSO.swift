extension SharedSchema {
    /// Migration 16, `single_sign_on`: each tenant's SSO connections (``SSOConnection``; the
    /// protocol's settings as JSON, an OpenID client secret sealed by the master key), and the
    /// global tables of the sign-ins through them: flows waiting for the provider's answer
    /// (`sso_flows`, by the hash of their state), the one-time codes that hand over the tokens
    /// (`sso_grants`), and the SAML assertion ids already used (`saml_assertions_used`). The
    /// seeded plans, when an operator has not changed their modules, get the `sso` module.
    static let singleSignOn: [String] = [
        """
        CREATE TABLE sso_connections (
            tenant_id UUID NOT NULL REFERENCES tenants (id),
            id UUID NOT NULL,
            name text NOT NULL,
            protocol text NOT NULL CHECK (protocol IN ('oidc', 'saml')),
            enabled BOOLEAN NOT NULL,
            domains text NOT NULL,
            default_role text NOT NULL,
            return_url text NOT NULL,
            settings text NOT NULL,
            client_secret text,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            PRIMARY KEY (tenant_id, id)
        )
        """,
        """
        CREATE TABLE sso_flows (
            state_hash text PRIMARY KEY,
            context_tenant_id UUID NOT NULL,
            connection_id UUID NOT NULL,
            nonce text,
            code_verifier text,
            saml_request_id text,
            client_state text,
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            taken_at TIMESTAMP
        )
        """,
        "CREATE INDEX sso_flows_expires_idx ON sso_flows (expires_at)",
        """
        CREATE TABLE sso_grants (
            code_hash text PRIMARY KEY,
            user_id UUID NOT NULL REFERENCES users (id),
            context_tenant_id UUID NOT NULL,
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            taken_at TIMESTAMP
        )
        """,
        "CREATE INDEX sso_grants_expires_idx ON sso_grants (expires_at)",
        """
        CREATE TABLE saml_assertions_used (
            connection_id UUID NOT NULL,
            assertion_id text NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            PRIMARY KEY (connection_id, assertion_id)
        )
        """,
        """
        UPDATE plans SET modules = '["api_keys","core","sso","teams","webhooks"]'
        WHERE id IN ('free', 'pro', 'enterprise') AND modules = '["api_keys","core","teams","webhooks"]'
        """,
    ]
}

extension PostgresSchema {
    /// Migration 16 on PostgreSQL: the connections under row-level security.
    static let singleSignOnMigration = Migration(
        version: 16,
        name: "single_sign_on",
        statements: SharedSchema.singleSignOn.map { SharedSchema.render($0, for: .postgres) }
            + tenantIsolation("sso_connections")
    )
}

extension SQLiteSchema {
    /// Migration 16 on SQLite.
    static let singleSignOnMigration = Migration(
        version: 16,
        name: "single_sign_on",
        statements: SharedSchema.singleSignOn.map { SharedSchema.render($0, for: .sqlite) }
    )
}

extension SharedSchema {
    /// Migration 25, `console_sign_in`: a single sign-on flow started by the tenant console lands
    /// on the console's own page (`console_return`) instead of the connection's return URL.
    static let consoleSignIn: [String] = [
        "ALTER TABLE sso_flows ADD COLUMN console_return text"
    ]
}

extension PostgresSchema {
    /// Migration 25 on PostgreSQL.
    static let consoleSignInMigration = Migration(
        version: 25,
        name: "console_sign_in",
        statements: SharedSchema.consoleSignIn.map { SharedSchema.render($0, for: .postgres) }
    )
}

extension SQLiteSchema {
    /// Migration 25 on SQLite.
    static let consoleSignInMigration = Migration(
        version: 25,
        name: "console_sign_in",
        statements: SharedSchema.consoleSignIn.map { SharedSchema.render($0, for: .sqlite) }
    )
}
