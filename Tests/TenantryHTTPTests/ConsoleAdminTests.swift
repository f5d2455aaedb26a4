import Foundation
import HTTPTypes
import HummingbirdTesting
import TenantryCore
import TenantryTestSupport
import Testing

@Suite("Console: the operators' editors")
struct ConsoleAdminTests {
    @Test(
        "an operator creates and edits a plan from the console with the API's checks; support sees it read-only",
        arguments: TestDatabase.all)
    func plans(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let op = try await client.signedInOperator(context.identity)
            let admin = ConsoleBrowser.signedIn(client, accessToken: op.token, admin: true)
            let list = try await admin.get("/admin/plans")
            #expect(list.html.contains("id=\"create-plan\""))
            let id = "team-\(UUID().uuidString.prefix(6).lowercased())"
            let created = try await admin.post(
                "/admin/plans",
                [
                    ("id", id), ("name", "Team"), ("description", "For teams"), ("limit.members", "25"),
                    ("limit.api_keys", ""), ("module", "teams"), ("module", "webhooks"), ("feature", "custom_branding"),
                ])
            #expect(
                created.location == "/admin/plans/\(id)?notice=plan_created", "\(created.status) \(created.html.suffix(3000))")
            let plan = try await client.json(.get, "/api/v1/platform/plans/\(id)", token: op.token)
            #expect(plan.body["modules"] as? [String] == ["core", "teams", "webhooks"])
            #expect(plan.body["features"] as? [String] == ["custom_branding"])
            let limits = try #require(plan.body["limits"] as? [String: Any])
            #expect(limits["members"] as? Int == 25)
            #expect(limits["api_keys"] is NSNull)

            // The same id again, a bad limit and an unknown feature: the API's refusals.
            let taken = try await admin.post("/admin/plans", [("id", id), ("name", "Again")])
            #expect(taken.status == .conflict)
            let badLimit = try await admin.post("/admin/plans", [("id", "x-\(id)"), ("name", "X"), ("limit.members", "lots")])
            #expect(badLimit.status == .unprocessableContent)
            let badFeature = try await admin.post(
                "/admin/plans", [("id", "y-\(id)"), ("name", "Y"), ("feature", "time_travel")])
            #expect(badFeature.status == .unprocessableContent)

            let page = try await admin.get("/admin/plans/\(id)")
            #expect(page.html.contains("id=\"limit-members\" name=\"limit.members\" type=\"number\" min=\"0\" value=\"25\""))
            let edited = try await admin.post(
                "/admin/plans/\(id)", [("name", "Team Plus"), ("description", ""), ("limit.members", "50"), ("module", "sso")])
            #expect(edited.location == "/admin/plans/\(id)?notice=plan_saved")
            let after = try await client.json(.get, "/api/v1/platform/plans/\(id)", token: op.token)
            #expect(after.body["name"] as? String == "Team Plus")
            #expect(after.body["description"] is NSNull || after.body["description"] == nil)
            #expect(after.body["modules"] as? [String] == ["core", "sso"])
            #expect(after.body["features"] as? [String] == [])

