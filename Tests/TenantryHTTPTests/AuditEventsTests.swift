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

/// Appends events straight through the repository (as any use case would); also used by the
/// platform-wide audit log tests.
func record(
    _ context: TestApplicationContext, in tenant: String, count: Int = 1, action: String, actor: AuditEvent.Actor = .system,
    target: AuditEvent.Target? = nil, at: Date = Date(), userAgent: String? = "tests"
) async throws -> [AuditEvent] {
    let tenantID = try #require(TenantID(tenant))
    return try await context.database.database.withTenant(tenantID) { scope in
        var events: [AuditEvent] = []
        for index in 0..<count {
            let event = AuditEvent(
                tenantID: tenantID, id: .generate(), occurredAt: at.addingTimeInterval(Double(index) / 1000), actor: actor,
                action: action, target: target,
                origin: AuditEvent.Origin(ip: "192.0.2.1", userAgent: userAgent, requestID: "r-\(index)"),
                changes: ["name": .init(before: "old", after: "new")])
            try await scope.auditEvents.append(event)
            events.append(event)
        }
        return events
    }
}

/// The export's CSV header: part of the API's contract.
let csvColumns = [
    "tenant_id", "id", "sequence", "occurred_at", "actor_type", "actor_id", "action", "target_type", "target_id",
    "ip", "user_agent", "request_id", "changes", "previous_hash", "hash", "chain_version",
]

