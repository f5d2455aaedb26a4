/// A module's stable identifier, e.g. `teams`.
public struct ModuleID: RawRepresentable, Hashable, Sendable, Codable, CodingKeyRepresentable, Comparable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }

    public static func < (lhs: ModuleID, rhs: ModuleID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Tenant settings, members, invitations and roles: always on.
    public static let core: ModuleID = "core"
    /// Teams.
    public static let teams: ModuleID = "teams"
    /// API keys.
    public static let apiKeys: ModuleID = "api_keys"
    /// Outbound webhooks.
    public static let webhooks: ModuleID = "webhooks"
    /// Single sign-on: OpenID Connect and SAML connections.
    public static let sso: ModuleID = "sso"
}

/// One feature flag a module declares; plans and overrides switch it on per tenant.
public struct FeatureFlag: Sendable, Equatable {
    /// Its name, e.g. `custom_branding`.
    public var name: String
    /// What it allows.
    public var description: String
}

/// What a module declares about itself: the permissions it adds, the feature flags it owns and
/// the modules it needs. A tenant's routes of a disabled module answer 404.
public struct ModuleDescriptor: Sendable, Equatable {
    public var id: ModuleID
    public var name: String
    /// The module's version (semantic versioning).
    public var version: String
    /// Always enabled, whatever the plan or overrides say.
    public var alwaysOn: Bool
    /// The permissions the module adds, in display order.
    public var permissions: [PermissionCatalogue.Entry]
    /// The feature flags the module owns.
    public var features: [FeatureFlag]
    /// Modules that must be enabled for this one to be.
    public var dependsOn: [ModuleID]
}

/// Every module the server knows. A new area registers here (and declares its routes' module
/// through `TenantRoutes.on(…, module:)`).
public enum ModuleRegistry {
    /// The modules, in display order.
    public static let modules: [ModuleDescriptor] = [
        ModuleDescriptor(
            id: .core, name: "Core", version: "1.0.0", alwaysOn: true,
            permissions: [
                .init(permission: .tenantRead, description: "See the tenant's settings, branding and plan."),
                .init(permission: .tenantManage, description: "Change the tenant's name, branding and settings."),
                .init(permission: .tenantDelete, description: "Delete the tenant and restore it during the grace period."),
                .init(permission: .tenantExport, description: "Export all of the tenant's data, and download the exports."),
                .init(permission: .membersRead, description: "See the tenant's members."),
                .init(permission: .membersManage, description: "Add, change, suspend and remove members."),
                .init(permission: .invitationsRead, description: "See pending invitations."),
                .init(permission: .invitationsManage, description: "Invite people; resend and revoke invitations."),
                .init(permission: .rolesRead, description: "See roles and their permissions."),
                .init(permission: .rolesManage, description: "Create, change and delete custom roles."),
                .init(permission: .ownershipTransfer, description: "Hand the tenant's ownership to another member."),
                .init(permission: .usageRead, description: "See the tenant's usage and its allowances."),
                .init(permission: .auditRead, description: "Read and export the tenant's audit log."),
                .init(permission: .domainsRead, description: "See the tenant's email domains and their policies."),
                .init(permission: .domainsManage, description: "Claim, verify, change and release email domains."),
                .init(permission: .billingManage, description: "See and change the tenant's subscription; see its invoices."),
            ],
            features: [FeatureFlag(name: "custom_branding", description: "A logo and colours of the tenant's own.")],
            dependsOn: []
        ),
        ModuleDescriptor(
            id: .teams, name: "Teams", version: "1.0.0", alwaysOn: false,
            permissions: [
                .init(permission: .teamsRead, description: "See teams and their members."),
                .init(permission: .teamsManage, description: "Create, change and delete teams and their members."),
            ],
            features: [],
            dependsOn: [.core]
        ),
        ModuleDescriptor(
            id: .apiKeys, name: "API keys", version: "1.0.0", alwaysOn: false,
            permissions: [
                .init(permission: .apiKeysRead, description: "See API keys (never their secrets)."),
                .init(permission: .apiKeysManage, description: "Create, change, rotate and revoke API keys."),
            ],
            features: [FeatureFlag(name: "resource_bound_keys", description: "API keys bound to one resource.")],
            dependsOn: [.core]
        ),
        ModuleDescriptor(
            id: .webhooks, name: "Webhooks", version: "1.0.0", alwaysOn: false,
            permissions: [
                .init(permission: .webhooksRead, description: "See webhook endpoints (never their secrets) and deliveries."),
                .init(
                    permission: .webhooksManage,
                    description: "Create, change, rotate and delete webhook endpoints; resend and recover deliveries."),
            ],
            features: [],
            dependsOn: [.core]
        ),
        ModuleDescriptor(
            id: .sso, name: "Single sign-on", version: "1.0.0", alwaysOn: false,
            permissions: [
                .init(permission: .ssoRead, description: "See single sign-on connections (never their secrets)."),
                .init(permission: .ssoManage, description: "Create, change and delete single sign-on connections."),
            ],
            features: [],
            dependsOn: [.core]
        ),
    ]

    /// The module with this id, if any.
    public static func module(_ id: ModuleID) -> ModuleDescriptor? { modules.first { $0.id == id } }

    /// Every declared feature flag name.
    public static let featureNames: Set<String> = Set(modules.flatMap { $0.features.map(\.name) })

    /// The modules that are on: the always-on ones plus `enabled`, less any whose dependencies
    /// are not all on (repeated until stable, so a chain of dependencies is honoured).
    public static func resolve(_ enabled: Set<ModuleID>) -> Set<ModuleID> {
        var on = enabled.filter { module($0) != nil }.union(modules.filter(\.alwaysOn).map(\.id))
        while let broken = on.first(where: { id in !(module(id)?.dependsOn.allSatisfy(on.contains) ?? false) }) {
            on.remove(broken)
        }
        return on
    }

    /// The permissions of the modules in `enabled`.
    public static func permissions(of enabled: Set<ModuleID>) -> Set<Permission> {
        Set(modules.filter { enabled.contains($0.id) }.flatMap { $0.permissions.map(\.permission) })
    }

    /// Validates a set of module switches (`field.<id>`): known modules, always-on modules never
    /// off, and no module on while one it needs is off in the same result.
    public static func validate(_ switches: [ModuleID: Bool], base: Set<ModuleID>, field: String, into validator: inout Validator)
    {
        var result = base
        for (id, on) in switches {
            guard let descriptor = module(id) else {
                validator.add("\(field).\(id)", "unknown_module", "\(String(id.rawValue.prefix(100))) is not a known module.")
                continue
            }
            if descriptor.alwaysOn && !on {
                validator.add("\(field).\(id)", "always_on", "\(descriptor.name) is always on.")
            }
            if on { result.insert(id) } else { result.remove(id) }
        }
        for id in result.sorted() {
            for dependency in module(id)?.dependsOn ?? []
            where !result.contains(dependency) && !(module(dependency)?.alwaysOn ?? false) {
                validator.add("\(field).\(id)", "missing_dependency", "\(id) needs \(dependency), which is off.")
            }
        }
    }
}
