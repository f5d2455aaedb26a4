import Foundation
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// Runs SQL behind the server's back: as the PostgreSQL superuser (the runtime role may not
/// change audit events), or straight on the SQLite connection.
func tamper(_ context: TestDatabaseContext, _ query: SQLQueryString) async throws {
    switch context.kind {
    case .postgres: try await context.asSuperuser(query)
    case .sqlite: try await context.database.withGlobal { scope in try await scope.sql.raw(query).run() }
    }
}

/// A tenant with no events yet.
func bareTenant(_ database: any DatabaseClient) async throws -> Tenant {
    let tenant = try Fixtures.tenant()
    try await database.withTenant(tenant.id) { scope in try await scope.tenants.create(tenant) }
    return tenant
}

/// Appends `count` events occurring at `at` (oldest first, a millisecond apart).
@discardableResult
func appendEvents(
    _ database: any DatabaseClient, in tenant: TenantID, count: Int, at start: Date = Date(), action: String = "test.happened"
) async throws -> [AuditEvent] {
    try await database.withTenant(tenant) { scope in
        var events: [AuditEvent] = []
        for index in 0..<count {
            var event = Fixtures.auditEvent(in: tenant, action: action)
            event.occurredAt = start.addingTimeInterval(Double(index) / 1000)
            try await scope.auditEvents.append(event)
            events.append(event)
        }
        return events
    }
}

func chain(_ database: any DatabaseClient, _ tenant: TenantID) async throws -> [AuditChain.Record] {
    try await database.withTenant(tenant) { scope in
        try await scope.auditEvents.chainSegment(from: 0, through: .max, limit: 10_000)
    }
}

