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
