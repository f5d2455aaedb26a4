import Foundation
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Usage storage")
struct UsageRepositoryTests {
    @Test("flushes from several nodes add up, and active users are recorded once per day", arguments: TestDatabase.all)
    func additive(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await Fixtures.seedTenant(context.database)
            let day = UsageDay("2026-01-15")!
            let user = UserID.generate()
            for _ in 0..<3 {
                try await context.database.withTenant(tenant.id) { scope in
                    try await scope.usage.add(UsageCounts(apiRequests: 10, signIns: 1, emailsSent: 2), on: day)
                    try await scope.usage.markActive([user], on: day)
                }
            }
            let days = try await context.database.withTenant(tenant.id) { scope in
                try await scope.usage.daily(from: day, to: day)
            }
            #expect(
                days == [DailyUsage(day: day, counts: UsageCounts(apiRequests: 30, signIns: 3, emailsSent: 6), activeUsers: 1)])
        }
    }

    @Test("the platform scope sums usage across tenants and ranks the busiest", arguments: TestDatabase.all)
    func acrossTenants(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let quiet = try await Fixtures.seedTenant(context.database, name: "Quiet")
            let busy = try await Fixtures.seedTenant(context.database, name: "Busy")
            let day = UsageDay("2026-02-10")!
            let shared = UserID.generate()
            try await context.database.withTenant(quiet.id) { scope in
                try await scope.usage.add(UsageCounts(apiRequests: 5, signIns: 1), on: day)
                try await scope.usage.markActive([shared], on: day)
            }
            try await context.database.withTenant(busy.id) { scope in
                try await scope.usage.add(UsageCounts(apiRequests: 50, emailsSent: 4), on: day)
                try await scope.usage.add(UsageCounts(apiRequests: 25), on: day.adding(days: 1))
                try await scope.usage.markActive([shared, UserID.generate()], on: day)
            }
            let (totals, top, oneDay) = try await context.database.withPlatform { scope in
                (
                    try await scope.usageAcrossTenants.totals(from: day, to: day.adding(days: 1)),
                    try await scope.usageAcrossTenants.topTenants(from: day, to: day.adding(days: 1), limit: 10),
                    try await scope.usageAcrossTenants.topTenants(from: day, to: day, limit: 1)
                )
            }
            #expect(totals.counts == UsageCounts(apiRequests: 80, signIns: 1, emailsSent: 4))
            #expect(totals.activeTenants == 2)
            #expect(totals.activeUsers == 2)
            #expect(top.map(\.tenantID) == [busy.id, quiet.id])
            #expect(top.first?.counts == UsageCounts(apiRequests: 75, emailsSent: 4))
            #expect(oneDay.count == 1 && oneDay.first?.counts.apiRequests == 50)
            // A tenant scope sees only its own rows.
            let own = try await context.database.withTenant(quiet.id) { scope in
                try await scope.usage.apiRequests(from: day, to: day.adding(days: 1))
            }
            #expect(own == 5)
        }
    }

    @Test(
        "the platform scope reads the usage of a list of tenants at once: counters and distinct active users per tenant",
        arguments: TestDatabase.all)
    func usageByTenant(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let counted = try await Fixtures.seedTenant(context.database, name: "Counted")
            let onlyActive = try await Fixtures.seedTenant(context.database, name: "Only active")
            let idle = try await Fixtures.seedTenant(context.database, name: "Idle")
            let unlisted = try await Fixtures.seedTenant(context.database, name: "Unlisted")
            let day = UsageDay("2026-03-01")!
            let (a, b) = (UserID.generate(), UserID.generate())
            try await context.database.withTenant(counted.id) { scope in
                try await scope.usage.add(UsageCounts(apiRequests: 7, signIns: 2, emailsSent: 1), on: day)
                try await scope.usage.add(UsageCounts(apiRequests: 3), on: day.adding(days: 1))
                try await scope.usage.add(UsageCounts(apiRequests: 100), on: day.adding(days: 2))
                try await scope.usage.markActive([a, b], on: day)
                try await scope.usage.markActive([a], on: day.adding(days: 1))
            }
            try await context.database.withTenant(onlyActive.id) { scope in
                try await scope.usage.markActive([a], on: day)
            }
            try await context.database.withTenant(unlisted.id) { scope in
                try await scope.usage.add(UsageCounts(apiRequests: 9), on: day)
            }
            let usage = try await context.database.withPlatform { scope in
                try await scope.usageAcrossTenants.byTenant(
                    [counted.id, onlyActive.id, idle.id], from: day, to: day.adding(days: 1))
            }
            #expect(
                usage == [
                    counted.id: .init(counts: UsageCounts(apiRequests: 10, signIns: 2, emailsSent: 1), activeUsers: 2),
                    onlyActive.id: .init(counts: UsageCounts(), activeUsers: 1),
                ])
            let none = try await context.database.withPlatform { scope in
                try await scope.usageAcrossTenants.byTenant([], from: day, to: day)
            }
            #expect(none.isEmpty)
        }
    }

    @Test("counts a flush cannot write stay in memory for the next one; other tenants' are written", arguments: TestDatabase.all)
    func failedFlushKeepsCounts(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await Fixtures.seedTenant(context.database)
            let other = try await Fixtures.seedTenant(context.database)
            let meter = UsageMeter(database: SQLDataStore(context.database))
            let now = Date()
            _ = try await meter.recordRequest(in: other.id, by: nil, monthlyAllowance: nil, now: now)
            meter.recordEmailSent(in: other.id, now: now)
            // The daily table is away: every write of that flush fails, and nothing is lost.
            try await Self.renameUsageTable(in: context, from: "usage_daily", to: "usage_daily_away")
            await #expect(throws: (any Error).self) { try await meter.flush(now: now) }
            #expect(meter.hasUnflushedCounts)
            try await Self.renameUsageTable(in: context, from: "usage_daily_away", to: "usage_daily")
            _ = try await meter.recordRequest(in: tenant.id, by: nil, monthlyAllowance: nil, now: now)
            try await meter.flush(now: now)
            #expect(!meter.hasUnflushedCounts)
            let kept = try await context.database.withTenant(other.id) { scope in
                try await scope.usage.daily(from: UsageDay(now), to: UsageDay(now))
            }
            // The fixture's day of usage (3 requests, a sign-in, an email) plus what the meter kept.
            #expect(kept.first?.counts == UsageCounts(apiRequests: 4, signIns: 1, emailsSent: 2))
            let written = try await context.database.withTenant(tenant.id) { scope in
                try await scope.usage.daily(from: UsageDay(now), to: UsageDay(now))
            }
            #expect(written.first?.counts.apiRequests == 4)
        }
    }

    @Test(
        "a purged tenant's unwritten counts are dropped at the next flush instead of failing every flush after it",
        arguments: TestDatabase.all)
    func purgedTenantCountsDropped(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let kept = try await Fixtures.seedTenant(context.database)
            let meter = UsageMeter(database: SQLDataStore(context.database))
            let purged = TenantID.generate()
            let now = Date()
            _ = try await meter.recordRequest(in: kept.id, by: nil, monthlyAllowance: nil, now: now)
            _ = try await meter.recordRequest(in: purged, by: nil, monthlyAllowance: nil, now: now)
            meter.recordEmailSent(in: purged, now: now)
            try await meter.flush(now: now)
            #expect(!meter.hasUnflushedCounts)
            let stored = try await context.database.withTenant(kept.id) { scope in
                try await scope.usage.daily(from: UsageDay(now), to: UsageDay(now))
            }
            #expect(stored.first?.counts.apiRequests == 4)
            try await meter.flush(now: now)
        }
    }

    /// Renames a usage table behind the server's back (as the owner on PostgreSQL).
    static func renameUsageTable(in context: TestDatabaseContext, from old: String, to new: String) async throws {
        let statement: SQLQueryString = "ALTER TABLE \(ident: old) RENAME TO \(ident: new)"
        switch context.kind {
        case .postgres: try await context.asOwner(statement)
        case .sqlite: try await context.database.withPlatform { scope in try await scope.sql.raw(statement).run() }
        }
    }
}
