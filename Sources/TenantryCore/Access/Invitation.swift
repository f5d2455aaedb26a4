public import Foundation

/// Identifies an invitation within its tenant.
public typealias InvitationID = Identifier<Invitation>

/// An invitation for a person (by email) to join a tenant with a role.
public struct Invitation: Sendable, Equatable {
    /// Where an invitation stands.
    public enum Status: String, Sendable, Codable {
        case pending, accepted, revoked, expired
    }

    public var tenantID: TenantID
    public var id: InvitationID
    public var email: EmailAddress
    public var role: RoleReference
    public var invitedBy: UserID?
    public var createdAt: Date
    public var expiresAt: Date
    public var lastSentAt: Date
    public var acceptedAt: Date?
    public var acceptedBy: UserID?
    public var revokedAt: Date?

    /// Creates an invitation value.
    public init(
        tenantID: TenantID, id: InvitationID, email: EmailAddress, role: RoleReference, invitedBy: UserID?,
        createdAt: Date, expiresAt: Date, lastSentAt: Date, acceptedAt: Date?, acceptedBy: UserID?, revokedAt: Date?
    ) {
        self.tenantID = tenantID
        self.id = id
        self.email = email
        self.role = role
        self.invitedBy = invitedBy
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastSentAt = lastSentAt
        self.acceptedAt = acceptedAt
        self.acceptedBy = acceptedBy
        self.revokedAt = revokedAt
    }

    /// The invitation's state at `now`.
    public func status(at now: Date) -> Status {
        if acceptedAt != nil { return .accepted }
        if revokedAt != nil { return .revoked }
        if expiresAt <= now { return .expired }
        return .pending
    }

    /// How long an invitation stays valid: its emailed token's lifetime.
    public static var lifetime: TimeInterval { EmailedToken.Purpose.invitation.lifetime }
}
