public import Foundation

/// Identifies a tenant's custom role.
public typealias RoleID = Identifier<CustomRole>

/// A role defined by a tenant: a named set of permissions, optionally on top of a built-in role
/// whose permissions it inherits.
public struct CustomRole: Sendable, Equatable {
    public var tenantID: TenantID
    public var id: RoleID
    public var name: String
    public var description: String?
    /// The built-in role this role inherits from; also its rank in the hierarchy (viewer when absent).
    public var baseRole: TenantRole?
    /// The permissions the role adds to its base role.
    public var permissions: Set<Permission>
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates a role value.
    public init(
        tenantID: TenantID, id: RoleID, name: String, description: String?, baseRole: TenantRole?,
        permissions: Set<Permission>, createdAt: Date, updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.name = name
        self.description = description
        self.baseRole = baseRole
        self.permissions = permissions
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Where the role sits in the owner ⊃ admin ⊃ member ⊃ viewer hierarchy.
    public var rank: TenantRole { baseRole ?? .viewer }

    /// Everything the role allows: its own permissions and its base role's.
    public var effectivePermissions: Set<Permission> { permissions.union(baseRole?.permissions ?? []) }

    /// Validates a role name: 1 to 64 characters, trimmed with no control characters (422),
    /// not a built-in role's name in any case (409 `conflict`, as for a name another custom role
    /// has).
    public static func validatedName(_ text: String, field: String = "name") throws(TenantryError) -> String {
        let name = try StoredText.requiredName(text, field: field, maximum: 64, missing: "A role needs a name.")
        guard TenantRole(rawValue: name.lowercased()) == nil else {
            // Taken, like a custom role's name: 409.
            throw TenantryError(
                .conflict, "A built-in role has this name.",
                fieldErrors: [FieldError(field: field, code: "reserved", message: "\(name) is the name of a built-in role.")])
        }
        return name
    }

    /// Validates an optional description: at most 500 characters, trimmed, no control
    /// characters but line breaks; empty means none.
    public static func validatedDescription(_ text: String?, field: String = "description") throws(TenantryError)
        -> String?
    {
        try StoredText.optionalDescription(text, field: field, maximum: 500)
    }
}

/// A role as the API names it: a built-in role by name (`admin`) or a custom role by id.
public enum RoleReference: Sendable, Hashable, CustomStringConvertible {
    case builtIn(TenantRole)
    case custom(RoleID)

    /// Parses `owner`, `admin`, `member`, `viewer` or a custom role's id.
    public init(_ text: String, field: String = "role") throws(TenantryError) {
        if let role = TenantRole(rawValue: text) {
            self = .builtIn(role)
        } else if let id = RoleID(text) {
            self = .custom(id)
        } else {
            throw Validator.fail(
                field, "unknown_role", "Name a built-in role (owner, admin, member, viewer) or a custom role's id.")
        }
    }

    /// `admin`, or the custom role's id.
    public var description: String {
        switch self {
        case .builtIn(let role): role.rawValue
        case .custom(let id): id.description
        }
    }
}

/// A member's role resolved to what it means: its rank and its permissions.
public struct ResolvedRole: Sendable, Equatable {
    /// The reference as stored.
    public var reference: RoleReference
    /// A display name.
    public var name: String
    /// Rank in the hierarchy.
    public var rank: TenantRole
    /// Every permission it allows.
    public var permissions: Set<Permission>

    /// A built-in role.
    public init(_ role: TenantRole) {
        self.reference = .builtIn(role)
        self.name = role.rawValue
        self.rank = role
        self.permissions = role.permissions
    }

    /// A custom role.
    public init(_ role: CustomRole) {
        self.reference = .custom(role.id)
        self.name = role.name
        self.rank = role.rank
        self.permissions = role.effectivePermissions
    }
}
