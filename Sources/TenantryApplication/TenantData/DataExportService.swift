import Crypto
public import Foundation
public import Logging
import Synchronization
public import TenantryCore

/// Where background exports write their archives and how long they are kept.
public struct DataExportSettings: Sendable {
    /// The folder of the archives (one subfolder per tenant); with several nodes, a folder they
    /// all share, so any node can serve a download.
    public var directory: URL
    /// How long a finished archive can be downloaded.
    public var expiry: TimeInterval

    /// Creates the settings.
    public init(directory: URL, expiry: TimeInterval = 86_400) {
        self.directory = directory
        self.expiry = expiry
    }
}

/// Background exports of a tenant's data, asked for by its owners (through the tenant's API)
/// or by operators (the platform API): a request records the export and queues its job in one
/// transaction; a job worker writes the archive (``TenantArchiveService/export(tenant:to:compressed:actor:progress:)``),
/// reporting its progress about once a second; the archive can then be downloaded until it
/// expires, when a sweep removes it. docs/export.md.
public struct DataExportService: Sendable {
    let database: any DataStore
    let archives: TenantArchiveService
    /// Where archives go and how long they stay.
    public let settings: DataExportSettings
    let logger: Logger
    let now: @Sendable () -> Date
    /// How often a running export writes its progress.
    let progressInterval: Duration

    /// The queue of export jobs.
    public static let queueName = "tenant_export"
    /// The queue of the sweep that removes expired archives.
    public static let sweepQueueName = "tenant_export_sweep"

    /// Creates the service.
    public init(
        database: any DataStore, settings: DataExportSettings, logger: Logger, progressInterval: Duration = .seconds(1),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        archives = TenantArchiveService(database: database)
        self.settings = settings
        self.logger = logger
        self.progressInterval = progressInterval
        self.now = now
    }

    // MARK: - Requests and reads

    /// Records a new export of `tenant` and queues its job, with the tenant's
    /// `tenant.export_requested` event (and, for an operator, the platform audit event), all in
    /// one transaction.
    public func request(
        tenant: TenantID, channel: DataExport.Channel, by actor: AuditEvent.Actor, origin: AuditEvent.Origin
    ) async throws -> DataExport {
        let export = DataExport(tenantID: tenant, id: .generate(), channel: channel, requestedBy: actor, createdAt: now())
        try await database.withTenant(tenant) { scope in
            guard let found = try await scope.tenants.find(id: tenant), found.status != .deleted else {
                throw Self.noSuchTenant
            }
            try await scope.dataExports.create(export)
            try await scope.global.jobs.enqueue(
                queue: Self.queueName, payload: try Self.payload(tenant: tenant, export: export.id), maxAttempts: 3,
                runAt: export.createdAt)
            let target = Self.target(export.id)
            try await scope.record(
                AuditRecorder.event(
                    in: tenant, action: .tenantExportRequested, actor: actor, target: target, origin: origin,
                    changes: ["channel": .init(before: nil, after: channel.rawValue)]))
            if channel == .platform {
                try await scope.global.platformAuditEvents.append(
                    AuditRecorder.platformEvent(
                        actor: actor, action: EventType.tenantExportRequested.rawValue,
                        target: .init(type: "tenant", id: tenant.description), origin: origin,
                        changes: ["export": .init(before: nil, after: export.id.description)]))
            }
        }
        return export
    }

    /// A page of the tenant's exports; `channel` keeps those asked for through one API.
    public func list(tenant: TenantID, channel: DataExport.Channel?, page: PageRequest) async throws -> Page<DataExport> {
        try await database.withTenant(tenant) { scope in
            guard try await scope.tenants.find(id: tenant) != nil else { throw Self.noSuchTenant }
            return try await scope.dataExports.list(channel: channel, page: page)
        }
    }

    /// One export; one asked for through another API than `channel` is not found.
    public func export(_ id: DataExportID, of tenant: TenantID, channel: DataExport.Channel?) async throws -> DataExport {
        let found = try await database.withTenant(tenant) { scope in try await scope.dataExports.find(id: id) }
        guard let found, channel == nil || found.channel == channel else { throw Self.noSuchExport }
        return found
    }

