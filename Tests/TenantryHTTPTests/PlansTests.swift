import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Plans, overrides and limits")
struct PlansTests {
    /// Sets the tenant's overrides through the platform API.
    static func override(
        _ client: some TestClientProtocol, _ admin: SignedInOperator, tenant: String, _ body: [String: Any]
    ) async throws {
        let response = try await client.json(.put, "/api/v1/platform/tenants/\(tenant)/overrides", body, token: admin.token)
        #expect(response.status == .ok, "overrides: \(response.raw)")
    }

    @Test("free, pro and enterprise are seeded; operators create and edit plans", arguments: TestDatabase.all)
    func seededAndEdited(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let list = try await client.json(.get, "/api/v1/platform/plans", token: admin.token)
            let ids = (list.body["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids == ["enterprise", "free", "pro"])
            let created = try await client.json(
                .post, "/api/v1/platform/plans",
                [
                    "id": "team", "name": "Team", "limits": ["members": 3, "api_keys": NSNull()], "features": ["custom_branding"],
                    "modules": ["core", "teams"],
                ],
                token: admin.token)
            #expect(created.status == .created, "\(created.raw)")
            let limits = try #require(created.body["limits"] as? [String: Any])
            #expect(limits["members"] as? Int == 3)
            #expect(limits["api_keys"] is NSNull)
            let edited = try await client.json(
                .patch, "/api/v1/platform/plans/team", ["name": "Team plan", "limits": ["members": 5]], token: admin.token)
            #expect(edited.status == .ok, "\(edited.raw)")
            #expect((edited.body["limits"] as? [String: Any])?["members"] as? Int == 5)
            let invalid = try await client.json(
                .post, "/api/v1/platform/plans",
                [
                    "id": "Bad Id", "name": "X", "limits": ["seats": 1, "members": -1], "features": ["x"],
                    "modules": ["teams", "nope"],
                ],
                token: admin.token)
            #expect(invalid.status == .unprocessableContent)
            let fields = Set((invalid.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["id", "limits.seats", "limits.members", "features.0", "modules.nope"], "\(invalid.raw)")
            #expect(
                try await client.json(.post, "/api/v1/platform/plans", ["id": "team", "name": "Again"], token: admin.token).status
                    == .conflict)
            #expect(try await client.json(.get, "/api/v1/platform/plans/none", token: admin.token).status == .notFound)
            let actions = try await platformAuditActions(context.database.database)
            #expect(actions.contains("plan.created") && actions.contains("plan.updated"))
        }
    }

    @Test("over a limit: 403 limit_exceeded naming the limit, the current count and the allowance", arguments: TestDatabase.all)
    func limitExceededBody(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            try await Self.override(client, admin, tenant: owner.tenantID, ["limits": ["teams": 1, "api_keys": 1]])
            #expect(try await client.json(.post, "/api/v1/teams", ["name": "One"], token: owner.accessToken).status == .created)
            let refused = try await client.json(.post, "/api/v1/teams", ["name": "Two"], token: owner.accessToken)
            #expect(refused.status == .forbidden)
            #expect(refused.body["code"] as? String == "limit_exceeded")
            #expect(refused.body["limit"] as? String == "teams")
            #expect(refused.body["current"] as? Int == 1)
            #expect(refused.body["allowed"] as? Int == 1)
            _ = try await client.createKey(token: owner.accessToken, scopes: ["members:read"])
            let key = try await client.json(
                .post, "/api/v1/api-keys", ["name": "second", "scopes": ["members:read"]], token: owner.accessToken)
            #expect(key.body["code"] as? String == "limit_exceeded")
            #expect(key.body["limit"] as? String == "api_keys")
        }
    }

