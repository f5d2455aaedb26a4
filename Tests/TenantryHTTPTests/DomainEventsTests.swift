import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
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
            // Stored unconsumed; the webhook fan-out consumes it (WebhookFanOutTests).
            #expect(event.consumedAt == nil)
            try await JSONSchemaPeer.expectValid(
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
            // The same event committed is recorded and announced: to this node's webhook fan-out,
            // and (it changes access) to every node's caches.
            try await store.withTenant(tenant.id) { scope in try await scope.record(event) }
            #expect(heard.notices == [.eventsRecorded(tenant.id), .tenantAccess(tenant.id)])
        }
    }

    @Test(
        "an operator's change to a tenant is the tenant's event too: actor operator, its audit entry, its notice",
        arguments: TestDatabase.all)
    func operatorChangesRecordTenantEvents(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            let tenantID = try #require(TenantID(owner.tenantID))
            let heard = NoticeLog()
            context.identity.changes.subscribe(.init(receive: { heard.add($0) }, reset: { _ in }))
            let suspended = try await client.json(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/suspend", ["reason": "unpaid invoices"], token: admin.token)
            #expect(suspended.status == .ok, "\(suspended.raw)")
            #expect(heard.notices.contains(.tenantAccess(tenantID)))
            let store = SQLDataStore(context.database.database)
            let (events, audit) = try await store.withTenant(tenantID) { scope in
                (
                    try await scope.events.list(since: .distantPast, limit: 100),
                    try await scope.auditEvents.list(PageRequest(limit: 100), filter: AuditEventFilter())
                )
            }
            let event = try #require(events.last)
            #expect(events.filter { $0.type == .tenantSuspended }.count == 1)
            #expect(event.type == .tenantSuspended)
            let payload = try JSONDecoder().decode(DomainEvent.Payload.self, from: Data(event.payload.utf8))
            #expect(payload.actor == AuditEvent.Actor(type: "operator", id: admin.userID))
            #expect(payload.target == AuditEvent.Target(type: "tenant", id: owner.tenantID))
            #expect(payload.changes["status"] == .init(before: "active", after: "suspended"))
            try await JSONSchemaPeer.expectValid(
                [event.payload], against: EventCatalog.schema(for: .tenantSuspended), "tenant.suspended payload")
            let entry = try #require(audit.items.first { $0.id == event.id })
            #expect(entry.action == "tenant.suspended" && entry.actor.type == "operator")
            // The operators' own trail keeps its entry.
            #expect(try await platformAuditActions(context.database.database).contains("tenant.suspended"))
        }
    }

    @Test(
        "retention: consumed events older than it leave every tenant's outbox in batches; recent and unconsumed ones stay",
        arguments: TestDatabase.all)
    func retentionPrunesOldConsumedEvents(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let database = context.database
            let now = Date()
            var expectedKept: [TenantID: Set<AuditEventID>] = [:]
            for name in ["First", "Second"] {
                let tenant = try await Fixtures.seedTenant(database, name: name)
                expectedKept[tenant.id] = try await database.withTenant(tenant.id) { scope in
                    func event(_ days: Double) -> DomainEvent {
                        DomainEvent(
                            tenantID: tenant.id, type: .teamCreated, occurredAt: now.addingTimeInterval(-days * 86_400),
                            actor: .system, target: .init(type: "team", id: UUID().uuidString), origin: .none)
                    }
                    for old in [event(400), event(31)] { try await scope.events.append(old) }
                    let recent = [event(29), event(0)]
                    for kept in recent { try await scope.events.append(kept) }
                    // Every event so far consumed when it occurred, as by a fan-out at that time.
                    try await scope.sql.raw(
                        """
                        UPDATE domain_events SET consumed_at = occurred_at WHERE tenant_id = \(bind: tenant.id.rawValue)
                        """
                    ).run()
                    // Old, but no consumer has handled it yet.
                    let unconsumed = event(90)
                    try await scope.events.append(unconsumed)
                    let seeded = try await scope.events.list(since: .distantPast, limit: 100).filter {
                        $0.occurredAt > now.addingTimeInterval(-60)
                    }
                    return Set(recent.map(\.id) + [unconsumed.id] + seeded.map(\.id))
                }
            }
            let retention = EventRetention(database: SQLDataStore(database), retention: .seconds(30 * 86_400), batchSize: 3)
            #expect(retention.cutoff(at: now) == now.addingTimeInterval(-30 * 86_400))
            #expect(try await retention.prune(now: now) == 4)
            #expect(try await retention.prune(now: now) == 0)
            for (tenant, kept) in expectedKept {
                let remaining = try await database.withTenant(tenant) { scope in
                    try await scope.events.list(since: .distantPast, limit: 100)
                }
                #expect(Set(remaining.map(\.id)) == kept)
                #expect(remaining.contains { $0.consumedAt == nil })
            }
        }
    }

    @Test("the payload schema refuses a payload of the wrong shape")
    func schemaRefusesWrongShape() async throws {
        let bad = #"{"tenant_id":"not-a-uuid","actor":{"type":"robot"},"target":null,"changes":{}}"#
        let result = try await JSONSchemaPeer.validate([bad], against: EventCatalog.schema(for: .memberAdded))
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
    static func validate(_ instances: [String], against schema: JSONValue) async throws -> (status: Int32, output: String) {
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
        return try await CommandRunner.run(
            ["python3", root.appendingPathComponent("scripts/test-peers/validate_json_schema.py").path, schemaFile.path]
                + files)
    }

    static func expectValid(_ instances: [String], against schema: JSONValue, _ what: String) async throws {
        let result = try await validate(instances, against: schema)
        #expect(result.status == 0, "\(what): \(result.output)")
    }
}