            let supportOp = try await client.signedInOperator(context.identity, role: .support)
            let support = ConsoleBrowser.signedIn(client, accessToken: supportOp.token, admin: true)
            let readOnly = try await support.get("/admin/plans/\(id)")
            #expect(readOnly.status == .ok && !readOnly.html.contains("<button type=\"submit\">"))
            #expect(!(try await support.get("/admin/plans")).html.contains("id=\"create-plan\""))
            #expect(try await support.post("/admin/plans/\(id)", [("name", "Mine")]).status == .forbidden)
            #expect(try await admin.get("/admin/plans/no-such-plan").status == .notFound)
        }
    }

    @Test(
        "an operator overrides a tenant's limits and modules from its page, and the tenant's entitlements follow",
        arguments: TestDatabase.all)
    func overrides(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let op = try await client.signedInOperator(context.identity)
            let admin = ConsoleBrowser.signedIn(client, accessToken: op.token, admin: true)
            let path = "/admin/tenants/\(owner.tenantID)"
            #expect(try await admin.get(path).html.contains("id=\"overrides\""))
            let saved = try await admin.post(
                path + "/overrides",
                [("limit.members", "3"), ("limit.api_keys", "unlimited"), ("limit.teams", ""), ("module.sso", "off")])
            #expect(saved.location == path + "?notice=overrides_saved")
            let tenant = try await client.json(.get, "/api/v1/platform/tenants/\(owner.tenantID)", token: op.token)
            let overrides = try #require(tenant.body["overrides"] as? [String: Any], "\(tenant.raw)")
            let limits = try #require(overrides["limits"] as? [String: Any])
            #expect(limits["members"] as? Int == 3)
            #expect(limits["api_keys"] is NSNull)
            #expect(limits["teams"] == nil)
            #expect((overrides["modules"] as? [String: Bool])?["sso"] == false)
            let page = try await admin.get(path)
            #expect(page.html.contains("name=\"limit.api_keys\" type=\"text\" value=\"unlimited\""))
            #expect(page.html.contains("<option value=\"off\" selected>"))
            // The tenant's own API follows the overrides at once.
            let sso = try await client.json(.get, "/api/v1/sso/connections", token: owner.accessToken)
            #expect(sso.status == .notFound)

            let bad = try await admin.post(path + "/overrides", [("limit.members", "many")])
            #expect(bad.status == .unprocessableContent)
            let unknown = try await admin.post(path + "/overrides", [("module.core", "off")])
            #expect(unknown.location == path + "?notice=overrides_saved", "the always-on core has no switch to send")
        }
    }

    @Test(
        "operators are listed, added by address, changed and removed from the console; nobody removes themselves",
        arguments: TestDatabase.all)
    func operators(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let op = try await client.signedInOperator(context.identity)
            let admin = ConsoleBrowser.signedIn(client, accessToken: op.token, admin: true)
            let list = try await admin.get("/admin/operators")
            #expect(list.status == .ok && list.html.contains(op.email))
            #expect(list.html.contains("href=\"/admin/operators\""))

            let before = try await platformAuditActions(context.database.database).filter { $0 == "operator.role_changed" }.count
            let added = try await admin.post("/admin/operators", [("email", owner.email), ("role", "support")])
            #expect(added.location == "/admin/operators?notice=operator_saved")
            let api = try await client.json(.get, "/api/v1/platform/operators", token: op.token)
            let items = try #require(api.body["items"] as? [[String: Any]], "\(api.raw)")
            #expect(
                items.first { $0["email"] as? String == owner.email.lowercased() }?["role"] as? String == "support", "\(items)")
            let nobody = try await admin.post("/admin/operators", [("email", "nobody@example.com"), ("role", "support")])
            #expect(nobody.status == .notFound)
            let badRole = try await admin.post("/admin/operators", [("email", owner.email), ("role", "emperor")])
            #expect(badRole.status == .unprocessableContent)

            // The new support operator reads the list but changes nothing.
            let support = ConsoleBrowser.signedIn(client, accessToken: owner.accessToken, admin: true)
            let readOnly = try await support.get("/admin/operators")
            #expect(readOnly.status == .ok && !readOnly.html.contains("id=\"add-operator\""))
            #expect(try await support.post("/admin/operators/\(op.userID)/delete").status == .forbidden)

            let promoted = try await admin.post("/admin/operators/\(owner.userID)", [("role", "super_admin")])
            #expect(promoted.location == "/admin/operators?notice=operator_saved")
            #expect(try await admin.post("/admin/operators/\(op.userID)/delete").status == .conflict)
            let removed = try await admin.post("/admin/operators/\(owner.userID)/delete")
            #expect(removed.location == "/admin/operators?notice=operator_removed")
            #expect(try await support.get("/admin/operators").status == .forbidden)
            let changes = try await platformAuditActions(context.database.database).filter { $0 == "operator.role_changed" }
            #expect(changes.count == before + 3, "added, promoted, removed")
        }
    }
}

