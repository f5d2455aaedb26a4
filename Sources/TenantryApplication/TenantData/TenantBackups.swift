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

/// A tenant's backup as operators see it.
public struct TenantBackup: Sendable, Equatable {
    /// The file's name in the tenant's backup folder (its time: `2026-12-04T101500.123Z.tar.gz`).
    public var name: String
    public var sizeBytes: Int
    /// When it was written (the file's modification time).
    public var createdAt: Date
}

/// The operators' backups of one tenant: list them, make one now, restore one. Needs a backup
/// folder (`TENANTRY_BACKUP_DIRECTORY`); without one every call is `backups_disabled`.
public struct TenantBackupService: Sendable {
    let database: any DataStore
    let directory: URL?
    let logger: Logger

    /// Creates the service; `directory` `nil`: backups are off.
    public init(database: any DataStore, directory: URL?, logger: Logger) {
        self.database = database
        self.directory = directory
        self.logger = logger
    }

    /// The tenant's backups, newest first.
    public func backups(of tenant: TenantID) async throws -> [TenantBackup] {
        let directory = try configured()
        try await requireTenant(tenant)
        return try TenantBackupJob.backups(in: TenantBackupJob.folder(of: tenant, in: directory)).reversed().map(Self.describe)
    }

    /// Backs the tenant up now (its plan's retention applies, as to scheduled backups).
    public func backUp(_ tenant: TenantID) async throws -> TenantBackup {
        let directory = try configured()
        try await requireTenant(tenant)
        let job = TenantBackupJob(database: database, directory: directory, logger: logger)
        return try Self.describe(try await job.backUp(tenant))
    }

    /// Replaces the tenant's data with the backup named `name` (see
    /// ``TenantArchiveService/restore(tenant:from:actor:origin:progress:)``), once `confirm`
    /// repeats the tenant's slug.
    public func restore(
        _ tenant: TenantID, backup name: String, confirm: String, by actor: PlatformOperator, origin: AuditEvent.Origin
    ) async throws -> TenantImportReport {
        let directory = try configured()
        let found = try await requireTenant(tenant)
        guard confirm == found.slug.rawValue else {
            throw Validator.fail("confirm", "mismatch", "Type the tenant's slug to confirm.")
        }
        let folder = TenantBackupJob.folder(of: tenant, in: directory)
        guard try TenantBackupJob.backups(in: folder).contains(where: { $0.lastPathComponent == name }) else {
            throw TenantryError(.notFound, "The tenant has no backup with this name.")
        }
        return try await TenantArchiveService(database: database).restore(
            tenant: tenant, from: folder.appendingPathComponent(name), actor: actor.actor, origin: origin)
    }

    private func configured() throws -> URL {
        guard let directory else {
            throw TenantryError(.backupsDisabled, "Backups are not configured on this server (TENANTRY_BACKUP_DIRECTORY).")
        }
        return directory
    }

    @discardableResult
    private func requireTenant(_ tenant: TenantID) async throws -> Tenant {
        let found = try await database.readGlobal { scope in try await scope.tenants.find(id: tenant) }
        guard let found, found.status != .deleted else { throw TenantryError(.notFound, "No such tenant.") }
        return found
    }

    static func describe(_ file: URL) throws -> TenantBackup {
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        return TenantBackup(
            name: file.lastPathComponent, sizeBytes: (attributes[.size] as? Int) ?? 0,
            createdAt: (attributes[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0))
    }
}
