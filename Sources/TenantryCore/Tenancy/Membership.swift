public import Foundation

/// A user's membership in one tenant, with the built-in role they hold there.
public struct Membership: Sendable, Equatable, Codable {
    /// The tenant.
    public var tenantID: TenantID
    /// The member.
    public var userID: UserID
    /// The member's role in this tenant.
    public var role: TenantRole
    /// When the membership was created.
    public var createdAt: Date
    /// When the membership last changed.
    public var updatedAt: Date

    /// Creates a membership value.
    public init(tenantID: TenantID, userID: UserID, role: TenantRole, createdAt: Date, updatedAt: Date) {
        self.tenantID = tenantID
        self.userID = userID
        self.role = role
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The built-in tenant roles, each including everything the next one may do:
/// owner ⊃ admin ⊃ member ⊃ viewer.
public enum TenantRole: String, Sendable, Codable, CaseIterable, Comparable {
    case viewer
    case member
    case admin
    case owner

    /// Rank in the hierarchy; a higher rank includes the lower ones.
    public var rank: Int {
        switch self {
        case .viewer: 0
        case .member: 1
        case .admin: 2
        case .owner: 3
        }
    }

    public static func < (lhs: TenantRole, rhs: TenantRole) -> Bool { lhs.rank < rhs.rank }
}
