import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// The tenant console's teams (create, rename, delete, add and remove members) and roles (the
/// built-in ones to read, custom roles to define by permission).
extension TenantConsole {
    func registerTeamsAndRoles(on routes: ConsoleRoutes) {
        routes.get("/teams", mirrors: .get("/api/v1/teams")) { console in try await teams(console) }
        routes.post("/teams", mirrors: .post("/api/v1/teams")) { console in
            let access = try console.tenantAccess()
            do {
                var validator = Validator()
                let name = try validator.capture { try Team.validatedName(console.form.text("name") ?? "") }
                let description = try validator.capture { try Team.validatedDescription(console.form.text("description")) }
                try validator.check()
                guard let name else { throw TenantryError(.internalError, "Validation passed without values.") }
                let team = try await useCases.teams.create(
                    access, name: name, description: description ?? nil, origin: console.origin)
                return ConsoleView.redirect("/console/teams/\(team.team.id)?notice=team_created")
            } catch {
                return try await refused(error, console) { message, status in
                    try await teams(console, error: message, status: status)
                }
            }
        }
        routes.get("/teams/{id}", mirrors: .get("/api/v1/teams/{id}")) { console in try await team(console) }
        routes.post("/teams/{id}/members", mirrors: .put("/api/v1/teams/{id}/members/{user_id}")) { console in
            let id = try Self.teamID(console)
            do {
                guard let userID = console.form.text("user_id").flatMap(UserID.init) else {
                    throw Validator.fail("user_id", "required", "Choose a member.")
                }
                _ = try await useCases.teams.addMember(
                    try console.tenantAccess(), teamID: id, userID: userID, origin: console.origin)
                return ConsoleView.redirect("/console/teams/\(id)?notice=team_member_added")
            } catch {
                return try await refused(error, console) { message, status in
                    try await team(console, error: message, status: status)
                }
            }
        }
        routes.post(
            "/teams/{id}/members/{user_id}/remove", mirrors: .delete("/api/v1/teams/{id}/members/{user_id}")
        ) { console in
            let id = try Self.teamID(console)
            let userID: UserID = try console.context.identifier("user_id", notFound: MemberService.noSuchMember)
            try await useCases.teams.removeMember(try console.tenantAccess(), teamID: id, userID: userID, origin: console.origin)
            return ConsoleView.redirect("/console/teams/\(id)?notice=team_member_removed")
        }
        routes.post("/teams/{id}/delete", mirrors: .delete("/api/v1/teams/{id}")) { console in
            try await useCases.teams.delete(try console.tenantAccess(), id: try Self.teamID(console), origin: console.origin)
            return ConsoleView.redirect("/console/teams?notice=team_deleted")
        }

        routes.get("/roles", mirrors: .get("/api/v1/roles")) { console in try await roles(console) }
        routes.post("/roles", mirrors: .post("/api/v1/roles")) { console in
            let access = try console.tenantAccess()
            do {
                var validator = Validator()
                let name = try validator.capture { try CustomRole.validatedName(console.form.text("name") ?? "") }
                let description = try validator.capture {
                    try CustomRole.validatedDescription(console.form.text("description"))
                }
                let permissions = try validator.capture {
                    try PermissionCatalogue.parse(console.form.values("permission"), field: "permissions")
                }
                try validator.check()
                guard let name, let permissions else {
                    throw TenantryError(.internalError, "Validation passed without values.")
                }
                let role = try await useCases.roles.create(
                    access, name: name, description: description ?? nil, baseRole: nil, permissions: permissions,
                    origin: console.origin)
                return ConsoleView.redirect("/console/roles/\(role.id)?notice=role_saved")
            } catch {
                return try await refused(error, console) { message, status in
                    try await roles(console, error: message, status: status)
                }
            }
        }
        routes.get("/roles/{id}", mirrors: .get("/api/v1/roles/{id}")) { console in try await role(console) }
        routes.post("/roles/{id}", mirrors: .patch("/api/v1/roles/{id}")) { console in
            let id = try Self.customRoleID(console)
            do {
                let permissions = try PermissionCatalogue.parse(console.form.values("permission"), field: "permissions")
                let name = try console.form.text("name").map { try CustomRole.validatedName($0) }
                _ = try await useCases.roles.update(
                    try console.tenantAccess(), id: id, name: name, description: nil, baseRole: nil,
                    permissions: permissions, origin: console.origin)
                return ConsoleView.redirect("/console/roles/\(id)?notice=role_saved")
            } catch {
                return try await refused(error, console) { message, status in
                    try await role(console, error: message, status: status)
                }
            }
        }
        routes.post("/roles/{id}/delete", mirrors: .delete("/api/v1/roles/{id}")) { console in
            let id = try Self.customRoleID(console)
            do {
                try await useCases.roles.delete(try console.tenantAccess(), id: id, origin: console.origin)
                return ConsoleView.redirect("/console/roles?notice=role_deleted")
            } catch {
                return try await refused(error, console) { message, status in
                    try await role(console, error: message, status: status)
                }
            }
        }
    }

    static func teamID(_ console: ConsoleRequest) throws -> TeamID {
        try console.context.identifier("id", notFound: TeamService.noSuchTeam)
    }

