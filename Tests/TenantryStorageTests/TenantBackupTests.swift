import Foundation
import Logging
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// A clock a test moves by hand, so each backup gets a name of its own.
final class SteppingClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_795_000_000)

    func now() -> Date {
        lock.lock()
        defer { lock.unlock() }
        current += 3600
        return current
    }
}

@Suite("Tenant backups")
struct TenantBackupTests {
    @Test(
        "the backup job writes an archive of every tenant and keeps as many as the plan's backups_kept",
        arguments: TestDatabase.all)
    func backupsKeptByPlan(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let store = SQLDataStore(context.database)
            let kept = try await archivedTenant(context.database, name: "Kept")
            let unlimited = try await archivedTenant(context.database, name: "Unlimited")
            try await context.database.withTenant(kept.id) { scope in
                var profile = try #require(try await scope.tenants.profile(id: kept.id))
                profile.overrides.limits[.backupsKept] = 2
                try await scope.tenants.save(profile)
            }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backups-\(UUID())")
            defer { try? FileManager.default.removeItem(at: directory) }
            let clock = SteppingClock()
            let job = TenantBackupJob(
                database: store, directory: directory, logger: Logger(label: "test"), now: { clock.now() })
            for _ in 0..<3 { try await job.handle(payload: "{}") }

            let keptBackups = try TenantBackupJob.backups(in: TenantBackupJob.folder(of: kept.id, in: directory))
            let allBackups = try TenantBackupJob.backups(in: TenantBackupJob.folder(of: unlimited.id, in: directory))
            #expect(keptBackups.count == 2)
            #expect(allBackups.count == 3)
            // The clock moves on with every backup: the kept two are the last two written.
            #expect(keptBackups.map(\.lastPathComponent) == keptBackups.map(\.lastPathComponent).sorted())

            // A backup restores like any archive of the tenant.
            let latest = try #require(keptBackups.last)
            let report = try await TenantArchiveService(database: store).restore(tenant: kept.id, from: latest)
            #expect(report.tenant.id == kept.id)

            try await job.handle(payload: "{\"tenant_id\": \"\(kept.id)\"}")
            #expect(try TenantBackupJob.backups(in: TenantBackupJob.folder(of: kept.id, in: directory)).count == 2)
            await #expect(throws: JobFailure.self) { try await job.handle(payload: "{\"tenant_id\": \"nope\"}") }

            let schedule = TenantBackupSchedule(database: store, interval: .seconds(3600), logger: Logger(label: "test"))
            #expect(try await schedule.enqueue())
            #expect(try await schedule.enqueue() == false)
        }
    }
}