    @Test("members: adding, inviting and accepting respect the allowance; invitations reserve seats", arguments: TestDatabase.all)
    func memberLimit(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            try await Self.override(client, admin, tenant: owner.tenantID, ["limits": ["members": 3]])
            let invited = try await client.json(
                .post, "/api/v1/invitations", ["email": "invitee@example.com", "role": "member"], token: owner.accessToken)
            #expect(invited.status == .created, "\(invited.raw)")
            _ = try await client.addSignedInMember(
                context, adminToken: owner.accessToken, tenantSlug: owner.tenantSlug, role: "viewer")
            // Owner + viewer + one pending invitation use the three seats.
            let second = try await client.json(
                .post, "/api/v1/invitations", ["email": "another@example.com", "role": "member"], token: owner.accessToken)
            #expect(second.body["code"] as? String == "limit_exceeded")
            #expect(second.body["current"] as? Int == 3)
            // Adding directly counts members only: two of three.
            let added = try await client.json(
                .post, "/api/v1/members", ["email": "direct@example.com", "name": "Direct", "role": "viewer"],
                token: owner.accessToken)
            #expect(added.status == .created, "\(added.raw)")
            let over = try await client.json(
                .post, "/api/v1/members", ["email": "over@example.com", "name": "Over", "role": "viewer"],
                token: owner.accessToken)
            #expect(over.body["code"] as? String == "limit_exceeded")
            #expect(over.body["limit"] as? String == "members")
            // Accepting the invitation now would make four.
            let message = try #require(try await queuedEmails(context).last { $0.to.rawValue == "invitee@example.com" })
            let token = try #require(linkToken(in: message))
            let accept = try await client.json(
                .post, "/api/v1/invitations/accept", ["token": token, "name": "Invitee", "password": "a long pass phrase"])
            #expect(accept.status == .forbidden, "\(accept.raw)")
            #expect(accept.body["code"] as? String == "limit_exceeded")
        }
    }

    @Test(
        "a downgrade keeps every item; creations are refused until the tenant is under the allowance", arguments: TestDatabase.all
    )
    func downgradeKeepsData(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            var teamIDs: [String] = []
            for name in ["A", "B", "C"] {
                let team = try await client.json(.post, "/api/v1/teams", ["name": name], token: owner.accessToken)
                teamIDs.append(try #require(team.body["id"] as? String))
            }
            let plan = try await client.json(
                .post, "/api/v1/platform/plans",
                ["id": "tiny", "name": "Tiny", "limits": ["teams": 2], "modules": ["core", "teams", "api_keys"]],
                token: admin.token)
            #expect(plan.status == .created, "\(plan.raw)")
            let moved = try await client.json(
                .put, "/api/v1/platform/tenants/\(owner.tenantID)/plan", ["plan": "tiny"], token: admin.token)
            #expect(moved.status == .ok, "\(moved.raw)")
            let teams = try await client.json(.get, "/api/v1/teams", token: owner.accessToken)
            #expect((teams.body["items"] as? [Any])?.count == 3)
            let refused = try await client.json(.post, "/api/v1/teams", ["name": "D"], token: owner.accessToken)
            #expect(refused.body["current"] as? Int == 3)
            #expect(refused.body["allowed"] as? Int == 2)
            for id in teamIDs.prefix(2) {
                #expect(try await client.json(.delete, "/api/v1/teams/\(id)", token: owner.accessToken).status == .noContent)
            }
            #expect(try await client.json(.post, "/api/v1/teams", ["name": "D"], token: owner.accessToken).status == .created)
            #expect(
                try await client.json(
                    .put, "/api/v1/platform/tenants/\(owner.tenantID)/plan", ["plan": "gold"], token: admin.token
                )
                .status == .unprocessableContent)
            #expect(try await platformAuditActions(context.database.database).contains("tenant.plan_changed"))
        }
    }

    @Test("concurrent creations never pass the allowance", arguments: TestDatabase.all)
    func concurrentCreations(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            try await Self.override(client, admin, tenant: owner.tenantID, ["limits": ["teams": 3]])
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await client.json(.post, "/api/v1/teams", ["name": "T\(index)"], token: owner.accessToken).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 3)
            #expect(statuses.filter { $0 == .forbidden }.count == 5)
        }
    }

    @Test("effective entitlements: plan plus overrides, read from memory and refreshed on change", arguments: TestDatabase.all)
    func entitlementsLookup(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            let id = try #require(TenantID(owner.tenantID))
            let free = try await context.identity.caches.entitlements.entitlements(for: id)
            #expect(free.allowance(.requestsPerMinute) == 600)
            #expect(free.allowance(.auditRetentionDays) == 30)
            #expect(context.identity.caches.entitlements.cachedEntitlements(for: id) == free)
            try await Self.override(
                client, admin, tenant: owner.tenantID,
                ["limits": ["requests_per_minute": 5, "api_calls_per_month": NSNull()], "features": ["custom_branding": true]])
            let changed = try await context.identity.caches.entitlements.entitlements(for: id)
            #expect(changed.allowance(.requestsPerMinute) == 5)
            #expect(changed.allowance(.apiCallsPerMonth) == nil)
            #expect(changed.features.contains("custom_branding"))
            let invalid = try await client.json(
                .put, "/api/v1/platform/tenants/\(owner.tenantID)/overrides",
                ["limits": ["bogus": 1], "features": ["nope": true], "modules": ["core": false]], token: admin.token)
            #expect(invalid.status == .unprocessableContent)
            let fields = Set((invalid.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["limits.bogus", "features.nope", "modules.core"], "\(invalid.raw)")
        }
    }

    @Test("new tenants get the configured default plan", arguments: TestDatabase.all)
    func defaultPlan(engine: TestDatabase) async throws {
        try await withTestApplication(engine, configure: { $0.defaultPlan = "pro" }) { client, _ in
            let owner = try await client.register()
            let tenant = try await client.json(.get, "/api/v1/tenant", token: owner.accessToken)
            #expect(tenant.body["plan"] as? String == "pro", "\(tenant.raw)")
        }
    }
}
