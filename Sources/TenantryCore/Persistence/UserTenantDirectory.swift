import Foundation

/// The tenants one user belongs to, across tenants: the one cross-tenant read that identity
/// needs (sign-in, `/me`, switching tenant). Offered in the global scope; on PostgreSQL it goes
/// through a database function that widens the scope for this query alone.
public protocol UserTenantDirectory: Sendable {
    /// The user's memberships, oldest first. On PostgreSQL through `tenantry_user_memberships`,
    /// which raises the platform scope for this one query only.
    func memberships(of userID: UserID) async throws -> [UserTenantEntry]
}

/// One membership with its tenant.
public struct UserTenantEntry: Sendable, Equatable {
    public var tenant: Tenant
    public var role: TenantRole

    /// Creates a value.
    public init(tenant: Tenant, role: TenantRole) {
        self.tenant = tenant
        self.role = role
    }
}
