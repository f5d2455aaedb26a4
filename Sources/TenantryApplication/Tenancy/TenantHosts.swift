public import Foundation
public import TenantryCore

/// Which tenant a console host names: `<slug>.<base domain>` (the configured base domain of
/// the consoles), or a domain the tenant has verified. Its answer brands the sign-in page and
/// fills in the workspace; it grants nothing (signing in still checks the membership).
public struct TenantHosts: Sendable {
    /// The data store.
    public let database: any DataStore
    /// `TENANTRY_CONSOLE_BASE_DOMAIN`, lower case.
    public let baseDomain: String?
    /// The tenants' states (branding and plan), from memory.
    public let entitlements: EntitlementDirectory

    /// Creates the use case.
    public init(database: any DataStore, baseDomain: String?, entitlements: EntitlementDirectory) {
        self.database = database
        self.baseDomain = baseDomain
        self.entitlements = entitlements
    }

    /// A tenant named by a host, with what its sign-in page shows.
    public struct Found: Sendable {
        public var tenant: Tenant
        public var state: EntitlementDirectory.TenantState?
    }

    /// The active tenant `host` (a `Host` header, port and case ignored) names, if any.
    public func tenant(forHost host: String) async throws -> Found? {
        var name = host.lowercased()
        if let colon = name.lastIndex(of: ":"), !name.hasSuffix("]") { name = String(name[..<colon]) }
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return nil }
        let found: Tenant? = try await database.readGlobal { scope in
            if let baseDomain, name.hasSuffix("." + baseDomain) {
                let label = String(name.dropLast(baseDomain.utf8.count + 1))
                guard !label.contains("."), let slug = try? Slug(label, field: "host") else { return nil }
                return try await scope.tenants.find(slug: slug)
            }
            guard name != baseDomain, let owner = try await scope.verifiedDomains.owner(of: name) else { return nil }
            return try await scope.tenants.profile(id: owner.tenantID)?.tenant
        }
        guard let found, found.status == .active else { return nil }
        return Found(tenant: found, state: try await entitlements.state(of: found.id))
    }
}
