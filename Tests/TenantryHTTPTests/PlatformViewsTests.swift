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

/// Writes usage for a tenant straight through its repository (as the meter's flush does).
private func addUsage(
    _ context: TestApplicationContext, _ tenant: String, _ counts: UsageCounts, on day: UsageDay, active: [UserID] = []
) async throws {
    let id = try #require(TenantID(tenant))
    try await context.database.database.withTenant(id) { scope in
        try await scope.usage.add(counts, on: day)
        try await scope.usage.markActive(active, on: day)
    }
}

@Suite("Platform views: usage across tenants, tenant usage, the platform-wide audit log")
struct PlatformViewsTests {
    static let readRoutes = [
        "/api/v1/platform/usage", "/api/v1/platform/audit-events", "/api/v1/platform/audit-events/export?format=csv",
    ]

    /// A JSON object's values as text, to compare as a whole.
    static func figures(_ object: Any?) -> [String: String] {
        ((object as? [String: Any]) ?? [:]).mapValues { "\($0)" }
    }

    @Test(
        "the platform views answer 401 without a token, 403 to a non-operator, and serve a support operator",
        arguments: TestDatabase.all)
    func access(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let tenant = try await client.register()
            let support = try await client.signedInOperator(context.identity, role: .support)
            let actionsBefore = try await platformAuditActions(context.database.database)
            for route in Self.readRoutes {
                #expect(try await client.json(.get, route).status == .unauthorized, "\(route)")
                let denied = try await client.json(.get, route, token: tenant.accessToken)
                #expect(denied.status == .forbidden, "\(route): \(denied.raw)")
                let allowed = try await client.json(.get, route, token: support.token)
                #expect(allowed.status == .ok, "\(route): \(allowed.raw)")
            }
            // Reads are not operator actions: nothing reaches the platform audit trail.
            #expect(try await platformAuditActions(context.database.database) == actionsBefore)
        }
    }

    @Test(
        "platform usage sums every tenant over the range and lists the top tenants by API requests with their names",
        arguments: TestDatabase.all)
    func usageAcrossTenants(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let big = try await client.register(tenantName: "Big Co")
            let middle = try await client.register(tenantName: "Middle Co")
            let small = try await client.register(tenantName: "Small Co")
            let (u1, u2, u3) = (UserID.generate(), UserID.generate(), UserID.generate())
            let jan10 = try #require(UsageDay("2026-01-10"))
            let jan20 = try #require(UsageDay("2026-01-20"))
            try await addUsage(
                context, big.tenantID, UsageCounts(apiRequests: 500, signIns: 5, emailsSent: 1), on: jan10, active: [u1, u2])
            try await addUsage(context, big.tenantID, UsageCounts(apiRequests: 100), on: jan20, active: [u1])
            try await addUsage(context, middle.tenantID, UsageCounts(apiRequests: 300, signIns: 2), on: jan20, active: [u3])
            try await addUsage(context, small.tenantID, UsageCounts(apiRequests: 10, emailsSent: 4), on: jan10)
            // Outside the range: not counted.
            try await addUsage(
                context, small.tenantID, UsageCounts(apiRequests: 10_000), on: try #require(UsageDay("2026-02-01")),
                active: [UserID.generate()])
            let support = try await client.signedInOperator(context.identity, role: .support)

            let report = try await client.json(
                .get, "/api/v1/platform/usage?from=2026-01-01&to=2026-01-31&limit=2", token: support.token)
            #expect(report.status == .ok, "\(report.raw)")
            #expect(report.body["from"] as? String == "2026-01-01" && report.body["to"] as? String == "2026-01-31")
            let totals = try #require(report.body["totals"] as? [String: Any])
            #expect(totals["api_requests"] as? Int == 910)
            #expect(totals["sign_ins"] as? Int == 7)
            #expect(totals["emails_sent"] as? Int == 5)
            #expect(totals["active_users"] as? Int == 3)
            #expect(totals["active_tenants"] as? Int == 3)
            let top = try #require(report.body["top_tenants"] as? [[String: Any]])
            #expect(top.compactMap { $0["tenant_id"] as? String } == [big.tenantID, middle.tenantID])
            #expect(top.compactMap { $0["name"] as? String } == ["Big Co", "Middle Co"])
            #expect(top.first?["slug"] as? String == big.tenantSlug)
            #expect(top.compactMap { $0["api_requests"] as? Int } == [600, 300])
            #expect(top.first?["sign_ins"] as? Int == 5 && top.first?["emails_sent"] as? Int == 1)

            // Without a limit: up to 10, so all three.
            let all = try await client.json(.get, "/api/v1/platform/usage?from=2026-01-01&to=2026-01-31", token: support.token)
            #expect(
                (all.body["top_tenants"] as? [[String: Any]])?.compactMap { $0["tenant_id"] as? String } == [
                    big.tenantID, middle.tenantID, small.tenantID,
                ])
            // Without a range: the last 30 days, today included (as /tenant/usage).
            let recent = try await client.json(.get, "/api/v1/platform/usage", token: support.token)
            let today = UsageDay(Date())
            #expect(recent.body["to"] as? String == today.description)
            #expect(recent.body["from"] as? String == today.adding(days: -29).description)
        }
    }

    @Test(
        "platform usage validates the range as /tenant/usage does and limit from 1 to 100, as 422",
        arguments: TestDatabase.all)
    func usageValidation(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let support = try await client.signedInOperator(context.identity, role: .support)
            for (query, field) in [
                ("from=2026-02-30", "from"), ("to=yesterday", "to"), ("from=2026-03-02&to=2026-03-01", "from"),
                ("from=2025-01-01&to=2026-03-01", "to"), ("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"),
            ] {
                let response = try await client.json(.get, "/api/v1/platform/usage?\(query)", token: support.token)
                #expect(response.status == .unprocessableContent, "\(query): \(response.raw)")
                #expect(problemCode(response.body) == "validation_failed", "\(query)")
                #expect(fields(response.body) == [field], "\(query): \(response.raw)")
            }
            let most = try await client.json(.get, "/api/v1/platform/usage?limit=100", token: support.token)
            #expect(most.status == .ok, "\(most.raw)")
        }
    }

    @Test(
        "the tenant list and a tenant's detail show its usage this calendar month, zeros for a tenant without any",
        arguments: TestDatabase.all)
    func tenantUsageThisMonth(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let busy = try await client.register()
            let quiet = try await client.register()
            let today = UsageDay(Date())
            let month = today.firstOfMonth
            let (u1, u2) = (UserID.generate(), UserID.generate())
            try await addUsage(
                context, busy.tenantID, UsageCounts(apiRequests: 40, signIns: 3, emailsSent: 2), on: month, active: [u1, u2])
            try await addUsage(context, busy.tenantID, UsageCounts(apiRequests: 2, signIns: 1), on: today, active: [u1])
            // Last month: not this month's usage.
            try await addUsage(
                context, busy.tenantID, UsageCounts(apiRequests: 1_000, signIns: 50, emailsSent: 9), on: month.adding(days: -1),
                active: [UserID.generate()])
            let expected = [
                "from": month.description, "to": today.description, "api_requests": "42", "sign_ins": "4", "emails_sent": "2",
                "active_users": "2",
            ]
            let zeros = [
                "from": month.description, "to": today.description, "api_requests": "0", "sign_ins": "0", "emails_sent": "0",
                "active_users": "0",
            ]
            let support = try await client.signedInOperator(context.identity, role: .support)

            let list = try await client.json(.get, "/api/v1/platform/tenants?limit=100", token: support.token)
            #expect(list.status == .ok, "\(list.raw)")
            let items = try #require(list.body["items"] as? [[String: Any]])
            let usage = Dictionary(
                uniqueKeysWithValues: items.compactMap { item in (item["id"] as? String).map { ($0, Self.figures(item["usage"])) }
                })
            #expect(usage[busy.tenantID] == expected, "\(list.raw)")
            #expect(usage[quiet.tenantID] == zeros, "\(list.raw)")

            let detail = try await client.json(.get, "/api/v1/platform/tenants/\(busy.tenantID)", token: support.token)
            #expect(detail.status == .ok, "\(detail.raw)")
            #expect(Self.figures((detail.body["tenant"] as? [String: Any])?["usage"]) == expected, "\(detail.raw)")
        }
    }

    @Test(
        "the platform audit log lists every tenant's events oldest first, by tenant and each tenant filter, page by page",
        arguments: TestDatabase.all)
    func auditAcrossTenants(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let first = try await client.register()
            let second = try await client.register()
            let now = Date()
            let a = try await record(
                context, in: first.tenantID, count: 2, action: "widget.created", target: .init(type: "widget", id: "w1"),
                at: now.addingTimeInterval(-7200))
            let b = try await record(
                context, in: second.tenantID, count: 2, action: "widget.created", actor: .init(type: "api_key", id: "k9"),
                at: now.addingTimeInterval(-3600))
            let c = try await record(context, in: first.tenantID, action: "widget.created", at: now.addingTimeInterval(-60))
            let support = try await client.signedInOperator(context.identity, role: .support)
            func list(_ query: String) async throws -> [String: Any] {
                let response = try await client.json(.get, "/api/v1/platform/audit-events?\(query)", token: support.token)
                #expect(response.status == .ok, "\(query): \(response.raw)")
                return response.body
            }

            let everything = try await list("action=widget.created")
            #expect(ids(everything) == (a + b + c).map(\.id.description))
            let tenants = ((everything["items"] as? [[String: Any]]) ?? []).compactMap { $0["tenant_id"] as? String }
            #expect(tenants == [first.tenantID, first.tenantID, second.tenantID, second.tenantID, first.tenantID])
            #expect(ids(try await list("action=widget.created&tenant_id=\(first.tenantID)")) == (a + c).map(\.id.description))
            #expect(ids(try await list("tenant_id=\(second.tenantID)&actor_type=api_key&actor_id=k9")) == b.map(\.id.description))
            #expect(ids(try await list("target_type=widget&target_id=w1")) == a.map(\.id.description))
            let from = FastFormatting.timestamp(now.addingTimeInterval(-5400))
            let to = FastFormatting.timestamp(now.addingTimeInterval(-1800))
            #expect(ids(try await list("action=widget.created&from=\(from)&to=\(to)")) == b.map(\.id.description))
            #expect(ids(try await list("tenant_id=\(UUID().uuidString.lowercased())")).isEmpty)

            let page1 = try await list("action=widget.created&limit=2")
            #expect(ids(page1) == (a + b + c).prefix(2).map(\.id.description))
            let cursor = try #require(page1["next_cursor"] as? String)
            let page2 = try await list("action=widget.created&limit=2&cursor=\(cursor)")
            #expect(ids(page2) == (a + b + c).dropFirst(2).prefix(2).map(\.id.description))
            let page3 = try await list("action=widget.created&limit=2&cursor=\(try #require(page2["next_cursor"] as? String))")
            #expect(ids(page3) == c.map(\.id.description))
            #expect(page3["next_cursor"] == nil)
        }
    }

    @Test(
        "bad platform audit filters, tenant_id, limit, cursor and format values are 422 validation_failed naming each",
        arguments: TestDatabase.all)
    func auditBadQueries(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let support = try await client.signedInOperator(context.identity, role: .support)
            let cases: [(String, Set<String>)] = [
                ("/api/v1/platform/audit-events?tenant_id=acme", ["tenant_id"]),
                ("/api/v1/platform/audit-events?from=yesterday&actor_type=robot", ["from", "actor_type"]),
                ("/api/v1/platform/audit-events?limit=0&cursor=nope", ["limit", "cursor"]),
                ("/api/v1/platform/audit-events/export?format=xml&tenant_id=", ["format", "tenant_id"]),
                ("/api/v1/platform/audit-events/export?to=2026-13-01T00:00:00Z", ["to"]),
            ]
            for (uri, expected) in cases {
                let response = try await client.json(.get, uri, token: support.token)
                #expect(response.status == .unprocessableContent, "\(uri): \(response.raw)")
                #expect(problemCode(response.body) == "validation_failed", "\(uri)")
                #expect(fields(response.body) == expected, "\(uri): \(response.raw)")
            }
        }
    }

    @Test(
        "the platform export streams every tenant's matching events as CSV and JSON Lines, in the tenant export's formats",
        arguments: TestDatabase.all)
    func auditExport(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let first = try await client.register()
            let second = try await client.register()
            // More than one export batch (1,000 events) across the two tenants.
            let one = try await record(context, in: first.tenantID, count: 700, action: "bulk.event")
            let two = try await record(context, in: second.tenantID, count: 600, action: "bulk.event", userAgent: "a, \"b\"")
            let expected = (one + two).map(\.id.description)
            let support = try await client.signedInOperator(context.identity, role: .support)

            let csv = try await client.json(
                .get, "/api/v1/platform/audit-events/export?format=csv&action=bulk.event", token: support.token)
            #expect(csv.status == .ok, "\(csv.raw.prefix(300))")
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8; header=present")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"platform-audit-events.csv\"")
            let rows = parseCSV(csv.raw)
            #expect(rows.first == csvColumns)
            #expect(rows.dropFirst().map { $0[1] } == expected)
            #expect(Set(rows.dropFirst().map { $0[0] }) == [first.tenantID, second.tenantID])
            #expect(rows.last?[10] == "a, \"b\"")

            let jsonl = try await client.json(
                .get, "/api/v1/platform/audit-events/export?action=bulk.event", token: support.token)
            #expect(jsonl.status == .ok)
            #expect(jsonl.headers[.contentType] == "application/jsonl; charset=utf-8")
            #expect(jsonl.headers[.contentDisposition] == "attachment; filename=\"platform-audit-events.jsonl\"")
            let lines = jsonl.raw.split(separator: "\n").map(String.init)
            let objects = try lines.map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
            #expect(objects.compactMap { $0["id"] as? String } == expected)

            // One tenant's slice is byte for byte that tenant's own export.
            for format in ["csv", "jsonl"] {
                let platform = try await client.json(
                    .get, "/api/v1/platform/audit-events/export?format=\(format)&action=bulk.event&tenant_id=\(second.tenantID)",
                    token: support.token)
                let own = try await client.json(
                    .get, "/api/v1/audit-events/export?format=\(format)&action=bulk.event", token: second.accessToken)
                #expect(own.status == .ok && platform.status == .ok)
                #expect(platform.raw == own.raw, "\(format)")
            }
        }
    }
}
