public import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Scheduled per-tenant backups (queue `tenant_backup`): an export of each tenant that still
/// has data (every status but `deleted`) written to `<backup directory>/<tenant id>/<time>.tar.gz`,
/// then the tenant's oldest backups removed beyond its plan's `backups_kept` (no value keeps
/// them all). The payload `{}` backs up every tenant, `{"tenant_id": "<id>"}` one. Safe to run
/// twice: a second run makes one more backup, and retention trims it.
public struct TenantBackupJob: JobHandler {
    /// The queue name.
    public static let queueName = "tenant_backup"

    struct Payload: Codable {
        var tenantId: String?

        enum CodingKeys: String, CodingKey {
            case tenantId = "tenant_id"
        }
    }

    let database: any DataStore
    let archives: TenantArchiveService
    let directory: URL
    let logger: Logger
    let now: @Sendable () -> Date

    /// Creates the handler; backups go under `directory`.
    public init(
        database: any DataStore, directory: URL, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        archives = TenantArchiveService(database: database)
        self.directory = directory
        self.logger = logger
        self.now = now
    }

    public var queue: String { Self.queueName }

    /// The payload names at most a tenant: nothing to hide.
    public func redactedPayload(_ payload: String) -> String? { nil }

    public func handle(payload: String) async throws {
        let request: Payload
        do {
            request = try JSONDecoder().decode(Payload.self, from: Data(payload.utf8))
        } catch {
            throw JobFailure(permanent: true, reason: "unreadable tenant backup payload")
        }
        var tenants: [TenantID] = []
        if let text = request.tenantId {
            guard let tenant = TenantID(text) else {
                throw JobFailure(permanent: true, reason: "tenant backup payload names no tenant id")
            }
            tenants = [tenant]
        } else {
            var page = PageRequest(limit: 200)
            while true {
                let found = try await database.readGlobal { scope in try await scope.tenants.list(page) }
                tenants += found.items.filter { $0.status != .deleted }.map(\.id)
                guard let last = found.items.last, found.nextCursor != nil else { break }
                page.after = last.id.rawValue
            }
        }
        // One tenant that cannot be backed up does not hold up the others; the job is retried
        // with the first failure.
        var failure: (any Error)?
        for tenant in tenants {
            do {
                try await backUp(tenant)
            } catch {
                logger.error(
                    "tenant backup failed",
                    metadata: ErrorDiagnostics.metadata(for: error).merging(["tenant.id": "\(tenant)"]) { $1 })
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }

    /// Backs one tenant up and applies its plan's retention; returns the backup's file.
    @discardableResult
    public func backUp(_ tenant: TenantID) async throws -> URL {
        let folder = Self.folder(of: tenant, in: directory)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = FastFormatting.timestamp(now()).replacingOccurrences(of: ":", with: "") + ".tar.gz"
        let file = folder.appendingPathComponent(name)
        let manifest = try await archives.export(tenant: tenant, to: file, actor: .system)
        let kept = try await database.readGlobal { scope in try await EntitlementDirectory.load(tenant, from: scope) }?
            .entitlements.allowance(.backupsKept)
        let removed = try Self.prune(folder, keep: kept)
        logger.info(
            "tenant backed up",
            metadata: [
                "tenant.id": "\(tenant)", "backup.file": "\(name)", "backup.rows": "\(manifest.totalRows)",
                "backup.removed": "\(removed)",
            ])
        return file
    }

    /// The folder of a tenant's backups.
    public static func folder(of tenant: TenantID, in directory: URL) -> URL {
        directory.appendingPathComponent(tenant.description, isDirectory: true)
    }

    /// A tenant's backups, oldest first (their names are their times).
    public static func backups(in folder: URL) throws -> [URL] {
        guard FileManager.default.fileExists(atPath: folder.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".tar.gz") && !$0.hasPrefix(".") }.sorted()
            .map { folder.appendingPathComponent($0) }
    }

    /// Removes all but the newest `keep` backups (at least one stays); returns how many went.
    static func prune(_ folder: URL, keep: Int?) throws -> Int {
        guard let keep else { return 0 }
        let backups = try backups(in: folder)
        let surplus = backups.dropLast(max(1, keep))
        for file in surplus { try FileManager.default.removeItem(at: file) }
        return surplus.count
    }
}

/// Queues the backup of every tenant every `interval` (not at start-up), unless one is
/// pending or running.
public struct TenantBackupSchedule: Service {
    let schedule: JobSchedule

    /// Creates the schedule.
    public init(database: any DataStore, interval: Duration, logger: Logger) {
        schedule = JobSchedule(
            name: "tenant backup schedule", queue: TenantBackupJob.queueName, database: database, interval: interval,
            runsAtStart: false, failureMessage: "could not queue the tenant backups", logger: logger)
    }

    public func run() async {
        await schedule.run()
    }

    /// Queues one backup of every tenant unless one is pending or running; returns whether it
    /// queued one.
    @discardableResult
    public func enqueue() async throws -> Bool {
        try await schedule.enqueue()
    }
}
