public import Foundation
import SQLKit
public import TenantryCore

/// Sessions and their refresh tokens (global tables: a session belongs to a user).
public struct SQLSessionRepository: SessionRepository {
    let sql: any SQLDatabase

    private static let columns = """
        id, user_id, active_tenant_id, created_at, last_seen_at, expires_at, idle_expires_at,
        revoked_at, revoked_reason, ip, user_agent
        """

    /// Stores a new session.
    public func create(_ session: Session) async throws {
        try await sql.raw(
            """
            INSERT INTO sessions (\(unsafeRaw: Self.columns))
            VALUES (\(bind: session.id.rawValue), \(bind: session.userID.rawValue), \(bind: session.activeTenantID?.rawValue),
                    \(bind: session.createdAt), \(bind: session.lastSeenAt), \(bind: session.expiresAt),
                    \(bind: session.idleExpiresAt), \(bind: session.revokedAt), \(bind: session.revokedReason),
                    \(bind: session.ip), \(bind: session.userAgent))
            """
        ).run()
    }

    /// The session with this id, if any.
    public func find(id: SessionID) async throws -> Session? {
        try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM sessions WHERE id = \(bind: id.rawValue)")
            .first().map(Self.decode)
    }

    /// A user's sessions that are still active at `now`, newest first.
    public func active(userID: UserID, at now: Date) async throws -> [Session] {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM sessions
            WHERE user_id = \(bind: userID.rawValue) AND revoked_at IS NULL
              AND expires_at > \(bind: now) AND idle_expires_at > \(bind: now)
            ORDER BY created_at DESC
            """
        ).all().map(Self.decode)
    }

    /// Records use of a session and moves its idle deadline.
    public func touch(id: SessionID, at now: Date, idleExpiresAt: Date) async throws {
        try await sql.raw(
            """
            UPDATE sessions SET last_seen_at = \(bind: now), idle_expires_at = \(bind: idleExpiresAt)
            WHERE id = \(bind: id.rawValue)
            """
        ).run()
    }

    /// Points a session at another tenant (switch tenant).
    public func setActiveTenant(_ tenantID: TenantID?, of id: SessionID) async throws {
        try await sql.raw(
            "UPDATE sessions SET active_tenant_id = \(bind: tenantID?.rawValue) WHERE id = \(bind: id.rawValue)"
        ).run()
    }

    /// The channel on which PostgreSQL announces revoked sessions (payload: the session id),
    /// delivered to every listening node when the revoking transaction commits.
    public static let revocationChannel = NoticeChannel.sessionRevoked.rawValue

    /// Revokes one session (if not already); returns whether it was active before.
    @discardableResult
    public func revoke(id: SessionID, reason: String, at now: Date) async throws -> Bool {
        let rows = try await sql.raw(
            """
            UPDATE sessions SET revoked_at = \(bind: now), revoked_reason = \(bind: reason)
            WHERE id = \(bind: id.rawValue) AND revoked_at IS NULL RETURNING id
            """
        ).all()
        if !rows.isEmpty { try await announceRevocation([id]) }
        return !rows.isEmpty
    }

    private func announceRevocation(_ ids: [SessionID]) async throws {
        for id in ids { try await ChangeNotice.sessionRevoked(id).announce(on: sql) }
    }

    /// Revokes every active session of a user, except `keeping`; returns the revoked ids.
    public func revokeAll(userID: UserID, except keeping: SessionID? = nil, reason: String, at now: Date) async throws
        -> [SessionID]
    {
        let rows: [any SQLRow]
        if let keeping {
            rows = try await sql.raw(
                """
                UPDATE sessions SET revoked_at = \(bind: now), revoked_reason = \(bind: reason)
                WHERE user_id = \(bind: userID.rawValue) AND revoked_at IS NULL AND id <> \(bind: keeping.rawValue)
                RETURNING id
                """
            ).all()
        } else {
            rows = try await sql.raw(
                """
                UPDATE sessions SET revoked_at = \(bind: now), revoked_reason = \(bind: reason)
                WHERE user_id = \(bind: userID.rawValue) AND revoked_at IS NULL
                RETURNING id
                """
            ).all()
        }
        let ids: [SessionID] = try rows.map { try $0.identifier("id") }
        try await announceRevocation(ids)
        return ids
    }

    /// Stores a new refresh token.
    public func addRefreshToken(hash: String, sessionID: SessionID, at now: Date) async throws {
        try await sql.raw(
            """
            INSERT INTO refresh_tokens (token_hash, session_id, issued_at, rotated_at, replaced_by, grace_used)
            VALUES (\(bind: hash), \(bind: sessionID.rawValue), \(bind: now), NULL, NULL, \(bind: false))
            """
        ).run()
    }

    /// The refresh token with this hash, if any.
    public func refreshToken(hash: String) async throws -> RefreshTokenRecord? {
        try await sql.raw(
            """
            SELECT token_hash, session_id, issued_at, rotated_at, replaced_by, grace_used
            FROM refresh_tokens WHERE token_hash = \(bind: hash)
            """
        ).first().map(Self.decodeRefreshToken)
    }

    /// A presented refresh token with its session and whether the token that replaced it (if
    /// any) is still live, read in one statement.
    public func presentedRefreshToken(hash: String) async throws -> PresentedRefreshToken? {
        guard
            let row = try await sql.raw(
                """
                SELECT rt.token_hash, rt.session_id, rt.issued_at, rt.rotated_at, rt.replaced_by, rt.grace_used,
                    s.id, s.user_id, s.active_tenant_id, s.created_at, s.last_seen_at, s.expires_at, s.idle_expires_at,
                    s.revoked_at, s.revoked_reason, s.ip, s.user_agent,
                    successor.token_hash AS successor_hash, successor.rotated_at AS successor_rotated_at
                FROM refresh_tokens rt
                JOIN sessions s ON s.id = rt.session_id
                LEFT JOIN refresh_tokens successor ON successor.token_hash = rt.replaced_by
                WHERE rt.token_hash = \(bind: hash)
                """
            ).first()
        else { return nil }
        let successorExists = try row.decode(column: "successor_hash", as: String?.self) != nil
        return PresentedRefreshToken(
            record: try Self.decodeRefreshToken(row),
            session: try Self.decode(row),
            successorIsLive: try successorExists && row.decode(column: "successor_rotated_at", as: Date?.self) == nil
        )
    }

    /// Marks a live token rotated, replaced by `successor` — only if nobody rotated it first
    /// (compare-and-set). Returns whether this call won.
    public func markRotated(hash: String, successor: String, at now: Date) async throws -> Bool {
        let rows = try await sql.raw(
            """
            UPDATE refresh_tokens SET rotated_at = \(bind: now), replaced_by = \(bind: successor)
            WHERE token_hash = \(bind: hash) AND rotated_at IS NULL RETURNING token_hash
            """
        ).all()
        return !rows.isEmpty
    }

    /// Spends a rotated token's one grace retry, pointing it at the new successor and retiring the
    /// previous successor — only if the retry was not spent already and the previous successor
    /// is still live (compare-and-set). Returns whether this call won.
    public func spendGrace(hash: String, previousSuccessor: String, newSuccessor: String, at now: Date) async throws -> Bool {
        let rows = try await sql.raw(
            """
            UPDATE refresh_tokens SET grace_used = \(bind: true), replaced_by = \(bind: newSuccessor)
            WHERE token_hash = \(bind: hash) AND grace_used = \(bind: false) AND replaced_by = \(bind: previousSuccessor)
            RETURNING token_hash
            """
        ).all()
        guard !rows.isEmpty else { return false }
        return try await markRotated(hash: previousSuccessor, successor: newSuccessor, at: now)
    }

    static func decodeRefreshToken(_ row: any SQLRow) throws -> RefreshTokenRecord {
        RefreshTokenRecord(
            tokenHash: try row.decode(column: "token_hash", as: String.self),
            sessionID: try row.identifier("session_id"),
            issuedAt: try row.decode(column: "issued_at", as: Date.self),
            rotatedAt: try row.decode(column: "rotated_at", as: Date?.self),
            replacedBy: try row.decode(column: "replaced_by", as: String?.self),
            graceUsed: try row.decode(column: "grace_used", as: Bool.self)
        )
    }

    static func decode(_ row: any SQLRow) throws -> Session {
        Session(
            id: try row.identifier("id"),
            userID: try row.identifier("user_id"),
            activeTenantID: try row.decode(column: "active_tenant_id", as: UUID?.self).map(TenantID.init),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            lastSeenAt: try row.decode(column: "last_seen_at", as: Date.self),
            expiresAt: try row.decode(column: "expires_at", as: Date.self),
            idleExpiresAt: try row.decode(column: "idle_expires_at", as: Date.self),
            revokedAt: try row.decode(column: "revoked_at", as: Date?.self),
            revokedReason: try row.decode(column: "revoked_reason", as: String?.self),
            ip: try row.decode(column: "ip", as: String?.self),
            userAgent: try row.decode(column: "user_agent", as: String?.self)
        )
    }
}
