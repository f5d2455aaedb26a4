import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/permissions` and `/api/v1/roles*`.
struct RolesController: Sendable {
    let service: RoleService

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/permissions", .rolesRead) { request, context in
            try PermissionCatalogueBody().response(from: request, context: context)
        }
        routes.on(.get, "/roles", .rolesRead) { request, context in
            let roles = try await service.list(context.access)
            return try RoleList(items: roles.map { RoleBody($0.role, members: $0.members) }).response(
                from: request, context: context)
        }
        routes.on(.post, "/roles", .rolesManage) { request, context in
            let body = try await request.decodeJSON(as: CreateRoleRequest.self, context: context.base)
            var validator = Validator()
            let name = try validator.capture { try CustomRole.validatedName(body.name) }
            let description = try validator.capture { try CustomRole.validatedDescription(body.description) }
            let base = try body.baseRole.flatMap { text in try validator.capture { try Self.baseRole(text) } }
            let permissions = try validator.capture {
                try PermissionCatalogue.parse(body.permissions ?? [], field: "permissions")
            }
            try validator.check()
            guard let name, let permissions else { throw TenantryError(.internalError, "Validation passed without values.") }
            let role = try await service.create(
                context.access, name: name, description: description ?? nil, baseRole: base, permissions: permissions,
                origin: context.origin(of: request))
            var response = try RoleBody(.custom(role), members: 0).response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.get, "/roles/{id}", .rolesRead) { request, context in
            let found = try await service.get(context.access, reference: try Self.reference(context))
            return try RoleBody(found.role, members: found.members).response(from: request, context: context)
        }
        routes.on(.patch, "/roles/{id}", .rolesManage) { request, context in
            let id = try Self.customID(context)
            let body = try await request.decodeJSON(as: UpdateRoleRequest.self, context: context.base)
            var validator = Validator()
            let name = try body.name.flatMap { text in try validator.capture { try CustomRole.validatedName(text) } }
            var description: String??
            if let given = body.description {
                description = .some(try validator.capture { try CustomRole.validatedDescription(given) } ?? nil)
            }
            var base: TenantRole??
            if let given = body.baseRole {
                base = .some(try given.flatMap { text in try validator.capture { try Self.baseRole(text) } })
            }
            let permissions = try body.permissions.flatMap { names in
                try validator.capture { try PermissionCatalogue.parse(names, field: "permissions") }
            }
            try validator.check()
            let role = try await service.update(
                context.access, id: id, name: name, description: description, baseRole: base, permissions: permissions,
                origin: context.origin(of: request))
            let found = try await service.get(context.access, reference: .custom(role.id))
            return try RoleBody(found.role, members: found.members).response(from: request, context: context)
        }
        routes.on(.delete, "/roles/{id}", .rolesManage) { request, context in
            try await service.delete(context.access, id: try Self.customID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
    }

    static func reference(_ context: TenantRequestContext) throws -> RoleReference {
        guard let text = context.parameters.get("id"), let reference = try? RoleReference(text) else {
            throw RoleService.noSuchRole
        }
        return reference
    }

    /// A custom role's id from the path; built-in roles cannot be changed.
    static func customID(_ context: TenantRequestContext) throws -> RoleID {
        switch try reference(context) {
        case .builtIn:
            throw TenantryError(.conflict, "Built-in roles cannot be changed or deleted; define a custom role instead.")
        case .custom(let id):
            return id
        }
    }

    static func baseRole(_ text: String) throws(TenantryError) -> TenantRole {
        guard let role = TenantRole(rawValue: text), role != .owner else {
            throw Validator.fail("base_role", "invalid_value", "base_role is admin, member or viewer.")
        }
        return role
    }
}

struct CreateRoleRequest: Decodable {
    let name: String
    @NotNull var description: String?
    @NotNull var baseRole: String?
    @NotNull var permissions: [String]?
}

/// PATCH body: an absent field stays as it is; `null` clears `description` and `base_role`.
struct UpdateRoleRequest: Decodable {
    let name: String?
    let description: String??
    let baseRole: String??
    let permissions: [String]?

    enum CodingKeys: String, CodingKey {
        case name, description, baseRole, permissions
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfGiven(String.self, forKey: .name)
        description = try container.decodeUpdate(String.self, forKey: .description)
        baseRole = try container.decodeUpdate(String.self, forKey: .baseRole)
        permissions = try container.decodeIfGiven([String].self, forKey: .permissions)
    }
}

struct RoleBody: ResponseEncodable {
    let id: String
    let name: String
    let description: String?
    let builtIn: Bool
    let baseRole: String?
    let permissions: [String]
    let effectivePermissions: [String]
    let memberCount: Int
    let createdAt: Date?
    let updatedAt: Date?

    init(_ role: RoleView, members: Int) {
        switch role {
        case .builtIn(let role):
            id = role.rawValue
            name = role.rawValue
            description = role.summary
            builtIn = true
            baseRole = nil
            permissions = role.permissions.sorted().map(\.rawValue)
            effectivePermissions = permissions
            createdAt = nil
            updatedAt = nil
        case .custom(let role):
            id = role.id.description
            name = role.name
            description = role.description
            builtIn = false
            baseRole = role.baseRole?.rawValue
            permissions = role.permissions.sorted().map(\.rawValue)
            effectivePermissions = role.effectivePermissions.sorted().map(\.rawValue)
            createdAt = role.createdAt
            updatedAt = role.updatedAt
        }
        memberCount = members
    }
}

struct RoleList: ResponseEncodable {
    let items: [RoleBody]
}

struct PermissionCatalogueBody: ResponseEncodable {
    struct Module: Encodable {
        let id: String
        let name: String
        let permissions: [Entry]
    }

    struct Entry: Encodable {
        let name: String
        let description: String
    }

    let modules: [Module] = PermissionCatalogue.modules.map { module in
        Module(
            id: module.id, name: module.name,
            permissions: module.permissions.map { Entry(name: $0.permission.rawValue, description: $0.description) })
    }
}
