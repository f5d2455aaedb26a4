public import Foundation

/// Tenants: a global table (a tenant row is its own scope). Reached from a tenant scope or the
/// platform scope. Every change to an existing tenant announces a ``UserDirectoryNotice`` in
/// the same transaction.
public protocol TenantRepository: Sendable {
    /// Stores a new tenant on `plan` (the schema's default, `free`, when `nil`); a taken slug is a
    /// `conflict` naming the `slug` field.
    func create(_ tenant: Tenant, plan: String?) async throws
    /// The tenant with this id, if any.
    func find(id: TenantID) async throws -> Tenant?
    /// The tenants with these ids that exist, by id, in one statement.
    func find(ids: [TenantID]) async throws -> [TenantID: Tenant]
    /// The tenant with this slug, if any.
    func find(slug: Slug) async throws -> Tenant?
    /// Tenants in creation order, one page at a time.
    func list(_ page: PageRequest) async throws -> Page<Tenant>
    /// Changes a tenant's status; `not_found` when there is no such tenant.
    func setStatus(_ status: Tenant.Status, of id: TenantID, at time: Date) async throws
    /// Locks the tenant's row until the transaction ends, so that changes to one tenant's
    /// status, plan or rules (by its owners, by operators, by the purge) run one after another.
    /// On SQLite every transaction already runs alone.
    func lock(id: TenantID) async throws
    /// The tenant with its plan, overrides, branding, settings and lifecycle, if it exists.
    func profile(id: TenantID) async throws -> TenantProfile?
    /// Saves a tenant's name, plan, overrides, branding, settings, status, reason and purge
    /// time, and announces the change (user directory and entitlements) to every node.
    func save(_ profile: TenantProfile) async throws
}