@Suite("Audit chain")
struct AuditChainTests {
    @Test("appends link each tenant's events: consecutive sequences, each naming the hash before it", arguments: TestDatabase.all)
    func linksEvents(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await bareTenant(context.database)
            let tenantB = try await bareTenant(context.database)
            try await appendEvents(context.database, in: tenantA.id, count: 3)
            try await appendEvents(context.database, in: tenantB.id, count: 2)
            let links = try await chain(context.database, tenantA.id)
            #expect(links.map(\.sequence) == [1, 2, 3])
            #expect(links[0].previousHash == nil)
            #expect(links[1].previousHash == links[0].hash)
            #expect(links[2].previousHash == links[1].hash)
            #expect(links.allSatisfy { $0.hash == AuditChain.hash(of: $0) && $0.version == AuditChain.currentVersion })
            #expect(try await chain(context.database, tenantB.id).map(\.sequence) == [1, 2])
            let verifier = AuditChainVerifier(database: SQLDataStore(context.database), batchSize: 2)
            let summary = try await verifier.verify(tenant: tenantA.id).get()
            #expect(summary.verified == 3)
            #expect(summary.lastHash == links[2].hash)
            #expect(Set(try await verifier.tenants()) == [tenantA.id, tenantB.id])
        }
    }

    @Test("the stored time round-trips exactly, so the hash recomputed from a read row matches", arguments: TestDatabase.all)
    func timePrecision(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await bareTenant(context.database)
            // Awkward instants: sub-millisecond parts, just below and above half a millisecond.
            for offset in [0.0004999, 0.0005001, 0.0009999, 0.123456789] {
                try await appendEvents(
                    context.database, in: tenant.id, count: 1, at: Date(timeIntervalSince1970: 1_795_000_000 + offset))
            }
            let verdict = try await AuditChainVerifier(database: SQLDataStore(context.database)).verify(tenant: tenant.id)
            #expect((try? verdict.get())?.verified == 4, "\(verdict)")
        }
    }

    @Test("concurrent appends of one tenant never fork the chain", arguments: TestDatabase.all)
    func concurrentAppends(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await bareTenant(context.database)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<24 {
                    group.addTask { try await appendEvents(context.database, in: tenant.id, count: 1) }
                }
                try await group.waitForAll()
            }
            let links = try await chain(context.database, tenant.id)
            #expect(links.map(\.sequence) == Array(1...24))
            let verdict = try await AuditChainVerifier(database: SQLDataStore(context.database)).verify(tenant: tenant.id)
            #expect((try? verdict.get())?.verified == 24, "\(verdict)")
        }
    }

    @Test("verify names the event whose row was altered behind the server's back", arguments: TestDatabase.all)
    func alteredRow(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await bareTenant(context.database)
            let events = try await appendEvents(context.database, in: tenant.id, count: 4)
            try await tamper(
                context,
                "UPDATE audit_events SET actor_id = 'someone-else' WHERE tenant_id = \(bind: tenant.id.rawValue) AND sequence = 3"
            )
            let verdict = try await AuditChainVerifier(database: SQLDataStore(context.database)).verify(tenant: tenant.id)
            guard case .failure(let broken) = verdict else {
                Issue.record("verify passed an altered row")
                return
            }
            #expect(broken.tenantID == tenant.id)
            #expect(broken.sequence == 3)
            #expect(broken.eventID == events[2].id)
            #expect(broken.reason.contains("differs from the hash of the stored fields"))
        }
    }

    @Test("verify names the gap a deleted event leaves, a rewritten link and a cut-off tail", arguments: TestDatabase.all)
    func deletedAndRelinked(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let verifier = AuditChainVerifier(database: SQLDataStore(context.database))
            let gap = try await bareTenant(context.database)
            let gapEvents = try await appendEvents(context.database, in: gap.id, count: 4)
            try await tamper(context, "DELETE FROM audit_events WHERE tenant_id = \(bind: gap.id.rawValue) AND sequence = 2")
            guard case .failure(let missing) = try await verifier.verify(tenant: gap.id) else {
                Issue.record("verify passed a deleted event")
                return
            }
            #expect(missing.sequence == 3 && missing.eventID == gapEvents[2].id)
            #expect(missing.reason.contains("expected sequence 2"))

            // Rewriting an event and its own hash still breaks the next link.
            let relinked = try await bareTenant(context.database)
            let relinkedEvents = try await appendEvents(context.database, in: relinked.id, count: 3)
            try await tamper(
                context,
                "UPDATE audit_events SET hash = 'forged' WHERE tenant_id = \(bind: relinked.id.rawValue) AND sequence = 1")
            guard case .failure(let forged) = try await verifier.verify(tenant: relinked.id) else {
                Issue.record("verify passed a forged hash")
                return
            }
            #expect(forged.sequence == 1 && forged.eventID == relinkedEvents[0].id)

            let tail = try await bareTenant(context.database)
            try await appendEvents(context.database, in: tail.id, count: 3)
            try await tamper(context, "DELETE FROM audit_events WHERE tenant_id = \(bind: tail.id.rawValue) AND sequence = 3")
            guard case .failure(let cut) = try await verifier.verify(tenant: tail.id) else {
                Issue.record("verify passed a removed tail")
                return
            }
            #expect(cut.sequence == 3 && cut.eventID == nil)
            #expect(cut.reason.contains("the last event is 3"))
        }
    }

    @Test(
        "a purge removes events older than the cutoff, leaves an anchor that keeps the chain verifiable, and tampering is still found",
        arguments: TestDatabase.all)
    func purgeKeepsChainVerifiable(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await bareTenant(context.database)
            let other = try await bareTenant(context.database)
            let now = Date()
            let old = try await appendEvents(context.database, in: tenant.id, count: 5, at: now.addingTimeInterval(-40 * 86_400))
            let recent = try await appendEvents(context.database, in: tenant.id, count: 3, at: now.addingTimeInterval(-60))
            try await appendEvents(context.database, in: other.id, count: 2, at: now.addingTimeInterval(-40 * 86_400))
            let cutoff = now.addingTimeInterval(-30 * 86_400)

            let removed = try await context.database.withTenant(tenant.id) { scope in
                try await scope.auditEvents.purge(before: cutoff, now: now)
            }
            #expect(removed == old.count)
            let remaining = try await chain(context.database, tenant.id)
            #expect(remaining.map(\.id) == recent.map(\.id))
            let head = try #require(
                try await context.database.withTenant(tenant.id) { scope in try await scope.auditEvents.chainHead() })
            #expect(head.anchorSequence == 5)
            #expect(head.anchorHash == remaining.first?.previousHash)
            // Another tenant's events are untouched.
            #expect(try await chain(context.database, other.id).count == 2)

            let verifier = AuditChainVerifier(database: SQLDataStore(context.database))
            let summary = try #require(try? await verifier.verify(tenant: tenant.id).get())
            #expect(summary.verified == 3 && summary.anchorSequence == 5 && summary.lastSequence == 8)
            // Purging again removes nothing more.
            let again = try await context.database.withTenant(tenant.id) { scope in
                try await scope.auditEvents.purge(before: cutoff, now: now)
            }
            #expect(again == 0)

            try await tamper(
                context,
                "UPDATE audit_events SET action = 'forged' WHERE tenant_id = \(bind: tenant.id.rawValue) AND sequence = 7")
            guard case .failure(let broken) = try await verifier.verify(tenant: tenant.id) else {
                Issue.record("verify passed tampering after a purge")
                return
            }
            #expect(broken.sequence == 7 && broken.eventID == recent[1].id)
        }
    }

    @Test("a purge removes only a prefix of the chain, even when times are out of sequence order", arguments: TestDatabase.all)
    func purgeTakesPrefix(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await bareTenant(context.database)
            let now = Date()
            try await appendEvents(context.database, in: tenant.id, count: 2, at: now.addingTimeInterval(-40 * 86_400))
            // Sequence 3 is recent, sequence 4 is old again (written late): 4 must stay.
            try await appendEvents(context.database, in: tenant.id, count: 1, at: now.addingTimeInterval(-60))
            try await appendEvents(context.database, in: tenant.id, count: 1, at: now.addingTimeInterval(-40 * 86_400))
            let removed = try await context.database.withTenant(tenant.id) { scope in
                try await scope.auditEvents.purge(before: now.addingTimeInterval(-30 * 86_400), now: now)
            }
            #expect(removed == 2)
            #expect(try await chain(context.database, tenant.id).map(\.sequence) == [3, 4])
            #expect(
                (try? await AuditChainVerifier(database: SQLDataStore(context.database)).verify(tenant: tenant.id).get()) != nil)
        }
    }

    @Test("a purge never removes events younger than a day, and a fully purged chain still verifies", arguments: TestDatabase.all)
    func purgeBounds(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await bareTenant(context.database)
            let now = Date()
            try await appendEvents(context.database, in: tenant.id, count: 2, at: now.addingTimeInterval(-3 * 86_400))
            await #expect(throws: TenantryError.self) {
                try await context.database.withTenant(tenant.id) { scope in
                    try await scope.auditEvents.purge(before: now.addingTimeInterval(-3600), now: now)
                }
            }
            let removed = try await context.database.withTenant(tenant.id) { scope in
                try await scope.auditEvents.purge(before: now.addingTimeInterval(-86_400), now: now)
            }
            #expect(removed == 2)
            let summary = try #require(
                try? await AuditChainVerifier(database: SQLDataStore(context.database)).verify(tenant: tenant.id).get())
            #expect(summary.verified == 0 && summary.anchorSequence == 2 && summary.lastSequence == 2)
            // The next event links to the anchor.
            try await appendEvents(context.database, in: tenant.id, count: 1)
            let next = try #require(try await chain(context.database, tenant.id).first)
            #expect(next.sequence == 3)
            #expect(
                (try? await AuditChainVerifier(database: SQLDataStore(context.database)).verify(tenant: tenant.id).get())?
                    .verified == 1)
        }
    }

    @Test("events written before chaining are listed, reported as not covered, and purged by time", arguments: TestDatabase.all)
    func preChainEvents(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await bareTenant(context.database)
            let now = Date()
            // As migration 3 left them: no chain columns.
            try await context.database.withTenant(tenant.id) { scope in
                try await scope.sql.raw(
                    """
                    INSERT INTO audit_events (tenant_id, id, occurred_at, actor_type, action, changes)
                    VALUES (\(bind: tenant.id.rawValue), \(bind: UUID.version7(now: now.addingTimeInterval(-50 * 86_400))),
                            \(bind: now.addingTimeInterval(-50 * 86_400)), 'system', 'legacy.event', '{}')
                    """
                ).run()
            }
            try await appendEvents(context.database, in: tenant.id, count: 2)
            let listed = try await context.database.withTenant(tenant.id) { scope in
                try await scope.auditEvents.list(PageRequest())
            }
            #expect(listed.items.map(\.action) == ["legacy.event", "test.happened", "test.happened"])
            let summary = try #require(
                try? await AuditChainVerifier(database: SQLDataStore(context.database)).verify(tenant: tenant.id).get())
            #expect(summary.verified == 2 && summary.unchained == 1)
            let removed = try await context.database.withTenant(tenant.id) { scope in
                try await scope.auditEvents.purge(before: now.addingTimeInterval(-30 * 86_400), now: now)
            }
            #expect(removed == 1)
            #expect(
                (try? await AuditChainVerifier(database: SQLDataStore(context.database)).verify(tenant: tenant.id).get())?
                    .unchained == 0)
        }
    }

    @Test("the platform scope lists every tenant's events with the same filters, page by page", arguments: TestDatabase.all)
    func platformList(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await bareTenant(context.database)
            let tenantB = try await bareTenant(context.database)
            let now = Date()
            try await appendEvents(
                context.database, in: tenantA.id, count: 3, at: now.addingTimeInterval(-7200), action: "a.done")
            try await appendEvents(context.database, in: tenantB.id, count: 2, at: now.addingTimeInterval(-60), action: "b.done")
            try await appendEvents(context.database, in: tenantB.id, count: 1, at: now.addingTimeInterval(-30), action: "a.done")

            func all(_ filter: AuditEventFilter) async throws -> [AuditChain.Record] {
                var records: [AuditChain.Record] = []
                var page = PageRequest(limit: 2)
                while true {
                    let result = try await context.database.withPlatform { scope in
                        try await scope.tenantAuditEvents.records(filter, page: page)
                    }
                    records += result.items
                    guard result.nextCursor != nil, let last = result.items.last else { return records }
                    page.after = last.id.rawValue
                }
            }
            #expect(try await all(AuditEventFilter()).count == 6)
            let actions = try await all(AuditEventFilter(action: "a.done"))
            #expect(actions.count == 4 && Set(actions.map(\.tenantID)) == [tenantA.id, tenantB.id])
            #expect(try await all(AuditEventFilter(action: "a.done", tenantID: tenantB.id)).count == 1)
            #expect(try await all(AuditEventFilter(from: now.addingTimeInterval(-3600))).count == 3)
            #expect(try await all(AuditEventFilter(to: now.addingTimeInterval(-3600))).count == 3)
            let ids = try await all(AuditEventFilter()).map(\.id.rawValue)
            #expect(ids == ids.sorted { $0.uuidString < $1.uuidString })
        }
    }

    @Test("the runtime role can neither delete audit events nor move the retention anchor", arguments: TestDatabase.postgresOnly)
    func runtimeRoleLimits(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await bareTenant(context.database)
            try await appendEvents(context.database, in: tenant.id, count: 2)
            for statement: SQLQueryString in [
                "UPDATE audit_chain_heads SET anchor_sequence = 2", "UPDATE audit_chain_heads SET anchor_hash = 'x'",
                "DELETE FROM audit_chain_heads", "DELETE FROM audit_events",
            ] {
                let error = await #expect(throws: (any Error).self) {
                    try await context.database.withTenant(tenant.id) { scope in try await scope.sql.raw(statement).run() }
                }
                #expect(isPermissionFailure(error), "\(String(reflecting: error))")
            }
            // The purge function refuses another tenant's events and recent ones.
            let other = try await bareTenant(context.database)
            let refused = await #expect(throws: (any Error).self) {
                try await context.database.withTenant(tenant.id) { scope in
                    try await scope.sql.raw(
                        "SELECT tenantry_purge_audit_events(\(bind: other.id.rawValue), now() - interval '30 days')"
                    ).run()
                }
            }
            #expect(isPermissionFailure(refused), "\(String(reflecting: refused))")
            await #expect(throws: (any Error).self) {
                try await context.database.withTenant(tenant.id) { scope in
                    try await scope.sql.raw("SELECT tenantry_purge_audit_events(\(bind: tenant.id.rawValue), now())").run()
                }
            }
            #expect(try await chain(context.database, tenant.id).count == 2)
        }
    }
}