    /// The archive of a finished export, to download: refused while it runs (`conflict`), once
    /// it failed (`conflict`) or expired (`export_expired`).
    public func archive(_ id: DataExportID, of tenant: TenantID, channel: DataExport.Channel?) async throws -> (
        export: DataExport, file: URL
    ) {
        let export = try await export(id, of: tenant, channel: channel)
        switch export.status(at: now()) {
        case .queued, .running:
            throw TenantryError(.conflict, "The export is not finished yet; its status shows its progress.")
        case .failed:
            throw TenantryError(.conflict, "The export failed; ask for a new one.")
        case .expired:
            throw TenantryError(.exportExpired, "The export's archive has expired; ask for a new one.")
        case .completed:
            guard let name = export.file else { throw TenantryError(.exportExpired, "The export's archive has expired.") }
            let file = Self.folder(of: tenant, in: settings.directory).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: file.path) else {
                logger.error(
                    "an export's archive is missing from the export folder",
                    metadata: ["tenant.id": "\(tenant)", "export.id": "\(id)"])
                throw TenantryError(.unavailable, "The export's archive cannot be read on this server.")
            }
            return (export, file)
        }
    }

    // MARK: - The job

    /// Runs one export: writes the archive, reporting progress, then marks the export complete
    /// with the tenant's `tenant.exported` event. An export already finished (a job run twice)
    /// or gone (its tenant restored or purged) is left alone. A failure marks the export failed
    /// (the reason is logged, not stored); cancellation (shutdown) is passed on, so the job runs
    /// again.
    public func run(tenant: TenantID, export id: DataExportID) async throws {
        let started = now()
        let claimed = try await database.withTenant(tenant) { scope -> DataExport? in
            guard var export = try await scope.dataExports.find(id: id), export.status == .queued || export.status == .running
            else { return nil }
            export.status = .running
            export.startedAt = started
            export.rowsDone = 0
            try await scope.dataExports.save(export)
            return export
        }
        guard var export = claimed else { return }
        let folder = Self.folder(of: tenant, in: settings.directory)
        let name = "\(id).tar.gz"
        let file = folder.appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let manifest = try await exportReportingProgress(export, to: file)
            let (size, digest) = try Self.sizeAndDigest(of: file)
            let finished = now()
            let expiry = settings.expiry
            let recorded = try await database.withTenant(tenant) { scope -> Bool in
                guard var current = try await scope.dataExports.find(id: id) else { return false }
                current.status = .completed
                current.part = nil
                current.rowsDone = manifest.totalRows
                current.rowsTotal = manifest.totalRows
                current.file = name
                current.sizeBytes = size
                current.sha256 = digest
                current.finishedAt = finished
                current.expiresAt = finished.addingTimeInterval(expiry)
                try await scope.dataExports.save(current)
                try await scope.record(
                    AuditRecorder.event(
                        in: tenant, action: .tenantExported, actor: .system, target: Self.target(id), origin: .none,
                        changes: [
                            "rows": .init(before: nil, after: String(manifest.totalRows)),
                            "size_bytes": .init(before: nil, after: String(size)),
                        ]))
                return true
            }
            // The export's record went (a restore of the tenant): its archive goes too.
            if !recorded { try? FileManager.default.removeItem(at: file) }
        } catch {
            if error is CancellationError || Task.isCancelled { throw error }
            try? FileManager.default.removeItem(at: file)
            logger.error(
                "tenant export failed",
                metadata: ErrorDiagnostics.metadata(for: error).merging(["tenant.id": "\(tenant)", "export.id": "\(id)"]) {
                    $1
                })
            export.status = .failed
            export.part = nil
            export.failure = "The export could not be written; ask for a new one."
            export.finishedAt = now()
            let failed = export
            try await database.withTenant(tenant) { scope in
                guard try await scope.dataExports.find(id: id) != nil else { return }
                try await scope.dataExports.save(failed)
            }
        }
    }

    /// Writes the archive while a second task saves the latest progress every
    /// ``progressInterval``. The reporter is stopped by a flag and a doorbell, never cancelled,
    /// so no progress write is cut off in the middle of its transaction.
    private func exportReportingProgress(_ export: DataExport, to file: URL) async throws -> TenantArchiveManifest {
        let latest = LatestProgress()
        let bell = Doorbell()
        let database = self.database
        let interval = progressInterval
        let reporter = Task {
            var reported: Int?
            while true {
                await bell.wait(upTo: interval)
                guard let progress = latest.value.withLock({ $0.finished ? nil : $0.progress }) else {
                    if latest.value.withLock({ $0.finished }) { return }
                    continue
                }
                guard progress.rows != reported else { continue }
                reported = progress.rows
                var update = export
                update.part = progress.part
                update.rowsDone = progress.rows
                update.rowsTotal = progress.total
                // Progress is advisory: a failed write is tried again at the next tick.
                try? await database.withTenant(export.tenantID) { scope in try await scope.dataExports.save(update) }
            }
        }
        let result: Result<TenantArchiveManifest, any Error>
        do {
            result = .success(
                try await archives.export(tenant: export.tenantID, to: file, actor: .system) { progress in
                    latest.value.withLock { $0.progress = progress }
                })
        } catch {
            result = .failure(error)
        }
        latest.value.withLock { $0.finished = true }
        bell.ring()
        _ = await reporter.result
        return try result.get()
    }

    // MARK: - Expiry

    /// Removes the archives of expired exports (the records stay, marked `expired`); returns
    /// how many went.
    @discardableResult
    public func sweep() async throws -> Int {
        var removed = 0
        while true {
            let due = try await database.withPlatform { scope in
                try await scope.dataExportDirectory.expired(at: now(), limit: 100)
            }
            for var export in due {
                if let name = export.file {
                    let file = Self.folder(of: export.tenantID, in: settings.directory).appendingPathComponent(name)
                    if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
                }
                export.file = nil
                export.status = .expired
                let expired = export
                try await database.withTenant(export.tenantID) { scope in try await scope.dataExports.save(expired) }
                removed += 1
            }
            if due.count < 100 { return removed }
        }
    }

    // MARK: - Helpers

    /// The folder of a tenant's export archives.
    public static func folder(of tenant: TenantID, in directory: URL) -> URL {
        directory.appendingPathComponent(tenant.description, isDirectory: true)
    }

    static func sizeAndDigest(of file: URL) throws -> (Int, String) {
        guard let input = FileHandle(forReadingAtPath: file.path) else {
            throw TenantryError(.internalError, "A finished export's archive cannot be read.")
        }
        defer { try? input.close() }
        var hasher = SHA256()
        var size = 0
        while let chunk = try input.read(upToCount: 1024 * 1024), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += chunk.count
        }
        return (size, FastFormatting.hex(hasher.finalize()))
    }

    struct Payload: Codable {
        var tenantId: String
        var exportId: String

        enum CodingKeys: String, CodingKey {
            case tenantId = "tenant_id"
            case exportId = "export_id"
        }
    }

    static func payload(tenant: TenantID, export: DataExportID) throws -> String {
        String(
            decoding: try JSONEncoder().encode(Payload(tenantId: tenant.description, exportId: export.description)), as: UTF8.self
        )
    }

    static func target(_ id: DataExportID) -> AuditEvent.Target { .init(type: "data_export", id: id.description) }

    static var noSuchTenant: TenantryError { TenantryError(.notFound, "No such tenant.") }
    static var noSuchExport: TenantryError { TenantryError(.notFound, "No such export.") }
}

