public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's invitations. The emailed token is stored only as its SHA-256.
public struct SQLInvitationRepository: InvitationRepository {
    let sql: any SQLDatabase
    /// The tenant whose invitations this repository reads and writes.
    public let tenantID: TenantID

    private static let columns = """
        tenant_id, id, email, role, invited_by, created_at, expires_at, last_sent_at, accepted_at, accepted_by, revoked_at
        """

    /// Stores a new invitation with the hash of its token.
    public func create(_ invitation: Invitation, tokenHash: String) async throws {
        try await sql.raw(
            """
            INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, created_at, expires_at,
                last_sent_at, accepted_at, accepted_by, revoked_at)
            VALUES (\(bind: tenantID.rawValue), \(bind: invitation.id.rawValue), \(bind: invitation.email.rawValue),
                \(bind: invitation.role.description), \(bind: tokenHash), \(bind: invitation.invitedBy?.rawValue),
                \(bind: invitation.createdAt), \(bind: invitation.expiresAt), \(bind: invitation.lastSentAt),
                \(bind: invitation.acceptedAt), \(bind: invitation.acceptedBy?.rawValue), \(bind: invitation.revokedAt))
            """
        ).run()
    }

    /// The invitation with this id, if any.
    public func find(id: InvitationID) async throws -> Invitation? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM invitations
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decode)
    }

    /// The pending (not accepted, not revoked, unexpired) invitations for an email address.
    public func pending(email: EmailAddress, at now: Date) async throws -> [Invitation] {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM invitations
            WHERE tenant_id = \(bind: tenantID.rawValue) AND email = \(bind: email.rawValue)
                AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > \(bind: now)
            ORDER BY id
            """
        ).all().map(Self.decode)
    }

    /// Invitations in creation order, one page at a time.
    public func list(_ page: PageRequest) async throws -> Page<Invitation> {
        try await KeysetPagination.fetch(
            sql,
            select: "SELECT \(unsafeRaw: Self.columns) FROM invitations WHERE tenant_id = \(bind: tenantID.rawValue)",
            key: "id",
            page: page,
            decode: Self.decode
        ) { $0.id.rawValue }
    }

    /// Replaces the token (the old link stops working) and restarts the expiry; only for a
    /// pending invitation. Returns whether it changed.
    public func renew(id: InvitationID, tokenHash: String, at now: Date, expiresAt: Date) async throws -> Bool {
        !(try await sql.raw(
            """
            UPDATE invitations SET token_hash = \(bind: tokenHash), last_sent_at = \(bind: now), expires_at = \(bind: expiresAt)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
                AND accepted_at IS NULL AND revoked_at IS NULL
            RETURNING id
            """
        ).all()).isEmpty
    }

    /// Revokes a pending invitation; returns whether it was pending.
    public func revoke(id: InvitationID, at now: Date) async throws -> Bool {
        !(try await sql.raw(
            """
            UPDATE invitations SET revoked_at = \(bind: now)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
                AND accepted_at IS NULL AND revoked_at IS NULL
            RETURNING id
            """
        ).all()).isEmpty
    }

    /// Marks a pending, unexpired invitation accepted (once: a second attempt changes nothing);
    /// returns whether it did.
    public func accept(id: InvitationID, by userID: UserID, at now: Date) async throws -> Bool {
        !(try await sql.raw(
            """
            UPDATE invitations SET accepted_at = \(bind: now), accepted_by = \(bind: userID.rawValue)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
                AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > \(bind: now)
            RETURNING id
            """
        ).all()).isEmpty
    }

    static func decode(_ row: any SQLRow) throws -> Invitation {
        Invitation(
            tenantID: try row.identifier("tenant_id"),
            id: try row.identifier("id"),
            email: try row.validated("email") { try EmailAddress($0) },
            role: try row.validated("role") { try RoleReference($0) },
            invitedBy: try row.decode(column: "invited_by", as: UUID?.self).map(UserID.init),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            expiresAt: try row.decode(column: "expires_at", as: Date.self),
            lastSentAt: try row.decode(column: "last_sent_at", as: Date.self),
            acceptedAt: try row.decode(column: "accepted_at", as: Date?.self),
            acceptedBy: try row.decode(column: "accepted_by", as: UUID?.self).map(UserID.init),
            revokedAt: try row.decode(column: "revoked_at", as: Date?.self)
        )
    }
}
