import Foundation
import TenantryApplication
import TenantryCore
import Testing

@Suite("Members")
struct MemberServiceTests {
    let seeded: SeededTenant
    let members: MemberService

    init() throws {
        seeded = try SeededTenant()
        members = MemberService(database: seeded.store, emailedTokens: TestIdentity.emailedTokens)
    }

    // MARK: Adding

    @Test("adding a new email creates the identity, emails a link to choose a password and records member.added")
    func addNewPerson() async throws {
        let email = try EmailAddress("newcomer@acme.example")
        let added = try await members.add(
            seeded.asAdmin, email: email, name: "Nina Newcomer", role: .builtIn(.member), origin: SeededTenant.origin)

        #expect(added.email == email)
        #expect(added.membership.role == .member)
        let state = seeded.store.state
        let user = try #require(state.users[added.membership.userID])
        #expect(user.name == "Nina Newcomer")
        #expect(state.passwordHashes[user.id] == nil)

        let email0 = try #require(try seeded.emails().first)
        #expect(try seeded.emails().count == 1)
        #expect(email0.to == email)
        #expect(email0.tenantID == seeded.tenant.id)
        let token = try #require(linkToken(in: email0.textBody))
        #expect(email0.textBody.contains("https://tenantry.example/reset-password?token="))
        let stored = try #require(state.userTokens[SecretToken.digest(token)])
        #expect(stored.userID == user.id)
        #expect(stored.purpose == .resetPassword)

        let event = try #require(seeded.events.only)
        #expect(event.type == .memberAdded)
        #expect(event.target?.id == user.id.description)
        #expect(event.actor == .user(seeded.admin.id))
        #expect(event.after("role") == "member")
        #expect(event.after("status") == "active")
    }

    @Test("adding someone who already has an account makes them a member without a new account or email")
    func addExistingIdentity() async throws {
        let existing = try SeededTenant.user("elsewhere@other.example", "Ella Elsewhere")
        seeded.store.seed { $0.users[existing.id] = existing }

        let added = try await members.add(
            seeded.asOwner, email: existing.email, name: nil, role: .builtIn(.viewer), origin: SeededTenant.origin)

        #expect(added.membership.userID == existing.id)
        #expect(seeded.membership(of: existing)?.role == .viewer)
        #expect(seeded.store.state.users.count == 4)
        #expect(try seeded.emails().isEmpty)
        #expect(seeded.events.map(\.type) == [.memberAdded])
    }

    @Test("an admin cannot make someone an owner, and nothing is recorded")
    func adminCannotAddOwner() async throws {
        let code = await errorCode {
            _ = try await members.add(
                seeded.asAdmin, email: try EmailAddress("boss@acme.example"), name: "Would-be Boss", role: .builtIn(.owner),
                origin: SeededTenant.origin)
        }
        #expect(code == .forbidden)
        #expect(seeded.store.state.users.count == 3)
        #expect(try seeded.emails().isEmpty)
        #expect(seeded.events.isEmpty)
    }

    @Test("an admin cannot give a member a custom role holding a permission the admin lacks")
    func cannotGrantStrongerCustomRole() async throws {
        let deleter = CustomRole(
            tenantID: seeded.tenant.id, id: .generate(), name: "Deleter", description: nil, baseRole: .member,
            permissions: [.tenantDelete], createdAt: Date(), updatedAt: Date())
        seeded.store.seed { $0.roles[deleter.id] = deleter }

        let code = await errorCode {
            _ = try await members.update(
                seeded.asAdmin, userID: seeded.member.id, role: .custom(deleter.id), status: nil,
                origin: SeededTenant.origin)
        }
        #expect(code == .forbidden)
        #expect(seeded.membership(of: seeded.member)?.customRoleID == nil)
        #expect(seeded.events.isEmpty)
    }

    // MARK: Changing

    @Test("changing a member's role records member.updated with the role before and after")
    func changeRole() async throws {
        let updated = try await members.update(
            seeded.asAdmin, userID: seeded.member.id, role: .builtIn(.viewer), status: nil, origin: SeededTenant.origin)

        #expect(updated.membership.role == .viewer)
        #expect(seeded.membership(of: seeded.member)?.role == .viewer)
        let event = try #require(seeded.events.only)
        #expect(event.type == .memberUpdated)
        #expect(event.target?.id == seeded.member.id.description)
        #expect(event.before("role") == "member")
        #expect(event.after("role") == "viewer")
        #expect(event.changes["status"] == nil)
    }

    @Test("suspending a member records member.updated with the status change")
    func suspend() async throws {
        _ = try await members.update(
            seeded.asAdmin, userID: seeded.member.id, role: nil, status: .suspended, origin: SeededTenant.origin)

        #expect(seeded.membership(of: seeded.member)?.status == .suspended)
        let event = try #require(seeded.events.only)
        #expect(event.type == .memberUpdated)
        #expect(event.before("status") == "active")
        #expect(event.after("status") == "suspended")
    }

