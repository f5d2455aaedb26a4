import Foundation
import TenantryApplication
import TenantryCore
import Testing

@Suite("Roles")
struct RoleServiceTests {
    let seeded: SeededTenant
    let roles: RoleService

    init() throws {
        seeded = try SeededTenant()
        roles = RoleService(database: seeded.store)
    }

    /// A custom role stored directly, for the update and delete tests.
    func seedRole(base: TenantRole? = .viewer, permissions: Set<Permission> = [.apiKeysRead]) -> CustomRole {
        let role = CustomRole(
            tenantID: seeded.tenant.id, id: .generate(), name: "Support", description: "Answers tickets", baseRole: base,
            permissions: permissions, createdAt: Date(), updatedAt: Date())
        seeded.store.seed { $0.roles[role.id] = role }
        return role
    }

    @Test("a custom role granting more than its creator holds is refused")
    func cannotDefineStrongerRole() async throws {
        let code = await errorCode {
            _ = try await roles.create(
                seeded.asAdmin, name: "Deleter", description: nil, baseRole: .member, permissions: [.tenantDelete],
                origin: SeededTenant.origin)
        }
        #expect(code == .forbidden)
        #expect(seeded.store.state.roles.isEmpty)
        #expect(seeded.events.isEmpty)
    }

    @Test("a custom role cannot be based on a role ranked above its creator")
    func cannotBaseRoleAboveOwnRank() async throws {
        let code = await errorCode {
            _ = try await roles.create(
                seeded.asMember, name: "Almost admin", description: nil, baseRole: .admin, permissions: [],
                origin: SeededTenant.origin)
        }
        #expect(code == .forbidden)
        #expect(seeded.store.state.roles.isEmpty)
        #expect(seeded.events.isEmpty)
    }

    @Test("creating a role stores it and records role.created with its permissions")
    func create() async throws {
        let role = try await roles.create(
            seeded.asAdmin, name: "Support", description: nil, baseRole: .viewer,
            permissions: [.membersManage, .auditRead], origin: SeededTenant.origin)

        #expect(seeded.store.state.roles[role.id] == role)
        let event = try #require(seeded.events.only)
        #expect(event.type == .roleCreated)
        #expect(event.target?.id == role.id.description)
        #expect(event.after("name") == "Support")
        #expect(event.after("base_role") == "viewer")
        #expect(event.after("permissions") == "audit:read members:manage")
    }

    @Test("updating a role records role.updated and gives its members the new rank")
    func update() async throws {
        let role = seedRole()
        seeded.store.seed { state in
            state.memberships[seeded.tenant.id]?[seeded.member.id]?.role = .viewer
            state.memberships[seeded.tenant.id]?[seeded.member.id]?.customRoleID = role.id
        }

        let updated = try await roles.update(
            seeded.asAdmin, id: role.id, name: nil, description: nil, baseRole: .some(.member), permissions: nil,
            origin: SeededTenant.origin)

        #expect(updated.baseRole == .member)
        #expect(seeded.store.state.roles[role.id]?.baseRole == .member)
        #expect(seeded.membership(of: seeded.member)?.role == .member)
        let event = try #require(seeded.events.only)
        #expect(event.type == .roleUpdated)
        #expect(event.before("base_role") == "viewer")
        #expect(event.after("base_role") == "member")
        #expect(event.changes["name"] == nil)
    }

    @Test("an update that changes nothing records nothing")
    func unchangedUpdate() async throws {
        let role = seedRole()
        _ = try await roles.update(
            seeded.asAdmin, id: role.id, name: role.name, description: nil, baseRole: nil, permissions: nil,
            origin: SeededTenant.origin)
        #expect(seeded.events.isEmpty)
    }

    @Test("nobody edits a role that grants more than they hold")
    func cannotEditStrongerRole() async throws {
        let role = seedRole(base: .member, permissions: [.tenantDelete])
        let code = await errorCode {
            _ = try await roles.update(
                seeded.asAdmin, id: role.id, name: "Renamed", description: nil, baseRole: nil, permissions: nil,
                origin: SeededTenant.origin)
        }
        #expect(code == .forbidden)
        #expect(seeded.store.state.roles[role.id]?.name == "Support")
        #expect(seeded.events.isEmpty)
    }

    @Test("deleting a role nobody holds records role.deleted")
    func delete() async throws {
        let role = seedRole()
        try await roles.delete(seeded.asAdmin, id: role.id, origin: SeededTenant.origin)

        #expect(seeded.store.state.roles[role.id] == nil)
        let event = try #require(seeded.events.only)
        #expect(event.type == .roleDeleted)
        #expect(event.target?.id == role.id.description)
        #expect(event.before("name") == "Support")
        #expect(event.after("name") == nil)
    }

    @Test("a role someone holds cannot be deleted")
    func cannotDeleteHeldRole() async throws {
        let role = seedRole()
        seeded.store.seed { $0.memberships[seeded.tenant.id]?[seeded.member.id]?.customRoleID = role.id }

        let code = await errorCode { try await roles.delete(seeded.asAdmin, id: role.id, origin: SeededTenant.origin) }
        #expect(code == .conflict)
        #expect(seeded.store.state.roles[role.id] != nil)
        #expect(seeded.events.isEmpty)
    }
}
