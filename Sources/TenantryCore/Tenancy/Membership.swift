public import Foundation

/// A user's membership in one tenant, with the built-in role they hold there.
public struct Membership: Sendable, Equatable, Codable {
    /// The tenant.
    public var tenantID: TenantID
    /// The member.
    public var userID: UserID
    /// The member's rank in this tenant: their built-in role, or their custom role's base role.
    public var role: TenantRole
    /// The member's custom role, when they hold one instead of a built-in role.
    public var customRoleID: RoleID?
    /// Whether the member may act in the tenant.
    public var status: MemberStatus
    /// When the membership was created.
    public var createdAt: Date
    /// When the membership last changed.
    public var updatedAt: Date

    /// Creates a membership value.
    public init(
        tenantID: TenantID, userID: UserID, role: TenantRole, customRoleID: RoleID? = nil,
        status: MemberStatus = .active, createdAt: Date, updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.userID = userID
        self.role = role
        self.customRoleID = customRoleID
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The role as the API names it.
    public var roleReference: RoleReference {
        customRoleID.map(RoleReference.custom) ?? .builtIn(role)
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
