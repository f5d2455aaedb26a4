public import Foundation
import SQLKit
public import TenantryCore

/// Single-use tokens sent by email (verification, password reset); stored as SHA-256.
public struct SQLUserTokenRepository: UserTokenRepository {
    let sql: any SQLDatabase

    /// Stores a new token.
    public func add(
        hash: String, userID: UserID, purpose: UserTokenPurpose, contextTenantID: TenantID?, now: Date, expiresAt: Date
    )
        async throws
    {
        try await sql.raw(
            """
            INSERT INTO user_tokens (token_hash, user_id, purpose, context_tenant_id, created_at, expires_at, used_at)
            VALUES (\(bind: hash), \(bind: userID.rawValue), \(bind: purpose.rawValue), \(bind: contextTenantID?.rawValue),
                    \(bind: now), \(bind: expiresAt), NULL)
            """
        ).run()
    }

    /// Marks an unused, unexpired token of `purpose` used and returns it; `nil` when there is no
    /// such token (unknown, used, expired or for another purpose). Single use is enforced by the
    /// conditional update, also under concurrent attempts.
    public func consume(hash: String, purpose: UserTokenPurpose, now: Date) async throws -> UserTokenRecord? {
        let rows = try await sql.raw(
            """
            UPDATE user_tokens SET used_at = \(bind: now)
            WHERE token_hash = \(bind: hash) AND purpose = \(bind: purpose.rawValue)
              AND used_at IS NULL AND expires_at > \(bind: now)
            RETURNING user_id, purpose, context_tenant_id, expires_at, used_at
            """
        ).all()
        guard let row = rows.first else { return nil }
        return UserTokenRecord(
            userID: try row.identifier("user_id"),
            purpose: purpose,
            contextTenantID: try row.decode(column: "context_tenant_id", as: UUID?.self).map(TenantID.init),
            expiresAt: try row.decode(column: "expires_at", as: Date.self),
            usedAt: try row.decode(column: "used_at", as: Date?.self)
        )
    }

    /// Invalidates a user's outstanding tokens of `purpose` (e.g. after a successful reset).
    public func invalidateAll(userID: UserID, purpose: UserTokenPurpose, now: Date) async throws {
        try await sql.raw(
            """
            UPDATE user_tokens SET used_at = \(bind: now)
            WHERE user_id = \(bind: userID.rawValue) AND purpose = \(bind: purpose.rawValue) AND used_at IS NULL
            """
        ).run()
    }
}
