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

@Suite("Platform operators and the platform tenants API")
struct PlatformTests {
    @Test(
        "platform routes: no token 401, a non-operator 403, support reads only, a super admin changes",
        arguments: TestDatabase.all)
    func platformRoles(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let tenant = try await client.register()
            #expect(try await client.json(.get, "/api/v1/platform/tenants").status == .unauthorized)
            let denied = try await client.json(.get, "/api/v1/platform/tenants", token: tenant.accessToken)
            #expect(denied.status == .forbidden, "\(denied.raw)")
            let support = try await client.signedInOperator(context.identity, role: .support)
            #expect(try await client.json(.get, "/api/v1/platform/tenants", token: support.token).status == .ok)
            #expect(try await client.json(.get, "/api/v1/platform/plans", token: support.token).status == .ok)
            let refused = try await client.json(
                .post, "/api/v1/platform/tenants/\(tenant.tenantID)/suspend", ["reason": "abuse"], token: support.token)
            #expect(refused.status == .forbidden)
            let admin = try await client.signedInOperator(context.identity)
            let suspended = try await client.json(
                .post, "/api/v1/platform/tenants/\(tenant.tenantID)/suspend", ["reason": "abuse"], token: admin.token)
            #expect(suspended.status == .ok, "\(suspended.raw)")
        }
    }

    @Test("a platform role granted or taken away applies on the very next request", arguments: TestDatabase.all)
    func roleChangesApplyAtOnce(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let support = try await client.signedInOperator(context.identity, role: .support)
            #expect(try await client.json(.get, "/api/v1/platform/plans", token: support.token).status == .ok)
            let promote = try await client.json(
                .put, "/api/v1/platform/operators/\(support.userID)", ["role": "super_admin"], token: admin.token)
            #expect(promote.status == .noContent, "\(promote.raw)")
            let created = try await client.json(
                .post, "/api/v1/platform/plans", ["id": "starter", "name": "Starter"], token: support.token)
            #expect(created.status == .created, "\(created.raw)")
            #expect(
                try await client.json(.delete, "/api/v1/platform/operators/\(support.userID)", token: admin.token).status
                    == .noContent)
            #expect(try await client.json(.get, "/api/v1/platform/plans", token: support.token).status == .forbidden)
            #expect(
                try await client.json(.delete, "/api/v1/platform/operators/\(admin.userID)", token: admin.token).status
                    == .conflict)
            let actions = try await platformAuditActions(context.database.database)
            #expect(actions.filter { $0 == "operator.role_changed" }.count == 4)
            #expect(actions.contains("plan.created"))
        }
    }

    @Test(
        "a platform write is replayed by its Idempotency-Key only while the caller still holds the role",
        arguments: TestDatabase.all)
    func replayNeedsTheRole(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let other = try await client.signedInOperator(context.identity)
            let headers = IdempotencyTests.keyed(UUID().uuidString)
            let body: [String: Any] = ["id": "starter", "name": "Starter"]
            let created = try await client.json(.post, "/api/v1/platform/plans", body, token: admin.token, headers: headers)
            #expect(created.status == .created, "\(created.raw)")
            let replayed = try await client.json(.post, "/api/v1/platform/plans", body, token: admin.token, headers: headers)
            #expect(replayed.status == .created)
            #expect(replayed.headers[IdempotencyTests.replayed] == "true")
            #expect(
                try await client.json(.delete, "/api/v1/platform/operators/\(admin.userID)", token: other.token).status
                    == .noContent)
            let refused = try await client.json(.post, "/api/v1/platform/plans", body, token: admin.token, headers: headers)
            #expect(refused.status == .forbidden, "\(refused.raw)")
            #expect(refused.headers[IdempotencyTests.replayed] == nil)
        }
    }

    @Test("admin create promotes an existing account and keeps its password", arguments: TestDatabase.all)
    func adminCreatePromotes(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let tenant = try await client.register()
            let outcome = try await OperatorCommand.create(
                platform: UseCases(context.identity).platform, hashing: context.identity.hashing, email: tenant.email, name: nil,
                password: nil, role: .support)
            #expect(!outcome.created)
            #expect(outcome.generatedPassword == nil)
            let login = try await client.login(email: tenant.email, password: tenant.password)
            #expect(login.status == .ok)
            let token = try #require(login.accessToken)
            #expect(try await client.json(.get, "/api/v1/platform/tenants", token: token).status == .ok)
            let fresh = try await OperatorCommand.create(
                platform: UseCases(context.identity).platform, hashing: context.identity.hashing, email: "new-op@example.com",
                name: "New", password: nil)
            #expect(fresh.created)
            let generated = try #require(fresh.generatedPassword)
            #expect(try await client.login(email: "new-op@example.com", password: generated).status == .ok)
        }
    }

    @Test(
        "operators list and search tenants by status, plan, created range and text, with member counts",
        arguments: TestDatabase.all)
    func searchTenants(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let zebra = try await client.register(tenantName: "Zebra Works \(UUID().uuidString.prefix(4))")
            let yak = try await client.register(tenantName: "Yak_Labs \(UUID().uuidString.prefix(4))")
            _ = try await client.addSignedInMember(
                context, adminToken: yak.accessToken, tenantSlug: yak.tenantSlug, role: "viewer")
            _ = try await client.json(.put, "/api/v1/platform/tenants/\(yak.tenantID)/plan", ["plan": "pro"], token: admin.token)
            _ = try await client.json(
                .post, "/api/v1/platform/tenants/\(zebra.tenantID)/suspend", ["reason": "unpaid"], token: admin.token)

            func ids(_ query: String) async throws -> [String] {
                let response = try await client.json(.get, "/api/v1/platform/tenants?\(query)", token: admin.token)
                #expect(response.status == .ok, "\(query): \(response.raw)")
                return (response.body["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            #expect(try await ids("status=suspended") == [zebra.tenantID])
            #expect(try await ids("plan=pro") == [yak.tenantID])
            #expect(try await ids("q=zebra") == [zebra.tenantID])
            #expect(try await ids("q=_labs") == [yak.tenantID])
            #expect(try await ids("q=%25") == [])
            #expect(Set(try await ids("created_from=2000-01-01T00:00:00Z")) == [zebra.tenantID, yak.tenantID])
            #expect(try await ids("created_to=2000-01-01T00:00:00Z") == [])
            let bad = try await client.json(
                .get, "/api/v1/platform/tenants?status=gone&created_from=yesterday", token: admin.token)
            #expect(bad.status == .unprocessableContent)
            let fields = (bad.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(Set(fields) == ["status", "created_from"])

            let detail = try await client.json(.get, "/api/v1/platform/tenants/\(yak.tenantID)", token: admin.token)
            let tenant = try #require(detail.body["tenant"] as? [String: Any])
            #expect(tenant["member_count"] as? Int == 2)
            #expect(tenant["plan"] as? String == "pro")
            let limits = try #require((detail.body["entitlements"] as? [String: Any])?["limits"] as? [String: Any])
            #expect(limits["members"] as? Int == 100)
            #expect(
                try await client.json(.get, "/api/v1/platform/tenants/\(UUID().uuidString)", token: admin.token).status
                    == .notFound)
        }
    }

    @Test(
        "operators page through tenants oldest first, newest first or by name ignoring case, and a bad sort is a 422",
        arguments: TestDatabase.all)
    func sortTenants(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let suffix = UUID().uuidString.prefix(4)
            var created: [(id: String, name: String)] = []
            for name in ["delta", "Alpha", "charlie", "Echo", "bravo"] {
                let tenant = try await client.register(tenantName: "\(name) \(suffix)")
                created.append((tenant.tenantID, name))
            }

            // Every page of two, following the cursor, in the order asked for.
            func walk(_ sort: String?) async throws -> [String] {
                var ids: [String] = []
                var cursor: String?
                repeat {
                    var query = "limit=2"
                    if let sort { query += "&sort=\(sort)" }
                    if let cursor { query += "&cursor=\(cursor)" }
                    let response = try await client.json(.get, "/api/v1/platform/tenants?\(query)", token: admin.token)
                    #expect(response.status == .ok, "\(query): \(response.raw)")
                    ids += (response.body["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                    cursor = response.body["next_cursor"] as? String
                } while cursor != nil && ids.count < 20
                return ids
            }
            let oldest = created.map(\.id)
            #expect(try await walk(nil) == oldest)
            #expect(try await walk("created") == oldest)
            #expect(try await walk("-created") == oldest.reversed())
            let byName = created.sorted { $0.name.lowercased() < $1.name.lowercased() }.map(\.id)
            #expect(try await walk("name") == byName)

            let bad = try await client.json(.get, "/api/v1/platform/tenants?sort=size", token: admin.token)
            #expect(bad.status == .unprocessableContent)
            #expect((bad.body["errors"] as? [[String: Any]])?.first?["field"] as? String == "sort")
        }
    }

    @Test("an operator creates a tenant with its first owner, who is emailed a link", arguments: TestDatabase.all)
    func createTenant(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let created = try await client.json(
                .post, "/api/v1/platform/tenants",
                ["name": "Globex Corp", "plan": "enterprise", "owner_email": "boss@globex.example", "owner_name": "Boss"],
                token: admin.token)
            #expect(created.status == .created, "\(created.raw)")
            let tenant = try #require(created.body["tenant"] as? [String: Any])
            #expect(tenant["slug"] as? String == "globex-corp")
            #expect(tenant["plan"] as? String == "enterprise")
            #expect(tenant["member_count"] as? Int == 1)
            #expect(try await queuedEmails(context).contains { $0.to.rawValue == "boss@globex.example" })
            let taken = try await client.json(
                .post, "/api/v1/platform/tenants", ["name": "Globex Corp", "owner_email": "x@globex.example", "owner_name": "X"],
                token: admin.token)
            #expect(taken.status == .conflict)
            let invalid = try await client.json(
                .post, "/api/v1/platform/tenants", ["name": "", "plan": "nope!", "owner_email": "not-an-email"],
                token: admin.token)
            #expect(invalid.status == .unprocessableContent, "\(invalid.raw)")
            let unknownPlan = try await client.json(
                .post, "/api/v1/platform/tenants",
                ["name": "Initech", "plan": "platinum", "owner_email": "a@initech.example", "owner_name": "A"],
                token: admin.token)
            #expect(unknownPlan.status == .unprocessableContent, "\(unknownPlan.raw)")
            #expect(try await platformAuditActions(context.database.database).contains("tenant.created"))
        }
    }

    @Test(
        "a suspended tenant: sign-in, refresh, live tokens and keys answer 403 tenant_suspended at once; reactivation restores",
        arguments: TestDatabase.all)
    func suspension(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            let key = try await client.createKey(token: owner.accessToken, scopes: ["members:read"])
            #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .ok)
            #expect(try await client.json(.get, "/api/v1/members", token: key.secret).status == .ok)

            let suspend = try await client.json(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/suspend", ["reason": "Payment overdue"], token: admin.token)
            #expect(suspend.status == .ok, "\(suspend.raw)")
            #expect((suspend.body["tenant"] as? [String: Any])?["status_reason"] as? String == "Payment overdue")
            for credential in [owner.accessToken, key.secret] {
                let refused = try await client.json(.get, "/api/v1/members", token: credential)
                #expect(refused.status == .forbidden)
                #expect(refused.body["code"] as? String == "tenant_suspended")
            }
            let login = try await client.login(email: owner.email, password: owner.password)
            #expect(login.status == .forbidden)
            #expect(login.body["code"] as? String == "tenant_suspended")
            let refresh = try await client.refresh(owner.refreshToken)
            #expect(refresh.status == .forbidden)
            #expect(refresh.body["code"] as? String == "tenant_suspended")
            #expect(
                try await client.json(
                    .post, "/api/v1/platform/tenants/\(owner.tenantID)/suspend", ["reason": "again"], token: admin.token
                ).status == .conflict)
            let noReason = try await client.json(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/suspend", ["reason": " "], token: admin.token)
            #expect(noReason.status == .unprocessableContent)

            let reactivate = try await client.json(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/reactivate", token: admin.token)
            #expect(reactivate.status == .ok, "\(reactivate.raw)")
            #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .ok)
            #expect(try await client.json(.get, "/api/v1/members", token: key.secret).status == .ok)
            let actions = try await platformAuditActions(context.database.database)
            #expect(actions.contains("tenant.suspended") && actions.contains("tenant.reactivated"))
        }
    }

    @Test("a suspension on one node refuses the tenant's live token on another at once", arguments: TestDatabase.postgresOnly)
    func suspensionAcrossNodes(engine: TestDatabase) async throws {
        try await withTwoNodes(engine) { clientA, clientB, context in
            let identity = try TenantryEnvironment.make(
                configuration: context.configuration, database: context.database, logger: TestLogging.logger)
            let admin = try await clientA.signedInOperator(identity)
            let owner = try await clientA.register()
            // Node B has cached the member's grant and the tenant's state.
            #expect(try await clientB.json(.get, "/api/v1/members", token: owner.accessToken).status == .ok)
            #expect(
                try await clientA.json(
                    .post, "/api/v1/platform/tenants/\(owner.tenantID)/suspend", ["reason": "abuse"], token: admin.token
                ).status == .ok)
            #expect(
                try await AccessAcrossNodesTests.statusAfterChange {
                    try await clientB.json(.get, "/api/v1/members", token: owner.accessToken).status
                } == .forbidden)
            // Reactivation and a module override on node A reach node B's caches too.
            #expect(
                try await clientA.json(
                    .post, "/api/v1/platform/tenants/\(owner.tenantID)/reactivate", token: admin.token
                ).status == .ok)
            #expect(
                try await eventually(.ok) { try await clientB.json(.get, "/api/v1/teams", token: owner.accessToken).status }
                    == .ok)
            #expect(
                try await clientA.json(
                    .put, "/api/v1/platform/tenants/\(owner.tenantID)/overrides", ["modules": ["teams": false]],
                    token: admin.token
                ).status == .ok)
            #expect(
                try await eventually(.notFound) {
                    try await clientB.json(.get, "/api/v1/teams", token: owner.accessToken).status
                } == .notFound)
            // A plan edit (a notice for every tenant) reaches node B as well.
            #expect(
                try await clientA.json(.put, "/api/v1/platform/tenants/\(owner.tenantID)/overrides", [:], token: admin.token)
                    .status == .ok)
            #expect(
                try await eventually(.ok) { try await clientB.json(.get, "/api/v1/teams", token: owner.accessToken).status }
                    == .ok)
            #expect(
                try await clientA.json(
                    .patch, "/api/v1/platform/plans/free", ["modules": ["core", "api_keys"]], token: admin.token
                ).status == .ok)
            #expect(
                try await eventually(.notFound) {
                    try await clientB.json(.get, "/api/v1/teams", token: owner.accessToken).status
                } == .notFound)
        }
    }

    @Test(
        "role matrix: every platform route refuses a caller without a token (401), a non-operator (403), and support where it needs a super admin (403)",
        arguments: TestDatabase.all)
    func platformRoleMatrix(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let routes = try makeTestRouter(context.database).platformTable.routes
            #expect(routes.contains { $0.path == "/api/v1/platform/social-connections/{id}" && $0.method == .delete })
            let member = try await client.register()
            let support = try await client.signedInOperator(context.identity, role: .support)
            let absent = UUID().uuidString.lowercased()
            for route in routes {
                // Any `{name}` stands for an id nobody has: the role is checked before it is looked up.
                let path = route.path.split(separator: "/").map { $0.hasPrefix("{") ? absent : String($0) }.joined(
                    separator: "/")
                let body: [String: Any]? = route.method == .get || route.method == .delete ? nil : [:]
                let name = "\(route.method) \(route.path)"
                #expect(try await client.json(route.method, "/" + path, body).status == .unauthorized, "\(name)")
                #expect(
                    try await client.json(route.method, "/" + path, body, token: member.accessToken).status == .forbidden,
                    "\(name)")
                let asSupport = try await client.json(route.method, "/" + path, body, token: support.token).status
                #expect((asSupport == .forbidden) == (route.role == .superAdmin), "\(name): support got \(asSupport)")
            }
        }
    }

    @Test("every platform route's role is the x-platform-role of its OpenAPI operation, which needs a bearer token")
    func documentedRoles() async throws {
        try await withTestDatabase(.sqlite) { context in
            let routes = try makeTestRouter(context).platformTable.routes
            #expect(routes.count >= 15)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: Any])
            for route in routes {
                let operation = (paths[route.path] as? [String: Any])?[route.method.rawValue.lowercased()] as? [String: Any]
                #expect(operation?["x-platform-role"] as? String == route.role.rawValue, "\(route.method) \(route.path)")
                #expect(
                    (operation?["security"] as? [[String: Any]])?.map { Array($0.keys) } == [["bearerAuth"]],
                    "\(route.method) \(route.path)")
            }
        }
    }
}