@Suite("Console: the operators' overview")
struct ConsoleAdminOverviewTests {
    @Test(
        "the overview counts tenants by plan and status and per day, and shows the job queues and failing webhook endpoints",
        arguments: TestDatabase.all)
    func overview(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let first = try await client.register()
            let second = try await client.register()
            let op = try await client.signedInOperator(context.identity)
            #expect(
                try await client.json(
                    .post, "/api/v1/platform/tenants/\(second.tenantID)/suspend", ["reason": "Unpaid"], token: op.token
                ).status == .ok)
            let endpoint = try await client.json(
                .post, "/api/v1/webhook-endpoints", ["url": "https://hooks.example.com/down"], token: first.accessToken)
            let endpointID = try #require((endpoint.body["endpoint"] as? [String: Any])?["id"] as? String)
            // The delivery worker marks an endpoint failing; here the mark is set as it would.
            try await context.database.database.withPlatform { scope in
                try await scope.sql.raw(
                    "UPDATE webhook_endpoints SET failing_since = \(bind: Date().addingTimeInterval(-7_200)) WHERE id = \(bind: try #require(UUID(uuidString: endpointID)))"
                ).run()
            }

            let admin = ConsoleBrowser.signedIn(client, accessToken: op.token, admin: true)
            let page = try await admin.get("/admin")
            #expect(page.status == .ok)
            // Both tenants are on the free plan: one active, one suspended (others may exist).
            let free = try #require(page.html.range(of: "<th scope=\"row\"><code>free</code></th>"))
            let row = page.html[free.upperBound...].prefix { $0 != "\n" }
            let counts = row.matches(of: /<td class="number">([0-9,]+)<\/td>/).map {
                Int($0.output.1.replacing(",", with: "")) ?? -1
            }
            #expect(counts.count == 3 && counts[0] >= 1 && counts[1] >= 1, "\(row)")
            #expect(page.html.contains("aria-labelledby=\"new-tenants-title new-tenants-desc\""))
            #expect(page.html.contains("id=\"failing-endpoints\""))
            #expect(page.html.contains("https://hooks.example.com/down"))
            #expect(page.html.contains("href=\"/admin/tenants/\(first.tenantID)\""))
            #expect(page.html.contains("id=\"job-queues\""))
            let queued = try await context.database.database.readGlobal { scope in
                try await scope.sql.raw("SELECT count(*) AS n FROM jobs WHERE status = 'pending'").first(
                    decodingColumn: "n", as: Int.self)
            }
            if (queued ?? 0) > 0 { #expect(page.html.contains("data-queue=\"")) }

            // The hand-written rows escape what a tenant named itself.
            let odd = try await client.register(tenantName: "<b>Bold & Co</b> \(UUID().uuidString.prefix(4))")
            let listed = try await admin.get("/admin/tenants?q=\(odd.tenantSlug)")
            #expect(listed.html.contains("&lt;b&gt;Bold &amp; Co&lt;/b&gt;") && !listed.html.contains("<b>Bold"))

            // The tenant list filters by plan; a tenant's page lists its members.
            let onFree = try await admin.get("/admin/tenants?plan=free&q=\(first.tenantSlug)")
            #expect(onFree.html.contains("data-tenant-slug=\"\(first.tenantSlug)\""))
            let onPro = try await admin.get("/admin/tenants?plan=pro&q=\(first.tenantSlug)")
            #expect(!onPro.html.contains("data-tenant-slug=\"\(first.tenantSlug)\""))
            #expect(try await admin.get("/admin/tenants?plan=Not%20A%20Plan").status == .unprocessableContent)
            let tenantPage = try await admin.get("/admin/tenants/\(first.tenantID)")
            #expect(tenantPage.html.contains("id=\"tenant-members\"") && tenantPage.html.contains(first.email.lowercased()))
        }
    }
}

@Suite("Console: the platform's own audit trail and the tenant list's order")
struct ConsoleAdminTrailTests {
    @Test(
        "what operators did is listed by the API and the operators' console, filtered; a filter form left blank filters nothing",
        arguments: TestDatabase.all)
    func platformTrail(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let op = try await client.signedInOperator(context.identity)
            #expect(
                try await client.json(
                    .post, "/api/v1/platform/tenants/\(owner.tenantID)/suspend", ["reason": "Unpaid"], token: op.token
                ).status == .ok)