    @Test("nobody suspends themselves")
    func cannotSuspendSelf() async throws {
        let code = await errorCode {
            _ = try await members.update(
                seeded.asAdmin, userID: seeded.admin.id, role: nil, status: .suspended, origin: SeededTenant.origin)
        }
        #expect(code == .forbidden)
        #expect(seeded.membership(of: seeded.admin)?.status == .active)
        #expect(seeded.events.isEmpty)
    }

    @Test("an admin cannot change an owner")
    func adminCannotChangeOwner() async throws {
        let code = await errorCode {
            _ = try await members.update(
                seeded.asAdmin, userID: seeded.owner.id, role: .builtIn(.member), status: nil, origin: SeededTenant.origin)
        }
        #expect(code == .forbidden)
        #expect(seeded.membership(of: seeded.owner)?.role == .owner)
        #expect(seeded.events.isEmpty)
    }

    @Test("the last owner cannot step down, and the refused change is rolled back")
    func lastOwnerCannotStepDown() async throws {
        let code = await errorCode {
            _ = try await members.update(
                seeded.asOwner, userID: seeded.owner.id, role: .builtIn(.admin), status: nil, origin: SeededTenant.origin)
        }
        #expect(code == .lastOwner)
        #expect(seeded.membership(of: seeded.owner)?.role == .owner)
        #expect(seeded.events.isEmpty)
    }

    // MARK: Removing

    @Test("removing a member revokes the keys they created and records member.removed and api_key.revoked")
    func remove() async throws {
        let key = APIKey(
            tenantID: seeded.tenant.id, id: .generate(), name: "CI", prefix: "tnty_abcd", lastFour: "wxyz",
            scopes: [.membersRead], resource: nil, createdBy: seeded.member.id, createdAt: Date(), updatedAt: Date(),
            expiresAt: nil, revokedAt: nil, lastUsedAt: nil)
        seeded.store.seed { $0.apiKeys[key.id] = key }

        try await members.remove(seeded.asAdmin, userID: seeded.member.id, origin: SeededTenant.origin)

        #expect(seeded.membership(of: seeded.member) == nil)
        #expect(seeded.store.state.apiKeys[key.id]?.revokedAt != nil)
        let events = seeded.events
        #expect(events.map(\.type) == [.memberRemoved, .apiKeyRevoked])
        #expect(events.first?.target?.id == seeded.member.id.description)
        #expect(events.first?.before("role") == "member")
        #expect(events.last?.target?.id == key.id.description)
        #expect(events.last?.after("reason") == "creator_removed")
    }

    @Test("nobody removes the last owner, and the refused removal is rolled back")
    func lastOwnerCannotBeRemoved() async throws {
        let code = await errorCode {
            try await members.remove(seeded.asOwner, userID: seeded.owner.id, origin: SeededTenant.origin)
        }
        #expect(code == .lastOwner)
        #expect(seeded.membership(of: seeded.owner)?.role == .owner)
        #expect(seeded.events.isEmpty)
    }

    @Test("a member cannot remove an admin ranked above them")
    func cannotRemoveHigherRank() async throws {
        let code = await errorCode {
            try await members.remove(seeded.asMember, userID: seeded.admin.id, origin: SeededTenant.origin)
        }
        #expect(code == .forbidden)
        #expect(seeded.membership(of: seeded.admin) != nil)
        #expect(seeded.events.isEmpty)
    }

    // MARK: Ownership

    @Test("ownership transfer makes the target an owner and the caller an admin")
    func transferOwnership() async throws {
        let newOwner = try await members.transferOwnership(
            seeded.asOwner, to: seeded.admin.id, origin: SeededTenant.origin)

        #expect(newOwner.membership.role == .owner)
        #expect(seeded.membership(of: seeded.admin)?.role == .owner)
        #expect(seeded.membership(of: seeded.owner)?.role == .admin)
        let event = try #require(seeded.events.only)
        #expect(event.type == .tenantOwnershipTransferred)
        #expect(event.before("owner") == seeded.owner.id.description)
        #expect(event.after("owner") == seeded.admin.id.description)
        #expect(event.before("new_owner_role") == "admin")
    }

    @Test("only an owner can hand over ownership")
    func onlyOwnerTransfers() async throws {
        let code = await errorCode {
            _ = try await members.transferOwnership(seeded.asAdmin, to: seeded.member.id, origin: SeededTenant.origin)
        }
        #expect(code == .forbidden)
        #expect(seeded.membership(of: seeded.owner)?.role == .owner)
        #expect(seeded.membership(of: seeded.member)?.role == .member)
        #expect(seeded.events.isEmpty)
    }

    @Test("ownership goes only to an active member")
    func transferToSuspendedRefused() async throws {
        seeded.store.seed { $0.memberships[seeded.tenant.id]?[seeded.member.id]?.status = .suspended }

        let code = await errorCode {
            _ = try await members.transferOwnership(seeded.asOwner, to: seeded.member.id, origin: SeededTenant.origin)
        }
        #expect(code == .conflict)
        #expect(seeded.membership(of: seeded.owner)?.role == .owner)
        #expect(seeded.events.isEmpty)
    }
}