    /// A role's reference from the path: a built-in role's name or a custom role's id.
    static func roleReference(_ console: ConsoleRequest) throws -> RoleReference {
        guard let text = console.context.parameters.get("id"), let reference = try? RoleReference(text) else {
            throw RoleService.noSuchRole
        }
        return reference
    }

    static func customRoleID(_ console: ConsoleRequest) throws -> RoleID {
        guard case .custom(let id) = try roleReference(console) else {
            throw TenantryError(.conflict, "Built-in roles cannot be changed or deleted; define a custom role instead.")
        }
        return id
    }

    private func teams(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let access = try console.tenantAccess()
        let result = try await useCases.teams.list(access, page: try console.pageRequest())
        var values: [String: Any] = [
            "teams": result.items.map { team -> [String: Any] in
                [
                    "id": team.id.description, "name": team.name, "description": team.description ?? "",
                    "created": ConsoleFormat.date(team.createdAt, console.language),
                ]
            },
            "hasTeams": !result.items.isEmpty,
        ]
        if access.permissions.contains(.teamsManage) { values["canManage"] = true }
        if let cursor = result.nextCursor { values["next"] = "/console/teams?cursor=\(FormEncoding.escape(cursor))" }
        return page(console, "teams", title: "teams.title", values: values, error: error, status: status)
    }

    private func team(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let access = try console.tenantAccess()
        let detail = try await useCases.teams.get(access, id: try Self.teamID(console))
        let canManage = access.permissions.contains(.teamsManage)
        var values: [String: Any] = [
            "id": detail.team.id.description, "teamID": detail.team.id.description, "name": detail.team.name,
            "description": detail.team.description ?? "",
        ]
        var known: [UserID: Member] = [:]
        if access.permissions.contains(.membersRead) {
            let everyone = try await useCases.members.list(access, filter: MemberFilter(), page: PageRequest(limit: 200))
            for member in everyone.items { known[member.membership.userID] = member }
            if canManage {
                let inTeam = Set(detail.memberIDs)
                values["candidates"] = everyone.items.filter { !inTeam.contains($0.membership.userID) }.map { member in
                    ["id": member.membership.userID.description, "label": "\(member.name) (\(member.email.rawValue))"]
                }
            }
        }
        values["members"] = detail.memberIDs.map { userID -> [String: Any] in
            var row: [String: Any] = ["id": userID.description, "name": known[userID]?.name ?? userID.description]
            if let email = known[userID]?.email.rawValue { row["email"] = email }
            if canManage { row["removable"] = true }
            return row
        }
        values["hasMembers"] = !detail.memberIDs.isEmpty
        if canManage { values["canManage"] = true }
        return page(console, "team", title: "teams.team_title", values: values, error: error, status: status)
    }

    /// The permission catalogue as checkbox groups, `granted` ticked; `editable` false for a
    /// built-in role.
    private func permissionGroups(_ console: ConsoleRequest, granted: Set<Permission>, editable: Bool) -> [[String: Any]] {
        PermissionCatalogue.modules.map { module in
            [
                "module": text(console, "modules.\(module.id)"),
                "permissions": module.permissions.map { entry -> [String: Any] in
                    var item: [String: Any] = [
                        "name": entry.permission.rawValue,
                        "id": "permission-" + entry.permission.rawValue.replacingOccurrences(of: ":", with: "-"),
                        "description": strings.catalogues[console.language]?.flat["permissions.\(entry.permission.rawValue)"]
                            ?? entry.description,
                    ]
                    if granted.contains(entry.permission) { item["checked"] = true }
                    if !editable { item["disabled"] = true }
                    return item
                },
            ]
        }
    }

    private func roles(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let access = try console.tenantAccess()
        let language = console.language
        let listed = try await useCases.roles.list(access)
        var values: [String: Any] = [
            "roles": listed.map { entry -> [String: Any] in
                switch entry.role {
                case .builtIn(let role):
                    return [
                        "id": role.rawValue, "name": text(console, "roles.\(role.rawValue)"),
                        "kind": text(console, "roles.built_in"),
                        "members": ConsoleFormat.integer(entry.members, language),
                    ]
                case .custom(let role):
                    return [
                        "id": role.id.description, "name": role.name, "kind": text(console, "roles.custom"),
                        "members": ConsoleFormat.integer(entry.members, language),
                    ]
                }
            }
        ]
        if access.permissions.contains(.rolesManage) {
            values["canManage"] = true
            values["groups"] = permissionGroups(console, granted: [], editable: true)
        }
        return page(console, "roles", title: "roles.title", values: values, error: error, status: status)
    }

    private func role(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let access = try console.tenantAccess()
        let found = try await useCases.roles.get(access, reference: try Self.roleReference(console))
        var values: [String: Any] = ["members": ConsoleFormat.integer(found.members, console.language)]
        switch found.role {
        case .builtIn(let role):
            values["name"] = text(console, "roles.\(role.rawValue)")
            values["id"] = role.rawValue
            values["groups"] = permissionGroups(console, granted: role.permissions, editable: false)
        case .custom(let role):
            values["name"] = role.name
            values["id"] = role.id.description
            values["custom"] = true
            let editable = access.permissions.contains(.rolesManage)
            if editable { values["canManage"] = true }
            values["groups"] = permissionGroups(console, granted: role.permissions, editable: editable)
        }
        return page(console, "role", title: "roles.role_title", values: values, error: error, status: status)
    }
}