func ids(_ body: [String: Any]) -> [String] {
    ((body["items"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
}

func fields(_ body: [String: Any]) -> Set<String> {
    Set(((body["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
}

/// Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF rows).
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var characters = Array(text.unicodeScalars)[...]
    while let character = characters.popFirst() {
        if quoted {
            if character == "\"" {
                if characters.first == "\"" {
                    field.unicodeScalars.append("\"")
                    characters.removeFirst()
                } else {
                    quoted = false
                }
            } else {
                field.unicodeScalars.append(character)
            }
        } else if character == "\"" {
            quoted = true
        } else if character == "," {
            row.append(field)
            field = ""
        } else if character == "\r", characters.first == "\n" {
            characters.removeFirst()
            row.append(field)
            rows.append(row)
            row = []
            field = ""
        } else {
            field.unicodeScalars.append(character)
        }
    }
    if !field.isEmpty || !row.isEmpty { rows.append(row + [field]) }
    return rows
}

@Suite("Audit events API")
struct AuditEventsTests {
    @Test(
        "lists the tenant's events oldest first, by each filter, page by page, with their chain fields",
        arguments: TestDatabase.all)
    func listAndFilter(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let other = try await client.register()
            let now = Date()
            let userID = UserID.generate()
            let created = try await record(
                context, in: owner.tenantID, count: 3, action: "widget.created", actor: .user(userID),
                target: .init(type: "widget", id: "w1"), at: now.addingTimeInterval(-7200))
            let deleted = try await record(
                context, in: owner.tenantID, count: 2, action: "widget.deleted", actor: .init(type: "api_key", id: "k1"),
                target: .init(type: "widget", id: "w2"), at: now.addingTimeInterval(-3600))
            _ = try await record(context, in: other.tenantID, count: 2, action: "widget.created", actor: .user(userID))
            let token = owner.accessToken
            func list(_ query: String) async throws -> [String: Any] {
                let response = try await client.json(.get, "/api/v1/audit-events?\(query)", token: token)
                #expect(response.status == .ok, "\(query): \(response.raw)")
                return response.body
            }

            let byAction = try await list("action=widget.created")
            #expect(ids(byAction) == created.map(\.id.description))
            let first = try #require((byAction["items"] as? [[String: Any]])?.first)
            #expect(first["tenant_id"] as? String == owner.tenantID)
            #expect((first["actor"] as? [String: Any])?["id"] as? String == userID.description)
            #expect((first["target"] as? [String: Any])?["id"] as? String == "w1")
            #expect((first["changes"] as? [String: [String: String]]) == ["name": ["before": "old", "after": "new"]])
            #expect(first["occurred_at"] as? String == FastFormatting.timestamp(AuditChain.normalized(created[0].occurredAt)))
            #expect(first["user_agent"] as? String == "tests")
            #expect((first["hash"] as? String)?.count == 64)
            #expect(first["chain_version"] as? Int == 2)
            let sequences = ((byAction["items"] as? [[String: Any]]) ?? []).compactMap { $0["sequence"] as? Int }
            #expect(sequences.count == 3 && sequences == sequences.sorted())

            #expect(ids(try await list("actor_type=api_key&actor_id=k1")) == deleted.map(\.id.description))
            #expect(ids(try await list("actor_id=\(userID)")) == created.map(\.id.description))
            #expect(ids(try await list("target_type=widget&target_id=w2")) == deleted.map(\.id.description))
            let from = FastFormatting.timestamp(now.addingTimeInterval(-5400))
            let to = FastFormatting.timestamp(now.addingTimeInterval(-1800))
            #expect(ids(try await list("from=\(from)&to=\(to)")) == deleted.map(\.id.description))
            #expect(ids(try await list("to=\(from)&action=widget.created")) == created.map(\.id.description))
            #expect(ids(try await list("action=nothing.happened")).isEmpty)

            let page1 = try await list("limit=2&target_type=widget")
            #expect(ids(page1) == (created + deleted).prefix(2).map(\.id.description))
            let cursor = try #require(page1["next_cursor"] as? String)
            let page2 = try await list("limit=2&target_type=widget&cursor=\(cursor)")
            #expect(ids(page2) == (created + deleted).dropFirst(2).prefix(2).map(\.id.description))
            let page3 = try await list("limit=2&target_type=widget&cursor=\(try #require(page2["next_cursor"] as? String))")
            #expect(ids(page3) == [deleted[1].id.description])
            #expect(page3["next_cursor"] == nil)
        }
    }

    @Test(
        "bad filter, limit, cursor and format values are 422 validation_failed naming each parameter", arguments: TestDatabase.all
    )
    func badQueries(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let cases: [(String, Set<String>)] = [
                ("/api/v1/audit-events?from=yesterday", ["from"]),
                ("/api/v1/audit-events?to=2026-13-01T00:00:00Z", ["to"]),
                ("/api/v1/audit-events?from=2026-11-25T10:00:00Z&to=2026-11-25T09:00:00Z", ["to"]),
                ("/api/v1/audit-events?actor_type=robot&action=", ["actor_type", "action"]),
                ("/api/v1/audit-events?target_id=\(String(repeating: "x", count: 201))", ["target_id"]),
                ("/api/v1/audit-events?limit=0&cursor=nope", ["limit", "cursor"]),
                ("/api/v1/audit-events/export?format=", ["format"]),
                ("/api/v1/audit-events/export?format=xml&from=never", ["format", "from"]),
                // NUL, which PostgreSQL refuses in any text, and other control characters.
                ("/api/v1/audit-events/export?format=csv&target_type=%C3%AB%00", ["target_type"]),
                ("/api/v1/audit-events?action=a%0Ab&actor_id=%7F", ["action", "actor_id"]),
                ("/api/v1/members?q=a%00", ["q"]),
            ]
            for (uri, expected) in cases {
                let response = try await client.json(.get, uri, token: owner.accessToken)
                #expect(response.status == .unprocessableContent, "\(uri): \(response.raw)")
                #expect(problemCode(response.body) == "validation_failed", "\(uri)")
                #expect(fields(response.body) == expected, "\(uri): \(response.raw)")
            }
            // Offsets and fractions are RFC 3339 too.
            for value in ["2026-11-25T09:00:00.123Z", "2026-11-25T10:00:00%2B01:00", "2026-11-25t09:00:00z"] {
                let response = try await client.json(.get, "/api/v1/audit-events?from=\(value)", token: owner.accessToken)
                #expect(response.status == .ok, "\(value): \(response.raw)")
            }
        }
    }

    @Test("admins and owners read the audit log; members and viewers may not", arguments: TestDatabase.all)
    func permissions(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let fixture = try await client.accessFixture(context)
            for (token, status) in [
                (fixture.ownerToken, HTTPResponse.Status.ok), (fixture.admin.token, .ok), (fixture.member.token, .forbidden),
                (fixture.viewer.token, .forbidden),
            ] {
                #expect(try await client.json(.get, "/api/v1/audit-events", token: token).status == status)
                let export = try await client.json(.get, "/api/v1/audit-events/export?format=csv", token: token)
                #expect(export.status == status)
            }
        }
    }

    @Test(
        "exports every matching event as RFC 4180 CSV and as JSON Lines, across batches",
        arguments: TestDatabase.all)
    func export(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let awkward = "Agent, \"quoted\"\r\nsecond line"
            let special = try await record(context, in: owner.tenantID, action: "bulk.event", userAgent: awkward)
            // More than one export batch (1,000 events).
            let bulk = try await record(context, in: owner.tenantID, count: 1_150, action: "bulk.event")
            _ = try await record(context, in: owner.tenantID, action: "other.event")
            let expected = (special + bulk).map(\.id.description)

            let csv = try await client.json(
                .get, "/api/v1/audit-events/export?format=csv&action=bulk.event", token: owner.accessToken)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8; header=present")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"audit-events-\(owner.tenantID).csv\"")
            let rows = parseCSV(csv.raw)
            #expect(rows.first == csvColumns)
            #expect(rows.count == expected.count + 1)
            #expect(rows.dropFirst().map { $0[1] } == expected)
            #expect(rows.dropFirst().allSatisfy { $0.count == csvColumns.count })
            let specialRow = try #require(rows.dropFirst().first)
            #expect(specialRow[10] == awkward)
            #expect(specialRow[12] == #"{"name":{"after":"new","before":"old"}}"#)
            #expect(csv.raw.hasSuffix("\r\n"))

            let jsonl = try await client.json(
                .get, "/api/v1/audit-events/export?format=jsonl&action=bulk.event", token: owner.accessToken)
            #expect(jsonl.status == .ok)
            #expect(jsonl.headers[.contentType] == "application/jsonl; charset=utf-8")
            #expect(jsonl.headers[.contentDisposition] == "attachment; filename=\"audit-events-\(owner.tenantID).jsonl\"")
            let lines = jsonl.raw.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.last == "")
            let objects = try lines.dropLast().map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
            #expect(objects.compactMap { $0["id"] as? String } == expected)
            #expect(objects.first?["user_agent"] as? String == awkward)
            // The same item shape as the list.
            let listed = try await client.json(.get, "/api/v1/audit-events?action=bulk.event&limit=1", token: owner.accessToken)
            let listedItem = try #require((listed.body["items"] as? [[String: Any]])?.first)
            #expect(NSDictionary(dictionary: listedItem).isEqual(to: try #require(objects.first)))

            // JSON Lines is the default format.
            let plain = try await client.json(.get, "/api/v1/audit-events/export?action=bulk.event", token: owner.accessToken)
            #expect(plain.headers[.contentType] == "application/jsonl; charset=utf-8")
            #expect(plain.raw == jsonl.raw)
            let verdict = try await AuditChainVerifier(database: SQLDataStore(context.database.database))
                .verify(tenant: try #require(TenantID(owner.tenantID)))
            #expect((try? verdict.get()) != nil, "\(verdict)")
        }
    }

    @Test("an export with no matching events is just the CSV header, or empty JSON Lines", arguments: TestDatabase.all)
    func emptyExport(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let csv = try await client.json(.get, "/api/v1/audit-events/export?format=csv&action=none", token: owner.accessToken)
            #expect(csv.status == .ok)
            #expect(csv.raw == csvColumns.joined(separator: ",") + "\r\n")
            let jsonl = try await client.json(
                .get, "/api/v1/audit-events/export?format=jsonl&action=none", token: owner.accessToken)
            #expect(jsonl.status == .ok)
            #expect(jsonl.raw.isEmpty)
        }
    }
}
