public import Foundation

/// One tenant's invitations. The emailed token is stored only as its SHA-256.
public protocol InvitationRepository: Sendable {
    /// The tenant whose invitations this repository reads and writes.
    var tenantID: TenantID { get }
    /// Stores a new invitation with the hash of its token.
    func create(_ invitation: Invitation, tokenHash: String) async throws
    /// The invitation with this id, if any.
    func find(id: InvitationID) async throws -> Invitation?
    /// The pending (not accepted, not revoked, unexpired) invitations for an email address.
    func pending(email: EmailAddress, at now: Date) async throws -> [Invitation]
    /// Invitations in creation order, one page at a time.
    func list(_ page: PageRequest) async throws -> Page<Invitation>
    /// Replaces the token (the old link stops working) and restarts the expiry; only for a
    /// pending invitation. Returns whether it changed.
    func renew(id: InvitationID, tokenHash: String, at now: Date, expiresAt: Date) async throws -> Bool
    /// Revokes a pending invitation; returns whether it was pending.
    func revoke(id: InvitationID, at now: Date) async throws -> Bool
    /// Marks a pending, unexpired invitation accepted (once: a second attempt changes nothing);
    /// returns whether it did.
    func accept(id: InvitationID, by userID: UserID, at now: Date) async throws -> Bool
}
