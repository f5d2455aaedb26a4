import Foundation
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Webhook fan-out")
struct WebhookFanOutTests {
    /// The messages of a tenant, as (endpoint id, event type, body), oldest event first.
    static func messages(_ database: any DatabaseClient, _ tenant: TenantID) async throws -> [(String, String, String)] {
        try await database.withTenant(tenant) { scope in
            try await scope.sql.raw(
                """
                SELECT m.endpoint_id, m.event_type, m.body, m.status, m.attempts FROM webhook_messages m
                JOIN domain_events e ON e.tenant_id = m.tenant_id AND e.id = m.event_id
                WHERE m.tenant_id = \(bind: tenant.rawValue) ORDER BY e.occurred_at, e.id, m.endpoint_id
                """
            ).all().map { row in
                #expect(try row.decode(column: "status", as: String.self) == "pending")
                #expect(try row.decode(column: "attempts", as: Int.self) == 0)
                return (
                    try row.decode(column: "endpoint_id", as: UUID.self).uuidString.lowercased(),
                    try row.decode(column: "event_type", as: String.self),
                    try row.decode(column: "body", as: String.self)
                )
            }
        }
    }

    /// A new tenant with one endpoint for every event, and a fan-out that has handled
    /// everything so far.
    static func tenantWithEndpoint(_ client: any TestClientProtocol, _ database: any DatabaseClient) async throws
        -> (Registered, WebhookFanOut)
    {
        let owner = try await client.register()
        _ = try await client.json(
            .post, "/api/v1/webhook-endpoints", ["url": "https://hooks.example.com/all"], token: owner.accessToken)
        let fanOut = WebhookFanOut(database: SQLDataStore(database))
        try await fanOut.drain()
        return (owner, fanOut)
    }

    @Test(
        "each event becomes one message per enabled endpoint whose filter takes it, once; the events are consumed",
        arguments: TestDatabase.all)
    func fanOut(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let database = context.database.database
            let owner = try await client.register()
            let other = try await client.register()
            func endpoint(_ body: [String: Any], token: String) async throws -> String {
                let created = try await client.json(.post, "/api/v1/webhook-endpoints", body, token: token)
                #expect(created.status == .created, "\(created.raw)")
                return try #require((created.body["endpoint"] as? [String: Any])?["id"] as? String)
            }
            let everything = try await endpoint(["url": "https://hooks.example.com/all"], token: owner.accessToken)
            let members = try await endpoint(
                ["url": "https://hooks.example.com/members", "event_types": ["member.*"]], token: owner.accessToken)
            _ = try await endpoint(["url": "https://hooks.example.com/off", "enabled": false], token: owner.accessToken)
            let elsewhere = try await endpoint(["url": "https://hooks.example.com/other"], token: other.accessToken)
            let fanOut = WebhookFanOut(database: SQLDataStore(database), batchSize: 3)
            // What happened before: registration and the endpoints' own events.
            try await fanOut.drain()

            let added = try await client.json(
                .post, "/api/v1/members", ["email": "zoe@example.com", "name": "Zoë", "role": "member"], token: owner.accessToken)
            #expect(added.status == .created, "\(added.raw)")
            let team = try await client.json(.post, "/api/v1/teams", ["name": "Support"], token: owner.accessToken)
            #expect(team.status == .created)
            let tenantID = try #require(TenantID(owner.tenantID))
            let before = try await Self.messages(database, tenantID).count

            #expect(try await fanOut.drain() == 3)
            let made = try await Self.messages(database, tenantID).dropFirst(before)
            #expect(
                made.map { "\($0.1)→\($0.0 == everything ? "all" : $0.0 == members ? "members" : "?")" }.sorted()
                    == ["member.added→all", "member.added→members", "team.created→all"])
            // The body: type, time and the event's payload as data.
            let body = try #require(made.first { $0.1 == "member.added" }?.2)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            #expect(json["type"] as? String == "member.added")
            #expect((json["timestamp"] as? String).flatMap(RFC3339.parse) != nil)
            let data = try #require(json["data"] as? [String: Any])
            #expect(data["tenant_id"] as? String == owner.tenantID)
            #expect(!body.contains("password") && !body.contains("secret"))

            // Nothing is left to consume, and a second run makes nothing twice.
            #expect(try await fanOut.drain() == 0)
            #expect(try await Self.messages(database, tenantID).count == before + 3)
            let pending = try await database.withPlatform { scope in try await scope.webhookFanOut.unconsumedEvents(limit: 10) }
            #expect(pending.isEmpty)
            // The other tenant's endpoint got only its own tenant's events.
            let otherID = try #require(TenantID(other.tenantID))
            #expect(try await Self.messages(database, otherID).allSatisfy { $0.0 == elsewhere })
        }
    }

    @Test("an event whose fan-out rolled back is taken again, and its messages are made once", arguments: TestDatabase.all)
    func repeatedFanOutMakesNothingTwice(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let database = context.database.database
            let (owner, fanOut) = try await Self.tenantWithEndpoint(client, database)
            _ = try await client.json(.post, "/api/v1/teams", ["name": "Support"], token: owner.accessToken)
            // A fan-out that made its messages but failed before it committed leaves the event unconsumed.
            struct Crash: Error {}
            await #expect(throws: Crash.self) {
                try await SQLDataStore(database).withPlatform { scope in
                    let events = try await scope.webhookFanOut.unconsumedEvents(limit: 10)
                    let endpoints = try await scope.webhookFanOut.enabledEndpoints(of: Set(events.map(\.tenantID)))
                    try await scope.webhookFanOut.insert(
                        events.flatMap { event in endpoints.map { WebhookMessage.make(for: event, to: $0.id, at: Date()) } })
                    throw Crash()
                }
            }
            #expect(try await fanOut.drain() == 1)
            // Made again by hand for the same event and endpoint: the unique key leaves it out.
            let tenantID = try #require(TenantID(owner.tenantID))
            let recent = try await database.withTenant(tenantID) { tenant in
                try await tenant.events.list(since: .distantPast, limit: 100)
            }
            try await SQLDataStore(database).withPlatform { scope in
                let endpoints = try await scope.webhookFanOut.enabledEndpoints(of: [tenantID])
                try await scope.webhookFanOut.insert(
                    recent.flatMap { event in endpoints.map { WebhookMessage.make(for: event, to: $0.id, at: Date()) } })
            }
            let teamMessages = try await Self.messages(database, tenantID).filter { $0.1 == "team.created" }
            #expect(teamMessages.count == 1)
        }
    }

    @Test("a large batch is written in several statements, every event consumed once", arguments: TestDatabase.all)
    func largeBatch(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let database = context.database.database
            let (owner, fanOut) = try await Self.tenantWithEndpoint(client, database)
            let tenantID = try #require(TenantID(owner.tenantID))
            let before = try await Self.messages(database, tenantID).count
            try await database.withTenant(tenantID) { scope in
                for index in 0..<130 {
                    try await scope.events.append(
                        DomainEvent(
                            tenantID: tenantID, type: .teamCreated, occurredAt: Date().addingTimeInterval(Double(index) / 1000),
                            actor: .system, target: .init(type: "team", id: UUID().uuidString.lowercased()), origin: .none))
                }
            }
            #expect(try await fanOut.drain() == 130)
            #expect(try await Self.messages(database, tenantID).count == before + 130)
            #expect(try await fanOut.drain() == 0)
        }
    }
}
