import Foundation

/// One tenant's custom roles.
public protocol RoleRepository: Sendable {
    /// The tenant whose roles this repository reads and writes.
    var tenantID: TenantID { get }
    /// Stores a new role; a taken name is a `conflict` on `name`.
    func create(_ role: CustomRole) async throws
    /// The role with this id, if any.
    func find(id: RoleID) async throws -> CustomRole?
    /// Every custom role of the tenant, oldest first (a tenant has few).
    func all() async throws -> [CustomRole]
    /// Saves a changed role; a taken name is a `conflict` on `name`.
    func update(_ role: CustomRole) async throws
    /// Deletes a role; `not_found` when there is none.
    func delete(id: RoleID) async throws
}
