public import Foundation

/// One tenant's memberships. Implementations name
/// the tenant in every query. Every change announces a ``UserDirectoryNotice`` for the member in the same
/// transaction.
public protocol MembershipRepository: Sendable {
    /// The tenant whose memberships this repository reads and writes.
    var tenantID: TenantID { get }
    /// Adds a member; an existing membership is a `conflict`.
    @discardableResult
    func create(userID: UserID, role: TenantRole, customRoleID: RoleID?, status: MemberStatus, at time: Date) async throws
        -> Membership
    /// The membership of this user, if any.
    func find(userID: UserID) async throws -> Membership?
    /// Memberships in order of user id, one page at a time.
    func list(_ page: PageRequest) async throws -> Page<Membership>
    /// Members with their identities, in order of user id, one page at a time.
    func members(_ filter: MemberFilter, page: PageRequest) async throws -> Page<Member>
    /// One member with their identity.
    func member(userID: UserID) async throws -> Member?
    /// What a member may do: their membership, their custom role (if any) and the tenant's
    /// status, in one query. `nil` when the user is not a member.
    func access(userID: UserID) async throws -> (membership: Membership, role: ResolvedRole, tenant: Tenant.Status)?
    /// Changes a member's role (rank and custom role); `not_found` when the user is not a member.
    func setRole(_ role: TenantRole, customRoleID: RoleID?, of userID: UserID, at time: Date) async throws
    /// Changes a member's status; `not_found` when the user is not a member.
    func setStatus(_ status: MemberStatus, of userID: UserID, at time: Date) async throws
    /// Gives every member of a custom role the role's new rank.
    func setRank(_ rank: TenantRole, ofMembersWith roleID: RoleID, at time: Date) async throws
    /// Removes a membership; `not_found` when the user is not a member.
    func delete(userID: UserID) async throws
    /// How many members hold `role` as their built-in role (active ones only when `activeOnly`).
    func count(role: TenantRole, activeOnly: Bool) async throws -> Int
    /// How many members hold a custom role.
    func count(customRoleID: RoleID) async throws -> Int
    /// How many members hold each role, in one query (roles nobody holds are absent).
    func countsByRole() async throws -> [RoleReference: Int]
}

/// A member as listings show them: the membership, the person's email and name, and for a
/// custom role its name.
public struct Member: Sendable, Equatable {
    public var membership: Membership
    public var email: EmailAddress
    public var name: String
    public var customRoleName: String?

    /// Creates a member value.
    public init(membership: Membership, email: EmailAddress, name: String, customRoleName: String?) {
        self.membership = membership
        self.email = email
        self.name = name
        self.customRoleName = customRoleName
    }
}

/// Which members a listing shows.
public struct MemberFilter: Sendable, Equatable {
    /// Only members holding this role (built-in by rank and no custom role, or the custom role).
    public var role: RoleReference?
    /// Only members in this status.
    public var status: MemberStatus?
    /// Only members whose name or email contains this text (case-insensitive).
    public var text: String?

    /// Creates a filter.
    public init(role: RoleReference? = nil, status: MemberStatus? = nil, text: String? = nil) {
        self.role = role
        self.status = status
        self.text = text
    }
}
