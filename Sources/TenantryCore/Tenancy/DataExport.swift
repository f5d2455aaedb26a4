public import Foundation

/// The identifier of a data export.
public typealias DataExportID = Identifier<DataExport>

/// A background export of one tenant's data: requested by an owner (through the tenant's API)
/// or an operator (through the platform API), run by a job worker, and kept as one archive for
/// download until it expires (docs/export.md).
public struct DataExport: Sendable, Equatable {
    /// Where the export stands.
    public enum Status: String, Sendable, CaseIterable {
        /// Waiting for a worker.
        case queued
        /// A worker is writing the archive.
        case running
        /// The archive is ready until ``DataExport/expiresAt``.
        case completed
        /// The export failed; ``DataExport/failure`` says why.
        case failed
        /// The archive was ready and has expired: it is gone.
        case expired
    }

    /// Which API the export was asked for through: owners see theirs, operators see all.
    public enum Channel: String, Sendable {
        /// An owner, or an API key, of the tenant.
        case tenant
        /// A platform operator.
        case platform
    }

    public var tenantID: TenantID
    public var id: DataExportID
    public var channel: Channel
    /// Who asked for it.
    public var requestedBy: AuditEvent.Actor
    public var status: Status
    /// The table being written while running.
    public var part: String?
    /// Rows written so far, and in all (known once the export starts).
    public var rowsDone: Int
    public var rowsTotal: Int?
    /// The archive's file name in the export folder, once complete (until it expires).
    public var file: String?
    /// The archive's size and SHA-256 (lowercase hex), once complete.
    public var sizeBytes: Int?
    public var sha256: String?
    /// Why it failed, safe to show.
    public var failure: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// When the archive goes, once complete.
    public var expiresAt: Date?

    /// A new export, queued.
    public init(tenantID: TenantID, id: DataExportID, channel: Channel, requestedBy: AuditEvent.Actor, createdAt: Date) {
        self.tenantID = tenantID
        self.id = id
        self.channel = channel
        self.requestedBy = requestedBy
        status = .queued
        part = nil
        rowsDone = 0
        rowsTotal = nil
        file = nil
        sizeBytes = nil
        sha256 = nil
        failure = nil
        self.createdAt = createdAt
        startedAt = nil
        finishedAt = nil
        expiresAt = nil
    }

    /// The status as seen at `now`: a completed export past its expiry is expired.
    public func status(at now: Date) -> Status {
        if status == .completed, let expiresAt, expiresAt <= now { return .expired }
        return status
    }
}
