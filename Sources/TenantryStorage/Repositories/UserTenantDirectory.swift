import Foundation
import SQLKit
public import TenantryCore

/// The tenants one user belongs to, across tenants: the one cross-tenant read that identity
/// needs (sign-in, `/me`, switching tenant). Offered in the global scope; on PostgreSQL it goes
/// through a database function that widens the scope for this query alone.
public struct SQLUserTenantDirectory: UserTenantDirectory {
    let sql: any SQLDatabase

    /// The user's memberships, oldest first. On PostgreSQL through `tenantry_user_memberships`,
    /// which raises the platform scope for this one query only.
    public func memberships(of userID: UserID) async throws -> [UserTenantEntry] {
        let query: SQLQueryString
        if sql.dialect.name == "postgresql" {
            query =
                "SELECT id, slug, name, status, created_at, updated_at, role FROM tenantry_user_memberships(\(bind: userID.rawValue))"
        } else {
            query = """
                SELECT t.id, t.slug, t.name, t.status, t.created_at, t.updated_at, m.role
                FROM memberships m JOIN tenants t ON t.id = m.tenant_id
                WHERE m.user_id = \(bind: userID.rawValue)
                ORDER BY m.created_at, t.id
                """
        }
        return try await sql.raw(query).all().map { row in
            UserTenantEntry(tenant: try SQLTenantRepository.decode(row), role: try row.enumeration("role", as: TenantRole.self))
        }
    }
}