            let api = try await client.json(
                .get, "/api/v1/platform/platform-audit-events?action=tenant.suspended&target_id=\(owner.tenantID)",
                token: op.token)
            #expect(api.status == .ok, "\(api.raw)")
            let items = try #require(api.body["items"] as? [[String: Any]])
            #expect(items.count == 1, "\(items)")
            let event = try #require(items.first)
            #expect((event["actor"] as? [String: Any])?["type"] as? String == "operator")
            #expect((event["actor"] as? [String: Any])?["id"] as? String == op.userID)
            #expect((event["target"] as? [String: Any])?["id"] as? String == owner.tenantID)
            #expect(((event["changes"] as? [String: Any])?["status"] as? [String: Any])?["after"] as? String == "suspended")
            #expect(event["tenant_id"] == nil && event["hash"] == nil)
            let other = try await client.json(
                .get, "/api/v1/platform/platform-audit-events?action=plan.created", token: op.token)
            #expect((other.body["items"] as? [Any])?.isEmpty == true, "\(other.raw)")
            let bad = try await client.json(.get, "/api/v1/platform/platform-audit-events?from=yesterday", token: op.token)
            #expect(bad.status == .unprocessableContent)
            let member = try await client.json(.get, "/api/v1/platform/platform-audit-events", token: owner.accessToken)
            #expect(member.status == .forbidden)

            let admin = ConsoleBrowser.signedIn(client, accessToken: op.token, admin: true)
            // A GET form sends its empty fields; they filter nothing.
            let page = try await admin.get("/admin/audit/platform?action=&actor_id=&target_id=")
            #expect(page.status == .ok)
            #expect(page.html.contains("<code>tenant.suspended</code>"))
            #expect(page.html.contains("<a href=\"/admin/tenants/\(owner.tenantID)\">tenant \(owner.tenantID)</a>"))
            #expect(page.html.contains(op.email.lowercased()), "the operator is shown by address")
            #expect(page.html.contains("<code>status</code>: active → suspended"))
            let filtered = try await admin.get("/admin/audit/platform?action=plan.created")
            #expect(filtered.status == .ok && !filtered.html.contains("<code>tenant.suspended</code>"))
            #expect(try await admin.get("/admin/audit/platform?from=yesterday").status == .unprocessableContent)
            #expect(try await admin.get("/admin/audit?tenant_id=&action=").status == .ok)
            #expect(try await admin.get("/admin/audit").html.contains("href=\"/admin/audit/platform\""))

            let reactivated = try await client.json(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/reactivate", token: op.token)
            #expect(reactivated.status == .ok)
            let tenantConsole = ConsoleBrowser.signedIn(client, accessToken: owner.accessToken)
            #expect(try await tenantConsole.get("/console/audit?action=&actor_type=").status == .ok)
        }
    }

    @Test(
        "the operators' tenant list sorts oldest first, newest first or by name, and its next link keeps the order",
        arguments: TestDatabase.all)
    func tenantOrder(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let suffix = "order\(UUID().uuidString.prefix(6).lowercased())"
            var slugs: [String: String] = [:]
            for name in ["beta", "Alpha", "gamma"] {
                slugs[name] = try await client.register(tenantName: "\(name) \(suffix)").tenantSlug
            }
            let op = try await client.signedInOperator(context.identity)
            let admin = ConsoleBrowser.signedIn(client, accessToken: op.token, admin: true)

            func order(_ query: String) async throws -> [String] {
                let page = try await admin.get("/admin/tenants?q=\(suffix)&\(query)")
                #expect(page.status == .ok, "\(query)")
                let listed = page.html.matches(of: /data-tenant-slug="([^"]+)"/).map { String($0.output.1) }
                return listed.compactMap { slug in slugs.first { $0.value == slug }?.key }
            }
            #expect(try await order("sort=") == ["beta", "Alpha", "gamma"])
            #expect(try await order("sort=-created") == ["gamma", "Alpha", "beta"])
            #expect(try await order("sort=name") == ["Alpha", "beta", "gamma"])
            let first = try await admin.get("/admin/tenants?q=\(suffix)&sort=name&limit=1")
            #expect(first.html.contains("<option value=\"name\" selected>"))
            let next = try #require(first.html.firstMatch(of: /href="(\/admin\/tenants\?cursor=[^"]+)" rel="next"/))
            let link = String(next.output.1).replacing("&amp;", with: "&")
            #expect(link.contains("sort=name"))
            let second = try await admin.get(link)
            #expect(second.html.contains("data-tenant-slug=\"\(try #require(slugs["beta"]))\""))
            #expect(try await admin.get("/admin/tenants?sort=size").status == .unprocessableContent)
        }
    }
}
