import Foundation
import SQLKit
public import TenantryCore

/// The tenants one user belongs to, across tenants: the one cross-tenant read that sign-in
/// needs, offered only in the platform scope.
public struct UserTenantDirectory: Sendable {
    let sql: any SQLDatabase

    /// One membership with its tenant.
    public struct Entry: Sendable, Equatable {
        public var tenant: Tenant
        public var role: TenantRole
    }

    /// The user's memberships, oldest first.
    public func memberships(of userID: UserID) async throws -> [Entry] {
        try await sql.raw(
            """
            SELECT t.id, t.slug, t.name, t.status, t.created_at, t.updated_at, m.role
            FROM memberships m JOIN tenants t ON t.id = m.tenant_id
            WHERE m.user_id = \(bind: userID.rawValue)
            ORDER BY m.created_at, t.id
            """
        ).all().map { row in
            Entry(tenant: try TenantRepository.decode(row), role: try row.enumeration("role", as: TenantRole.self))
        }
    }
}
