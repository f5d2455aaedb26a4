import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Domain events: the change record, its outbox and its catalogue")
struct DomainEventsTests {
    @Test(
        "GET /api/v1/event-types lists every event type with a valid draft 2020-12 payload schema",
        arguments: [TestDatabase.sqlite])
    func catalogue(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let response = try await client.json(.get, "/api/v1/event-types")
            #expect(response.status == .ok)
            let items = try #require(response.body["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["name"] as? String } == EventType.allCases.map(\.rawValue))
            for item in items {
                let schema = try #require(item["schema"] as? [String: Any])
                // JSON Schema keywords keep their own spelling (no snake_case conversion).
                #expect(schema["additionalProperties"] as? Bool == false)
                #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
            }
        }
    }

    @Test(
        "adding a member records member.added once: an outbox row and its audit entry, with a payload its schema accepts",
        arguments: TestDatabase.all)
    func writeRecordsItsEvent(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let since = Date().addingTimeInterval(-60)
            let added = try await client.json(
                .post, "/api/v1/members",
                ["email": "new-\(UUID().uuidString.prefix(6))@example.com", "name": "New Person", "role": "member"],
                token: owner.accessToken)
            #expect(added.status == .created, "\(added.raw)")
            let tenantID = try #require(TenantID(owner.tenantID))
            let store = SQLDataStore(context.database.database)
            let (events, audit) = try await store.withTenant(tenantID) { scope in
                (
                    try await scope.events.list(since: since, limit: 100),
                    try await scope.auditEvents.list(PageRequest(limit: 100), filter: AuditEventFilter())
                )
            }
            let memberAdded = events.filter { $0.type == .memberAdded }
            #expect(memberAdded.count == 1)
            let event = try #require(memberAdded.first)
            // The audit entry is derived from the event: same id, the event's type as its action.
            let entry = try #require(audit.items.first { $0.id == event.id })
            #expect(entry.action == "member.added")
            #expect(event.consumedAt != nil)
            try JSONSchemaPeer.expectValid(
                [event.payload], against: EventCatalog.schema(for: .memberAdded), "member.added payload")
            // The registration before it is recorded too, and every event of the tenant has an audit entry.
            #expect(events.contains { $0.type == .authRegistered })
            #expect(Set(events.map(\.id)).isSubset(of: Set(audit.items.map(\.id))))
        }
    }

    @Test("a transaction that rolls back leaves no event, no audit entry and no notice", arguments: TestDatabase.all)
    func rollbackLeavesNothing(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await Fixtures.seedTenant(context.database)
            let bus = ChangeBus()
            let heard = NoticeLog()
            bus.subscribe(.init(receive: { heard.add($0) }, reset: { _ in }))
            let store = SQLDataStore(context.database, changes: bus)
            struct Abort: Error {}
            let event = DomainEvent(
                tenantID: tenant.id, type: .roleDeleted, actor: .system,
                target: .init(type: "role", id: UUID().uuidString), origin: .none)
            await #expect(throws: Abort.self) {
                try await store.withTenant(tenant.id) { scope in
                    try await scope.record(event)
                    throw Abort()
                }
            }
            let (events, audit) = try await store.withTenant(tenant.id) { scope in
                (
                    try await scope.events.list(since: .distantPast, limit: 100),
                    try await scope.auditEvents.list(PageRequest(limit: 100), filter: AuditEventFilter())
                )
            }
            #expect(!events.contains { $0.id == event.id })
            #expect(!audit.items.contains { $0.id == event.id })
            #expect(heard.notices.isEmpty)
            // The same event committed is recorded and announced (it changes access).
            try await store.withTenant(tenant.id) { scope in try await scope.record(event) }
            #expect(heard.notices == [.tenantAccess(tenant.id)])
        }
    }

    @Test("the payload schema refuses a payload of the wrong shape")
    func schemaRefusesWrongShape() throws {
        let bad = #"{"tenant_id":"not-a-uuid","actor":{"type":"robot"},"target":null,"changes":{}}"#
        let result = try JSONSchemaPeer.validate([bad], against: EventCatalog.schema(for: .memberAdded))
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains("uuid"))
    }
}

/// Notices a test bus received, in order.
final class NoticeLog: Sendable {
    private let storage = Mutex<[ChangeNotice]>([])
    var notices: [ChangeNotice] { storage.withLock { $0 } }
    func add(_ notice: ChangeNotice) { storage.withLock { $0.append(notice) } }
}

/// Runs scripts/test-peers/validate_json_schema.py (the `jsonschema` package).
enum JSONSchemaPeer {
    static func validate(_ instances: [String], against schema: JSONValue) throws -> (status: Int32, output: String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let schemaFile = folder.appendingPathComponent("schema.json")
        try JSONEncoder().encode(schema).write(to: schemaFile)
        var files: [String] = []
        for (index, instance) in instances.enumerated() {
            let file = folder.appendingPathComponent("instance-\(index).json")
            try Data(instance.utf8).write(to: file)
            files.append(file.path)
        }
        return try CommandRunner.run(
            ["python3", root.appendingPathComponent("scripts/test-peers/validate_json_schema.py").path, schemaFile.path]
                + files)
    }

    static func expectValid(_ instances: [String], against schema: JSONValue, _ what: String) throws {
        let result = try validate(instances, against: schema)
        #expect(result.status == 0, "\(what): \(result.output)")
    }
}
