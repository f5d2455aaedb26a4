extension SharedSchema {
    /// Migration 18, `social_sign_in`: the platform's social sign-in connections
    /// (``SocialConnection``, one per provider, the client secret sealed by the master key), and
    /// the global tables of the sign-ins through them: flows waiting for the provider's answer
    /// (`social_flows`, by the hash of their state) and the one-time codes that hand over an
    /// account or a verified address to sign up with (`social_grants`). All are global: no
    /// tenant is known until the person is.
    static let socialSignIn: [String] = [
        """
        CREATE TABLE social_connections (
            id UUID PRIMARY KEY,
            provider text NOT NULL UNIQUE CHECK (provider IN ('google', 'microsoft')),
            issuer text NOT NULL,
            client_id text NOT NULL,
            client_secret text,
            enabled BOOLEAN NOT NULL,
            allowed_domains text NOT NULL,
            return_urls text NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )
        """,
        """
        CREATE TABLE social_flows (
            state_hash text PRIMARY KEY,
            connection_id UUID NOT NULL,
            intent text NOT NULL CHECK (intent IN ('sign_in', 'sign_up')),
            nonce text NOT NULL,
            code_verifier text NOT NULL,
            return_url text NOT NULL,
            client_state text,
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            taken_at TIMESTAMP
        )
        """,
        "CREATE INDEX social_flows_expires_idx ON social_flows (expires_at)",
        """
        CREATE TABLE social_grants (
            code_hash text PRIMARY KEY,
            connection_id UUID NOT NULL,
            intent text NOT NULL CHECK (intent IN ('sign_in', 'sign_up')),
            user_id UUID REFERENCES users (id),
            email text NOT NULL,
            name text,
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            taken_at TIMESTAMP
        )
        """,
        "CREATE INDEX social_grants_expires_idx ON social_grants (expires_at)",
    ]
}

extension PostgresSchema {
    /// Migration 18 on PostgreSQL: global tables only, so no row-level security.
    static let socialSignInMigration = Migration(
        version: 18,
        name: "social_sign_in",
        statements: SharedSchema.socialSignIn.map { SharedSchema.render($0, for: .postgres) }
    )
}

extension SQLiteSchema {
    /// Migration 18 on SQLite.
    static let socialSignInMigration = Migration(
        version: 18,
        name: "social_sign_in",
        statements: SharedSchema.socialSignIn.map { SharedSchema.render($0, for: .sqlite) }
    )
}
