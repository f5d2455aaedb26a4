import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Access rules")
struct AccessRulesTests {
    @Test("nobody grants more than they hold: own role, owners, key scopes, custom roles", arguments: TestDatabase.all)
    func escalation(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let f = try await client.accessFixture(context)
            // A member cannot raise their own role.
            let raise = try await client.json(
                .patch, "/api/v1/members/\(f.member.userID)", ["role": "admin"], token: f.member.token)
            #expect(raise.status == .forbidden)
            // An admin cannot make or add an owner, nor change one.
            for (method, path, body) in [
                (HTTPRequest.Method.patch, "/api/v1/members/\(f.viewer.userID)", ["role": "owner"]),
                (.post, "/api/v1/members", ["email": "new-owner@example.com", "name": "New", "role": "owner"]),
                (.patch, "/api/v1/members/\(f.owner.userID)", ["role": "viewer"]),
                (.delete, "/api/v1/members/\(f.owner.userID)", [:]),
            ] {
                let response = try await client.json(method, path, body.isEmpty ? nil : body, token: f.admin.token)
                #expect(response.status == .forbidden, "\(method) \(path): \(response.raw)")
            }
            // An admin cannot give a key or a custom role a permission they lack.
            let key = try await client.json(
                .post, "/api/v1/api-keys", ["name": "k", "scopes": ["tenant:transfer_ownership"]], token: f.admin.token)
            #expect(key.status == .forbidden, "\(key.raw)")
            let role = try await client.json(
                .post, "/api/v1/roles", ["name": "Heir", "permissions": ["tenant:transfer_ownership"]], token: f.admin.token)
            #expect(role.status == .forbidden, "\(role.raw)")
            // A key made by a member-level creator cannot exceed its creator's scopes through another key.
            let reader = try await client.createKey(token: f.ownerToken, scopes: ["api_keys:manage", "members:read"])
            let widened = try await client.json(
                .post, "/api/v1/api-keys", ["name": "wider", "scopes": ["members:manage"]], token: reader.secret)
            #expect(widened.status == .forbidden, "\(widened.raw)")
            // Nothing changed.
            let viewer = try await client.json(.get, "/api/v1/members/\(f.viewer.userID)", token: f.ownerToken)
            #expect(viewer.body["role"] as? String == "viewer")
            // An admin can still make a member an admin.
            let promote = try await client.json(
                .patch, "/api/v1/members/\(f.member.userID)", ["role": "admin"], token: f.admin.token)
            #expect(promote.status == .ok, "\(promote.raw)")
            #expect(promote.body["role"] as? String == "admin")
        }
    }

    @Test("the last active owner cannot be demoted, suspended or removed", arguments: TestDatabase.all)
    func lastOwner(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let f = try await client.accessFixture(context)
            let demote = try await client.json(
                .patch, "/api/v1/members/\(f.owner.userID)", ["role": "admin"], token: f.ownerToken)
            #expect(demote.status == .conflict)
            #expect(demote.body["code"] as? String == "last_owner")
            let remove = try await client.json(.delete, "/api/v1/members/\(f.owner.userID)", token: f.ownerToken)
            #expect(remove.status == .conflict)
            let suspend = try await client.json(
                .patch, "/api/v1/members/\(f.owner.userID)", ["status": "suspended"], token: f.ownerToken)
            #expect(suspend.status == .forbidden)
            // With a second owner, one of them can step down.
            let second = try await client.json(
                .patch, "/api/v1/members/\(f.admin.userID)", ["role": "owner"], token: f.ownerToken)
            #expect(second.status == .ok, "\(second.raw)")
            let stepDown = try await client.json(
                .patch, "/api/v1/members/\(f.owner.userID)", ["role": "admin"], token: f.ownerToken)
            #expect(stepDown.status == .ok, "\(stepDown.raw)")
        }
    }

    @Test("two owners demoting each other at once leave exactly one owner", arguments: TestDatabase.all)
    func concurrentDemotions(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let f = try await client.accessFixture(context)
            let promote = try await client.json(
                .patch, "/api/v1/members/\(f.admin.userID)", ["role": "owner"], token: f.ownerToken)
            #expect(promote.status == .ok)
            let secondOwnerToken = try #require(
                try await client.login(email: f.admin.email, password: "pass phrase for admin", tenantSlug: f.owner.tenantSlug)
                    .accessToken)
            async let first = client.json(.patch, "/api/v1/members/\(f.admin.userID)", ["role": "admin"], token: f.ownerToken)
            async let second = client.json(
                .patch, "/api/v1/members/\(f.owner.userID)", ["role": "admin"], token: secondOwnerToken)
            let statuses = [try await first.status, try await second.status]
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            let owners = try await client.json(.get, "/api/v1/members?role=owner", token: f.ownerToken)
            let ownersSeenByAdmin = try await client.json(.get, "/api/v1/members?role=owner", token: secondOwnerToken)
            let count = max(
                (owners.body["items"] as? [Any])?.count ?? 0, (ownersSeenByAdmin.body["items"] as? [Any])?.count ?? 0)
            #expect(count == 1)
        }
    }

    @Test("ownership transfer is atomic: of two concurrent transfers exactly one happens", arguments: TestDatabase.all)
    func transfer(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let f = try await client.accessFixture(context)
            // Admins cannot transfer; keys cannot either.
            let byAdmin = try await client.json(
                .post, "/api/v1/tenant/transfer-ownership", ["user_id": f.member.userID], token: f.admin.token)
            #expect(byAdmin.status == .forbidden)
            async let toAdmin = client.json(
                .post, "/api/v1/tenant/transfer-ownership", ["user_id": f.admin.userID], token: f.ownerToken)
            async let toMember = client.json(
                .post, "/api/v1/tenant/transfer-ownership", ["user_id": f.member.userID], token: f.ownerToken)
            let results = [try await toAdmin, try await toMember]
            #expect(results.filter { $0.status == .ok }.count == 1, "\(results.map(\.raw))")
            #expect(results.filter { $0.status == .forbidden }.count == 1, "\(results.map(\.raw))")
            let newOwner = try #require(results.first { $0.status == .ok }?.body["user_id"] as? String)
            let members = try await client.json(.get, "/api/v1/members?limit=200", token: f.admin.token)
            let roles = Dictionary(
                uniqueKeysWithValues: (members.body["items"] as? [[String: Any]] ?? []).compactMap { item in
                    (item["user_id"] as? String).map { ($0, item["role"] as? String ?? "") }
                })
            #expect(roles[newOwner] == "owner")
            #expect(roles[f.owner.userID] == "admin")
            #expect(roles.values.filter { $0 == "owner" }.count == 1)
        }
    }

    @Test(
        "a removed member's token and a suspended member's token are refused on the next request, on every route",
        arguments: TestDatabase.all)
    func removedAndSuspended(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let f = try await client.accessFixture(context)
            #expect(try await client.json(.get, "/api/v1/members", token: f.viewer.token).status == .ok)
            #expect(try await client.json(.get, "/api/v1/members", token: f.member.token).status == .ok)
            let suspend = try await client.json(
                .patch, "/api/v1/members/\(f.viewer.userID)", ["status": "suspended"], token: f.admin.token)
            #expect(suspend.status == .ok)
            let suspended = try await client.json(.get, "/api/v1/members", token: f.viewer.token)
            #expect(suspended.status == .unauthorized)
            #expect(suspended.body["code"] as? String == "member_suspended")
            // Not only the tenant's routes: the token was issued for that membership.
            let suspendedMe = try await client.json(.get, "/api/v1/me", token: f.viewer.token)
            #expect(suspendedMe.status == .unauthorized)
            #expect(suspendedMe.body["code"] as? String == "member_suspended")
            #expect(try await client.json(.get, "/api/v1/me", token: f.member.token).status == .ok)
            // And no new token for that membership either.
            let refreshed = try await client.json(
                .post, "/api/v1/auth/refresh", ["refresh_token": try #require(f.viewer.refreshToken)])
            #expect(refreshed.status == .unauthorized)
            #expect(refreshed.body["code"] as? String == "invalid_refresh_token")
            #expect(
                try await client.json(.delete, "/api/v1/members/\(f.member.userID)", token: f.admin.token).status == .noContent)
            let removed = try await client.json(.get, "/api/v1/members", token: f.member.token)
            #expect(removed.status == .unauthorized)
            for path in ["/api/v1/me", "/api/v1/me/sessions"] {
                let me = try await client.json(.get, path, token: f.member.token)
                #expect(me.status == .unauthorized, "\(path)")
                #expect(me.body["code"] as? String == "invalid_token", "\(path)")
            }
            #expect(try await client.json(.get, "/api/v1/members/\(f.member.userID)", token: f.ownerToken).status == .notFound)
            // Reactivation restores access.
            _ = try await client.json(.patch, "/api/v1/members/\(f.viewer.userID)", ["status": "active"], token: f.admin.token)
            #expect(try await client.json(.get, "/api/v1/members", token: f.viewer.token).status == .ok)
            #expect(try await client.json(.get, "/api/v1/me", token: f.viewer.token).status == .ok)
        }
    }

    @Test("a role change, a removal and an ownership transfer show in the people's own /me at once", arguments: TestDatabase.all)
    func meFollowsMembership(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let f = try await client.accessFixture(context)
            func role(_ token: String) async throws -> String? {
                try await client.json(.get, "/api/v1/me", token: token).body["role"] as? String
            }
            #expect(try await role(f.viewer.token) == "viewer")
            _ = try await client.json(.patch, "/api/v1/members/\(f.viewer.userID)", ["role": "member"], token: f.admin.token)
            #expect(try await role(f.viewer.token) == "member")
            _ = try await client.json(
                .post, "/api/v1/tenant/transfer-ownership", ["user_id": f.admin.userID], token: f.ownerToken)
            #expect(try await role(f.admin.token) == "owner")
            #expect(try await role(f.ownerToken) == "admin")
            _ = try await client.json(.delete, "/api/v1/members/\(f.member.userID)", token: f.admin.token)
            let tenants = try await client.json(.get, "/api/v1/me", token: f.member.token)
            #expect((tenants.body["tenants"] as? [Any])?.isEmpty ?? true, "\(tenants.raw)")
        }
    }

    @Test(
        "members are listed with filters and cursor pages; changes are audited with before and after", arguments: TestDatabase.all
    )
    func listingAndAudit(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let f = try await client.accessFixture(context)
            let all = try await client.json(.get, "/api/v1/members?limit=2", token: f.viewer.token)
            #expect((all.body["items"] as? [Any])?.count == 2)
            let cursor = try #require(all.body["next_cursor"] as? String)
            let rest = try await client.json(.get, "/api/v1/members?limit=2&cursor=\(cursor)", token: f.viewer.token)
            #expect((rest.body["items"] as? [Any])?.count == 2)
            #expect(rest.body["next_cursor"] == nil)
            let admins = try await client.json(.get, "/api/v1/members?role=admin", token: f.viewer.token)
            #expect((admins.body["items"] as? [[String: Any]])?.map { $0["user_id"] as? String } == [f.admin.userID])
            let byText = try await client.json(.get, "/api/v1/members?q=\(f.member.email.prefix(10))", token: f.viewer.token)
            #expect((byText.body["items"] as? [[String: Any]])?.map { $0["user_id"] as? String } == [f.member.userID])
            for bad in ["limit=0", "status=gone", "role=emperor", "cursor=zzz"] {
                let response = try await client.json(.get, "/api/v1/members?\(bad)", token: f.viewer.token)
                #expect(response.status == .unprocessableContent, "\(bad)")
            }
            _ = try await client.json(.patch, "/api/v1/members/\(f.viewer.userID)", ["role": "member"], token: f.ownerToken)
            let tenantID = try #require(TenantID(f.owner.tenantID))
            let events = try await context.database.database.withTenant(tenantID) { scope in
                try await scope.auditEvents.list(PageRequest(limit: 200)).items
            }
            let change = try #require(events.last { $0.action == "member.updated" })
            #expect(change.changes["role"] == AuditEvent.Change(before: "viewer", after: "member"))
            #expect(change.actor == .user(try #require(UserID(f.owner.userID))))
        }
    }

    @Test(
        "custom roles: members get the role's permissions at once, and it cannot be deleted while held",
        arguments: TestDatabase.all)
    func customRoles(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let f = try await client.accessFixture(context)
            let catalogue = try await client.json(.get, "/api/v1/permissions", token: f.viewer.token)
            #expect((catalogue.body["modules"] as? [[String: Any]])?.first?["id"] as? String == "core")
            let created = try await client.json(
                .post, "/api/v1/roles", ["name": "Key keeper", "base_role": "viewer", "permissions": ["api_keys:read"]],
                token: f.admin.token)
            #expect(created.status == .created, "\(created.raw)")
            let roleID = try #require(created.body["id"] as? String)
            let person = try await client.addSignedInMember(
                context, adminToken: f.admin.token, tenantSlug: f.owner.tenantSlug, role: roleID)
            #expect(try await client.json(.get, "/api/v1/api-keys", token: person.token).status == .ok)
            let listed = try await client.json(.get, "/api/v1/members/\(person.userID)", token: f.viewer.token)
            #expect(listed.body["role"] as? String == roleID)
            #expect(listed.body["role_name"] as? String == "Key keeper")
            let page = try await client.json(.get, "/api/v1/members?role=\(roleID)", token: f.viewer.token)
            #expect((page.body["items"] as? [[String: Any]])?.first?["role_name"] as? String == "Key keeper")
            #expect(try await client.json(.get, "/api/v1/invitations", token: person.token).status != .ok)
            let narrowed = try await client.json(.patch, "/api/v1/roles/\(roleID)", ["permissions": []], token: f.admin.token)
            #expect(narrowed.status == .ok, "\(narrowed.raw)")
            #expect(try await client.json(.get, "/api/v1/api-keys", token: person.token).status == .forbidden)
            let held = try await client.json(.delete, "/api/v1/roles/\(roleID)", token: f.admin.token)
            #expect(held.status == .conflict)
            #expect(try await client.json(.patch, "/api/v1/roles/admin", ["name": "x"], token: f.ownerToken).status == .conflict)
            let duplicate = try await client.json(.post, "/api/v1/roles", ["name": "key KEEPER"], token: f.admin.token)
            #expect(duplicate.status == .conflict)
            let unknown = try await client.json(
                .post, "/api/v1/roles", ["name": "X", "permissions": ["fly"]], token: f.admin.token)
            #expect(unknown.status == .unprocessableContent)
            _ = try await client.json(.patch, "/api/v1/members/\(person.userID)", ["role": "viewer"], token: f.admin.token)
            #expect(try await client.json(.delete, "/api/v1/roles/\(roleID)", token: f.admin.token).status == .noContent)
            let roles = try await client.json(.get, "/api/v1/roles", token: f.viewer.token)
            #expect(
                (roles.body["items"] as? [[String: Any]])?.map { $0["id"] as? String } == ["owner", "admin", "member", "viewer"])
        }
    }
}
