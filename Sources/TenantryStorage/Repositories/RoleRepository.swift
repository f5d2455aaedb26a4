import Foundation
import SQLKit
public import TenantryCore

/// One tenant's custom roles.
public struct SQLRoleRepository: RoleRepository {
    let sql: any SQLDatabase
    /// The tenant whose roles this repository reads and writes.
    public let tenantID: TenantID

    private static let columns = "tenant_id, id, name, description, base_role, permissions, created_at, updated_at"

    /// Stores a new role; a taken name is a `conflict` on `name`.
    public func create(_ role: CustomRole) async throws {
        do {
            try await sql.raw(
                """
                INSERT INTO roles (tenant_id, id, name, name_key, description, base_role, permissions, created_at, updated_at)
                VALUES (\(bind: tenantID.rawValue), \(bind: role.id.rawValue), \(bind: role.name),
                        \(bind: role.name.lowercased()), \(bind: role.description), \(bind: role.baseRole?.rawValue),
                        \(bind: try PermissionSetCoding.encode(role.permissions)), \(bind: role.createdAt), \(bind: role.updatedAt))
                """
            ).run()
        } catch  where DatabaseFailure.isUniqueViolation(error) {
            throw Self.nameTaken
        }
    }

    /// The role with this id, if any.
    public func find(id: RoleID) async throws -> CustomRole? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM roles
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map { try Self.decode($0, prefix: "", id: "id", tenantID: tenantID) }
    }

    /// Every custom role of the tenant, oldest first (a tenant has few).
    public func all() async throws -> [CustomRole] {
        try await sql.raw(
            "SELECT \(unsafeRaw: Self.columns) FROM roles WHERE tenant_id = \(bind: tenantID.rawValue) ORDER BY id"
        ).all().map { try Self.decode($0, prefix: "", id: "id", tenantID: tenantID) }
    }

    /// Saves a changed role; a taken name is a `conflict` on `name`.
    public func update(_ role: CustomRole) async throws {
        do {
            let rows = try await sql.raw(
                """
                UPDATE roles SET name = \(bind: role.name), name_key = \(bind: role.name.lowercased()),
                    description = \(bind: role.description), base_role = \(bind: role.baseRole?.rawValue),
                    permissions = \(bind: try PermissionSetCoding.encode(role.permissions)), updated_at = \(bind: role.updatedAt)
                WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: role.id.rawValue)
                RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { throw TenantryError(.notFound, "No such role.") }
        } catch  where DatabaseFailure.isUniqueViolation(error) {
            throw Self.nameTaken
        }
    }

    /// Deletes a role; `not_found` when there is none.
    public func delete(id: RoleID) async throws {
        let rows = try await sql.raw(
            """
            DELETE FROM roles WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue) RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such role.") }
    }

    private static var nameTaken: TenantryError {
        TenantryError(
            .conflict, "Another role has this name.",
            fieldErrors: [FieldError(field: "name", code: "taken", message: "Another role of this tenant has this name.")]
        )
    }

    /// Decodes a role from columns named `<prefix>name`, `<prefix>base_role`, … (so a joined
    /// query can carry a role beside other rows).
    static func decode(_ row: any SQLRow, prefix: String, id: String, tenantID: TenantID) throws -> CustomRole {
        let base = try row.decode(column: prefix + "base_role", as: String?.self)
        return CustomRole(
            tenantID: tenantID,
            id: try row.identifier(id),
            name: try row.decode(column: prefix + "name", as: String.self),
            description: try row.decode(column: prefix + "description", as: String?.self),
            baseRole: try base.map { text in
                guard let role = TenantRole(rawValue: text) else {
                    throw TenantryError(.internalError, "A stored base role is unknown.")
                }
                return role
            },
            permissions: try PermissionSetCoding.decode(try row.decode(column: prefix + "permissions", as: String.self)),
            createdAt: try row.decode(column: prefix + "created_at", as: Date.self),
            updatedAt: try row.decode(column: prefix + "updated_at", as: Date.self)
        )
    }
}

/// Permission sets are stored as a sorted JSON array of names.
enum PermissionSetCoding {
    static func encode(_ permissions: Set<Permission>) throws -> String {
        String(decoding: try JSONEncoder().encode(permissions.sorted().map(\.rawValue)), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> Set<Permission> {
        do {
            return Set(try JSONDecoder().decode([String].self, from: Data(text.utf8)).map(Permission.init))
        } catch {
            throw TenantryError(.internalError, "A stored permission list is unreadable.", cause: error)
        }
    }
}
