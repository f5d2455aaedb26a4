extension SharedSchema {
    /// Migration 15, `multi_factor`: each user's second factor (``UserMFA``: the TOTP secret
    /// sealed by the master key, the one being enrolled, the last time step used), their
    /// recovery codes as SHA-256, the sign-in challenges between the password and the second
    /// step, and each session's last fresh authentication (`NULL`: its creation, a sign-in).
    static let multiFactor: [String] = [
        """
        CREATE TABLE user_mfa (
            user_id UUID PRIMARY KEY REFERENCES users (id),
            secret text,
            enabled_at TIMESTAMP,
            pending_secret text,
            pending_since TIMESTAMP,
            last_used_step bigint NOT NULL
        )
        """,
        """
        CREATE TABLE recovery_codes (
            user_id UUID NOT NULL REFERENCES users (id),
            code_hash text NOT NULL,
            created_at TIMESTAMP NOT NULL,
            used_at TIMESTAMP,
            PRIMARY KEY (user_id, code_hash)
        )
        """,
        """
        CREATE TABLE mfa_challenges (
            token_hash text PRIMARY KEY,
            user_id UUID NOT NULL REFERENCES users (id),
            context_tenant_id UUID,
            purpose text NOT NULL CHECK (purpose IN ('verify', 'enrol')),
            failures integer NOT NULL,
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            consumed_at TIMESTAMP
        )
        """,
        "CREATE INDEX mfa_challenges_expires_idx ON mfa_challenges (expires_at)",
        "ALTER TABLE sessions ADD COLUMN authenticated_at TIMESTAMP",
    ]
}

extension PostgresSchema {
    /// Migration 15 on PostgreSQL (global tables: no row-level security).
    static let multiFactorMigration = Migration(
        version: 15,
        name: "multi_factor",
        statements: SharedSchema.multiFactor.map { SharedSchema.render($0, for: .postgres) }
    )
}

extension SQLiteSchema {
    /// Migration 15 on SQLite.
    static let multiFactorMigration = Migration(
        version: 15,
        name: "multi_factor",
        statements: SharedSchema.multiFactor.map { SharedSchema.render($0, for: .sqlite) }
    )
}