/// The latest progress of a running export, shared by the export and its reporter, and
/// whether the export has finished.
private final class LatestProgress: Sendable {
    struct State {
        var progress: TenantArchiveProgress?
        var finished = false
    }

    let value = Mutex(State())
}

/// Runs the export jobs (queue `tenant_export`, payload `{"tenant_id", "export_id"}`).
public struct TenantExportJob: JobHandler {
    let exports: DataExportService

    /// Creates the handler.
    public init(exports: DataExportService) {
        self.exports = exports
    }

    public var queue: String { DataExportService.queueName }

    /// The payload names a tenant and an export: nothing to hide.
    public func redactedPayload(_ payload: String) -> String? { nil }

    public func handle(payload: String) async throws {
        guard let request = try? JSONDecoder().decode(DataExportService.Payload.self, from: Data(payload.utf8)),
            let tenant = TenantID(request.tenantId), let export = DataExportID(request.exportId)
        else { throw JobFailure(permanent: true, reason: "unreadable tenant export payload") }
        try await exports.run(tenant: tenant, export: export)
    }
}

/// Removes expired export archives (queue `tenant_export_sweep`, queued hourly by a
/// ``JobSchedule``).
public struct TenantExportSweepJob: JobHandler {
    let exports: DataExportService

    /// Creates the handler.
    public init(exports: DataExportService) {
        self.exports = exports
    }

    public var queue: String { DataExportService.sweepQueueName }

    public func redactedPayload(_ payload: String) -> String? { nil }

    public func handle(payload: String) async throws {
        try await exports.sweep()
    }
}
