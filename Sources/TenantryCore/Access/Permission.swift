/// A permission: what a route needs and what roles and API key scopes grant, written
/// `<resource>:<action>` (e.g. `members:read`).
public struct Permission: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The permission's name, e.g. `members:manage`.
    public let rawValue: String

    /// Wraps a name. Unknown names are allowed here; ``PermissionCatalogue/parse(_:field:)``
    /// refuses them at the API's edge.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        self.rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension Permission {
    /// See the tenant's members.
    public static let membersRead = Permission("members:read")
    /// Add, change, suspend and remove members.
    public static let membersManage = Permission("members:manage")
    /// See pending invitations.
    public static let invitationsRead = Permission("invitations:read")
    /// Invite people, resend and revoke invitations.
    public static let invitationsManage = Permission("invitations:manage")
    /// See roles and the permission catalogue.
    public static let rolesRead = Permission("roles:read")
    /// Create, change and delete custom roles.
    public static let rolesManage = Permission("roles:manage")
    /// See teams and their members.
    public static let teamsRead = Permission("teams:read")
    /// Create, change and delete teams and their membership.
    public static let teamsManage = Permission("teams:manage")
    /// See the tenant's API keys (never their secrets).
    public static let apiKeysRead = Permission("api_keys:read")
    /// Create, change, rotate and revoke API keys.
    public static let apiKeysManage = Permission("api_keys:manage")
    /// Hand the tenant's ownership to another member.
    public static let ownershipTransfer = Permission("tenant:transfer_ownership")
    /// See the tenant's settings, branding and plan.
    public static let tenantRead = Permission("tenant:read")
    /// Change the tenant's name, branding and settings.
    public static let tenantManage = Permission("tenant:manage")
    /// Delete the tenant, and restore it during the grace period.
    public static let tenantDelete = Permission("tenant:delete")
    /// Export all of the tenant's data as one archive, and download the exports.
    public static let tenantExport = Permission("tenant:export")
    /// See the tenant's usage (requests, sign-ins, active users, emails) and its allowances.
    public static let usageRead = Permission("usage:read")
    /// Read and export the tenant's audit log.
    public static let auditRead = Permission("audit:read")
    /// See webhook endpoints (never their secrets) and their deliveries.
    public static let webhooksRead = Permission("webhooks:read")
    /// Create, change, rotate and delete webhook endpoints; resend and recover deliveries.
    public static let webhooksManage = Permission("webhooks:manage")
    /// See the tenant's single sign-on connections (never their secrets).
    public static let ssoRead = Permission("sso:read")
    /// Create, change and delete single sign-on connections.
    public static let ssoManage = Permission("sso:manage")
    /// See the tenant's email domains, their verification and policies.
    public static let domainsRead = Permission("domains:read")
    /// Claim, verify, change and release email domains.
    public static let domainsManage = Permission("domains:manage")
    /// See and change the tenant's subscription; see its invoices.
    public static let billingManage = Permission("billing:manage")
}

/// Every permission the platform knows, grouped by the module that declares it; what
/// `GET /api/v1/permissions` lists and what custom roles and API key scopes may contain.
public enum PermissionCatalogue {
    /// One permission with what it allows.
    public struct Entry: Sendable, Equatable {
        public var permission: Permission
        public var description: String
    }

    /// A module's permissions.
    public struct Module: Sendable, Equatable {
        public var id: String
        public var name: String
        public var permissions: [Entry]
    }

    /// The modules and their permissions, in display order (from ``ModuleRegistry``).
    public static let modules: [Module] = ModuleRegistry.modules.filter { !$0.permissions.isEmpty }.map { module in
        Module(id: module.id.rawValue, name: module.name, permissions: module.permissions)
    }

    /// Every known permission.
    public static let all: Set<Permission> = Set(modules.flatMap { $0.permissions.map(\.permission) })

    /// Parses a list of permission names, refusing unknown ones and duplicates with field
    /// errors (`<field>.<index>`).
    public static func parse(_ names: [String], field: String) throws(TenantryError) -> Set<Permission> {
        var validator = Validator()
        var result = Set<Permission>()
        for (index, name) in names.enumerated() {
            let permission = Permission(name)
            if !all.contains(permission) {
                validator.add("\(field).\(index)", "unknown_permission", "\(String(name.prefix(100))) is not a known permission.")
            } else if !result.insert(permission).inserted {
                validator.add("\(field).\(index)", "duplicate", "\(name) is listed twice.")
            }
        }
        try validator.check()
        return result
    }
}

extension TenantRole {
    /// What the built-in role allows. Each role includes everything the role below it allows:
    /// a viewer reads, a member also sees API keys, an admin manages the tenant's people, keys
    /// and webhooks and reads the audit log, and an owner may also hand over ownership.
    public var permissions: Set<Permission> {
        switch self {
        case .viewer:
            [.membersRead, .teamsRead, .rolesRead, .tenantRead]
        case .member:
            TenantRole.viewer.permissions.union([.invitationsRead, .apiKeysRead])
        case .admin:
            TenantRole.member.permissions.union([
                .membersManage, .invitationsManage, .rolesManage, .teamsManage, .apiKeysManage, .tenantManage, .usageRead,
                .auditRead, .webhooksRead, .webhooksManage, .ssoRead, .ssoManage, .domainsRead, .domainsManage,
            ])
        case .owner:
            TenantRole.admin.permissions.union([.ownershipTransfer, .tenantDelete, .tenantExport, .billingManage])
        }
    }

    /// A short description for role listings.
    public var summary: String {
        switch self {
        case .viewer: "Read-only access to the tenant."
        case .member: "A regular member: reads the tenant and its API keys."
        case .admin: "Manages members, invitations, roles, teams and API keys; sees usage and reads the audit log."
        case .owner:
            "Everything, including billing, handing over ownership and deleting the tenant; only owners make owners."
        }
    }
}
