import Foundation
public import TenantryCore

/// The role use cases: the built-in roles and the tenant's custom roles. Nobody defines a role
/// that grants more than they hold (``GrantPolicy/checkDefine(base:permissions:by:)``).
public struct RoleService: Sendable {
    /// The data store.
    public let database: any DataStore

    /// Creates the use case from its dependencies.
    public init(database: any DataStore) {
        self.database = database
    }

    /// Built-in roles first (owner to viewer), then custom roles, each with its member count.
    public func list(_ access: TenantAccess) async throws -> [(role: RoleView, members: Int)] {
        try await database.withTenant(access.tenantID) { scope in
            let counts = try await scope.memberships.countsByRole()
            let builtIn = TenantRole.allCases.reversed().map { (RoleView.builtIn($0), counts[.builtIn($0)] ?? 0) }
            let custom = try await scope.roles.all().map { (RoleView.custom($0), counts[.custom($0.id)] ?? 0) }
            return builtIn + custom
        }
    }

    public func get(_ access: TenantAccess, reference: RoleReference) async throws -> (role: RoleView, members: Int) {
        try await database.withTenant(access.tenantID) { scope in
            switch reference {
            case .builtIn(let role):
                return (.builtIn(role), try await scope.memberships.count(role: role, activeOnly: false))
            case .custom(let id):
                guard let role = try await scope.roles.find(id: id) else { throw Self.noSuchRole }
                return (.custom(role), try await scope.memberships.count(customRoleID: id))
            }
        }
    }

    public func create(
        _ access: TenantAccess, name: String, description: String?, baseRole: TenantRole?, permissions: Set<Permission>,
        origin: AuditEvent.Origin
    ) async throws -> CustomRole {
        try GrantPolicy.checkDefine(base: baseRole, permissions: permissions, by: access)
        let now = Date()
        let role = CustomRole(
            tenantID: access.tenantID, id: .generate(), name: name, description: description, baseRole: baseRole,
            permissions: permissions, createdAt: now, updatedAt: now)
        try await database.withTenant(access.tenantID) { scope in
            try await scope.roles.create(role)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .roleCreated,
                    target: .init(type: "role", id: role.id.description), origin: origin,
                    changes: Self.changes(before: nil, after: role))
            )
        }
        return role
    }

    /// Changes a custom role. The editor must hold everything the role grants before and after
    /// (so nobody edits a role above their own), and members of the role get its new rank.
    public func update(
        _ access: TenantAccess, id: RoleID, name: String?, description: String??, baseRole: TenantRole??,
        permissions: Set<Permission>?, origin: AuditEvent.Origin
    ) async throws -> CustomRole {
        let now = Date()
        let role = try await database.withTenant(access.tenantID) { scope -> CustomRole in
            try await scope.lockTenant()
            guard let before = try await scope.roles.find(id: id) else { throw Self.noSuchRole }
            try GrantPolicy.checkDefine(base: before.baseRole, permissions: before.permissions, by: access)
            var after = before
            if let name { after.name = name }
            if let description { after.description = description }
            if let baseRole { after.baseRole = baseRole }
            if let permissions { after.permissions = permissions }
            guard after != before else { return before }
            try GrantPolicy.checkDefine(base: after.baseRole, permissions: after.permissions, by: access)
            after.updatedAt = now
            try await scope.roles.update(after)
            if after.rank != before.rank {
                try await scope.memberships.setRank(after.rank, ofMembersWith: id, at: now)
            }
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .roleUpdated,
                    target: .init(type: "role", id: id.description), origin: origin,
                    changes: Self.changes(before: before, after: after))
            )
            return after
        }
        return role
    }

    /// Deletes a custom role nobody holds (members must get another role first).
    public func delete(_ access: TenantAccess, id: RoleID, origin: AuditEvent.Origin) async throws {
        try await database.withTenant(access.tenantID) { scope in
            try await scope.lockTenant()
            guard let role = try await scope.roles.find(id: id) else { throw Self.noSuchRole }
            try GrantPolicy.checkDefine(base: role.baseRole, permissions: role.permissions, by: access)
            let holders = try await scope.memberships.count(customRoleID: id)
            guard holders == 0 else {
                throw TenantryError(.conflict, "\(holders) member(s) hold this role; give them another role first.")
            }
            try await scope.roles.delete(id: id)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .roleDeleted,
                    target: .init(type: "role", id: id.description), origin: origin,
                    changes: Self.changes(before: role, after: nil))
            )
        }
    }

    public static func changes(before: CustomRole?, after: CustomRole?) -> [String: AuditEvent.Change] {
        func permissions(_ role: CustomRole?) -> String? {
            role.map { $0.permissions.sorted().map(\.rawValue).joined(separator: " ") }
        }
        var changes: [String: AuditEvent.Change] = [:]
        if before?.name != after?.name { changes["name"] = .init(before: before?.name, after: after?.name) }
        if before?.description != after?.description {
            changes["description"] = .init(before: before?.description, after: after?.description)
        }
        if before?.baseRole != after?.baseRole {
            changes["base_role"] = .init(before: before?.baseRole?.rawValue, after: after?.baseRole?.rawValue)
        }
        if permissions(before) != permissions(after) {
            changes["permissions"] = .init(before: permissions(before), after: permissions(after))
        }
        return changes
    }

    public static var noSuchRole: TenantryError { TenantryError(.notFound, "No such role.") }
}

/// A built-in or custom role, as listed.
public enum RoleView: Sendable {
    case builtIn(TenantRole)
    case custom(CustomRole)
}
