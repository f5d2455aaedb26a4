public import Foundation
import SQLKit
public import TenantryCore

/// Second factors, recovery codes, sign-in challenges and sessions' fresh authentications
/// (global tables; see ``MultiFactorRepository``).
public struct SQLMultiFactorRepository: MultiFactorRepository {
    let sql: any SQLDatabase

    public func find(userID: UserID) async throws -> UserMFA? {
        guard
            let row = try await sql.raw(
                """
                SELECT user_id, secret, enabled_at, pending_secret, pending_since, last_used_step
                FROM user_mfa WHERE user_id = \(bind: userID.rawValue)
                """
            ).first()
        else { return nil }
        return UserMFA(
            userID: try row.identifier("user_id"),
            sealedSecret: try row.decode(column: "secret", as: String?.self),
            enabledAt: try row.decode(column: "enabled_at", as: Date?.self),
            sealedPendingSecret: try row.decode(column: "pending_secret", as: String?.self),
            pendingSince: try row.decode(column: "pending_since", as: Date?.self),
            lastUsedStep: try row.decode(column: "last_used_step", as: Int64.self))
    }

    public func setPending(userID: UserID, sealedSecret: String, at: Date) async throws {
        try await sql.raw(
            """
            INSERT INTO user_mfa (user_id, secret, enabled_at, pending_secret, pending_since, last_used_step)
            VALUES (\(bind: userID.rawValue), NULL, NULL, \(bind: sealedSecret), \(bind: at), 0)
            ON CONFLICT (user_id) DO UPDATE SET pending_secret = excluded.pending_secret, pending_since = excluded.pending_since
            """
        ).run()
    }

    public func confirmPending(userID: UserID, sealedSecret: String, step: Int64, at: Date) async throws -> Bool {
        try await !sql.raw(
            """
            UPDATE user_mfa SET secret = pending_secret, enabled_at = \(bind: at), pending_secret = NULL,
                pending_since = NULL, last_used_step = \(bind: step)
            WHERE user_id = \(bind: userID.rawValue) AND pending_secret = \(bind: sealedSecret)
            RETURNING user_id
            """
        ).all().isEmpty
    }

    public func remove(userID: UserID) async throws {
        try await sql.raw("DELETE FROM recovery_codes WHERE user_id = \(bind: userID.rawValue)").run()
        try await sql.raw("DELETE FROM user_mfa WHERE user_id = \(bind: userID.rawValue)").run()
    }

    public func useStep(userID: UserID, step: Int64) async throws -> Bool {
        try await !sql.raw(
            """
            UPDATE user_mfa SET last_used_step = \(bind: step)
            WHERE user_id = \(bind: userID.rawValue) AND last_used_step < \(bind: step)
            RETURNING user_id
            """
        ).all().isEmpty
    }

    public func replaceRecoveryCodes(userID: UserID, hashes: [String], at: Date) async throws {
        try await sql.raw("DELETE FROM recovery_codes WHERE user_id = \(bind: userID.rawValue)").run()
        for hash in hashes {
            try await sql.raw(
                """
                INSERT INTO recovery_codes (user_id, code_hash, created_at, used_at)
                VALUES (\(bind: userID.rawValue), \(bind: hash), \(bind: at), NULL)
                """
            ).run()
        }
    }

    public func useRecoveryCode(userID: UserID, hash: String, at: Date) async throws -> Bool {
        try await !sql.raw(
            """
            UPDATE recovery_codes SET used_at = \(bind: at)
            WHERE user_id = \(bind: userID.rawValue) AND code_hash = \(bind: hash) AND used_at IS NULL
            RETURNING user_id
            """
        ).all().isEmpty
    }

    public func remainingRecoveryCodes(userID: UserID) async throws -> Int {
        try await sql.raw(
            "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = \(bind: userID.rawValue) AND used_at IS NULL"
        ).first(decodingColumn: "n", as: Int.self) ?? 0
    }

    public func addChallenge(hash: String, challenge: MFAChallenge, at: Date) async throws {
        // Expired challenges go as new ones come, so the table stays small.
        try await sql.raw("DELETE FROM mfa_challenges WHERE expires_at < \(bind: at)").run()
        try await sql.raw(
            """
            INSERT INTO mfa_challenges (token_hash, user_id, context_tenant_id, purpose, failures, created_at, expires_at,
                consumed_at)
            VALUES (\(bind: hash), \(bind: challenge.userID.rawValue), \(bind: challenge.tenantID?.rawValue),
                \(bind: challenge.purpose.rawValue), 0, \(bind: at), \(bind: challenge.expiresAt), NULL)
            """
        ).run()
    }

    public func challenge(hash: String, now: Date) async throws -> MFAChallenge? {
        guard
            let row = try await sql.raw(
                """
                SELECT user_id, context_tenant_id, purpose, failures, expires_at FROM mfa_challenges
                WHERE token_hash = \(bind: hash) AND consumed_at IS NULL AND expires_at > \(bind: now)
                """
            ).first()
        else { return nil }
        return MFAChallenge(
            userID: try row.identifier("user_id"),
            tenantID: try row.decode(column: "context_tenant_id", as: UUID?.self).map(TenantID.init),
            purpose: try row.enumeration("purpose", as: MFAChallengePurpose.self),
            expiresAt: try row.decode(column: "expires_at", as: Date.self),
            failures: try row.decode(column: "failures", as: Int.self))
    }

    public func failChallenge(hash: String) async throws -> Int {
        try await sql.raw(
            "UPDATE mfa_challenges SET failures = failures + 1 WHERE token_hash = \(bind: hash) RETURNING failures"
        ).first(decodingColumn: "failures", as: Int.self) ?? 0
    }

    public func consumeChallenge(hash: String, at: Date) async throws -> Bool {
        try await !sql.raw(
            """
            UPDATE mfa_challenges SET consumed_at = \(bind: at)
            WHERE token_hash = \(bind: hash) AND consumed_at IS NULL RETURNING token_hash
            """
        ).all().isEmpty
    }

    public func lastAuthentication(sessionID: SessionID) async throws -> Date? {
        guard
            let row = try await sql.raw(
                "SELECT authenticated_at, created_at FROM sessions WHERE id = \(bind: sessionID.rawValue)"
            ).first()
        else { return nil }
        return try row.decode(column: "authenticated_at", as: Date?.self) ?? row.decode(column: "created_at", as: Date.self)
    }

    public func markAuthenticated(sessionID: SessionID, at: Date) async throws {
        try await sql.raw("UPDATE sessions SET authenticated_at = \(bind: at) WHERE id = \(bind: sessionID.rawValue)").run()
    }
}
