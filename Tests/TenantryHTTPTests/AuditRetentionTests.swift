import Foundation
import Logging
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import TenantryWorkers
import Testing

/// A fixed retention per tenant; tenants not listed keep everything.
private struct PerTenantRetention: AuditRetentionSource {
    let days: [TenantID: Int]

    func retentionDays(for tenant: TenantID) async throws -> Int? { days[tenant] }
}

private func jobStatuses(_ database: any DatabaseClient) async throws -> [String] {
    try await database.withGlobal { scope in
        try await scope.sql.raw(
            "SELECT status FROM jobs WHERE queue = \(bind: AuditRetentionJob.queueName) ORDER BY created_at, id"
        ).all().map { try $0.decode(column: "status", as: String.self) }
    }
}

@Suite("Audit retention")
struct AuditRetentionTests {
    @Test("the server's retention is each tenant's plan's audit_retention_days, with its overrides", arguments: TestDatabase.all)
    func planRetention(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let database = context.database
            let free = try Fixtures.tenant(name: "Free")
            let enterprise = try Fixtures.tenant(name: "Enterprise")
            let overridden = try Fixtures.tenant(name: "Overridden")
            try await database.withPlatform { scope in
                try await scope.tenants.create(free)
                try await scope.tenants.create(enterprise, plan: "enterprise")
                try await scope.tenants.create(overridden)
                var profile = try #require(try await scope.tenants.profile(id: overridden.id))
                profile.overrides.limits[.auditRetentionDays] = .some(nil)
                try await scope.tenants.save(profile)
            }
            let retention = PlanAuditRetention(database: SQLDataStore(database))
            #expect(try await retention.retentionDays(for: free.id) == 30)
            #expect(try await retention.retentionDays(for: enterprise.id) == 2555)
            #expect(try await retention.retentionDays(for: overridden.id) == nil)
            #expect(try await retention.retentionDays(for: TenantID.generate()) == nil)
        }
    }

    @Test(
        "the scheduled sweep purges each tenant's events past its retention, records the purge, and the chains still verify",
        arguments: TestDatabase.all)
    func sweep(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let database = context.database
            let now = Date()
            let short = try Fixtures.tenant(name: "Short")
            let forever = try Fixtures.tenant(name: "Forever")
            for tenant in [short, forever] {
                try await database.withTenant(tenant.id) { scope in
                    try await scope.tenants.create(tenant)
                    for age: Double in [60, 45, 40, 10, 0] {
                        var event = Fixtures.auditEvent(in: tenant.id, action: "aged.\(Int(age))")
                        event.occurredAt = now.addingTimeInterval(-age * 86_400 - 60)
                        try await scope.auditEvents.append(event)
                    }
                }
            }
            let schedule = AuditRetentionSchedule(
                database: SQLDataStore(database), interval: .seconds(3600), logger: TestLogging.logger)
            #expect(try await schedule.enqueueSweep())
            #expect(try await schedule.enqueueSweep() == false)
            // The largest allowance an operator may set keeps everything (its cutoff would lie
            // before any timestamp the databases hold).
            let job = AuditRetentionJob(
                database: SQLDataStore(database), retention: PerTenantRetention(days: [short.id: 30, forever.id: Limit.maximum]),
                logger: TestLogging.logger)
            let worker = JobWorker(database: SQLDataStore(database), handler: job, logger: TestLogging.logger)
            #expect(try await worker.runOnce())
            #expect(try await jobStatuses(database) == ["done"])

            let shortActions = try await database.withTenant(short.id) { scope in
                try await scope.auditEvents.list(PageRequest()).items
            }
            #expect(shortActions.map(\.action) == ["aged.10", "aged.0", "audit_events.purged"])
            let purged = try #require(shortActions.last)
            #expect(purged.actor == .system)
            #expect(purged.changes["removed"]?.after == "3")
            #expect(purged.changes["anchor_sequence"]?.after == "3")
            let foreverCount = try await database.withTenant(forever.id) { scope in
                try await scope.auditEvents.list(PageRequest()).items.count
            }
            #expect(foreverCount == 5)

            let verifier = AuditChainVerifier(database: SQLDataStore(database))
            let summary = try #require(try? await verifier.verify(tenant: short.id).get())
            #expect(summary.anchorSequence == 3 && summary.verified == 3)
            #expect((try? await verifier.verify(tenant: forever.id).get())?.verified == 5)

            // Running again removes nothing and records nothing; the next sweep can be queued.
            #expect(try await schedule.enqueueSweep())
            #expect(try await worker.runOnce())
            #expect(
                try await database.withTenant(short.id) { scope in try await scope.auditEvents.list(PageRequest()).items.count }
                    == 3)
            #expect(try await jobStatuses(database) == ["done", "done"])
        }
    }

    @Test("a sweep for one tenant touches only it; an unreadable payload is dead-lettered at once", arguments: TestDatabase.all)
    func payloads(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let database = context.database
            let now = Date()
            let tenants = [try Fixtures.tenant(name: "One"), try Fixtures.tenant(name: "Two")]
            for tenant in tenants {
                try await database.withTenant(tenant.id) { scope in
                    try await scope.tenants.create(tenant)
                    var event = Fixtures.auditEvent(in: tenant.id)
                    event.occurredAt = now.addingTimeInterval(-90 * 86_400)
                    try await scope.auditEvents.append(event)
                }
            }
            let job = AuditRetentionJob(
                database: SQLDataStore(database), retention: ConfiguredAuditRetention(days: 30), logger: TestLogging.logger)
            let worker = JobWorker(database: SQLDataStore(database), handler: job, logger: TestLogging.logger)
            _ = try await database.withGlobal { scope in
                try await scope.jobs.enqueue(
                    queue: AuditRetentionJob.queueName, payload: #"{"tenant_id":"\#(tenants[0].id)"}"#)
            }
            #expect(try await worker.runOnce())
            var remaining: [Int] = []
            for tenant in tenants {
                remaining.append(
                    try await database.withTenant(tenant.id) { scope in
                        try await scope.auditEvents.list(PageRequest(), filter: AuditEventFilter(action: "test.happened"))
                            .items.count
                    })
            }
            #expect(remaining == [0, 1])

            _ = try await database.withGlobal { scope in
                try await scope.jobs.enqueue(queue: AuditRetentionJob.queueName, payload: "not json")
            }
            #expect(try await worker.runOnce())
            #expect(try await jobStatuses(database) == ["done", "dead"])
        }
    }
}
