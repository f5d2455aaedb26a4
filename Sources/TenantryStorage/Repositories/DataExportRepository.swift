public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's data exports (`data_exports`).
public struct SQLDataExportRepository: DataExportRepository {
    let sql: any SQLDatabase
    /// The tenant whose exports this repository reads and writes.
    public let tenantID: TenantID

    static let columns = """
        tenant_id, id, channel, requested_by_type, requested_by_id, status, part, rows_done, rows_total, file,
        size_bytes, sha256, failure, created_at, started_at, finished_at, expires_at
        """

    /// Stores a new export.
    public func create(_ export: DataExport) async throws {
        try await sql.raw(
            """
            INSERT INTO data_exports (\(unsafeRaw: Self.columns))
            VALUES (\(bind: tenantID.rawValue), \(bind: export.id.rawValue), \(bind: export.channel.rawValue),
                    \(bind: export.requestedBy.type), \(bind: export.requestedBy.id), \(bind: export.status.rawValue),
                    \(bind: export.part), \(bind: export.rowsDone), \(bind: export.rowsTotal), \(bind: export.file),
                    \(bind: export.sizeBytes), \(bind: export.sha256), \(bind: export.failure), \(bind: export.createdAt),
                    \(bind: export.startedAt), \(bind: export.finishedAt), \(bind: export.expiresAt))
            """
        ).run()
    }

    /// The export with this id.
    public func find(id: DataExportID) async throws -> DataExport? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM data_exports
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decode)
    }

    /// A page of exports, oldest first.
    public func list(channel: DataExport.Channel?, page: PageRequest) async throws -> Page<DataExport> {
        var select: SQLQueryString =
            "SELECT \(unsafeRaw: Self.columns) FROM data_exports WHERE tenant_id = \(bind: tenantID.rawValue)"
        if let channel { select.appendInterpolation(" AND channel = \(bind: channel.rawValue)" as SQLQueryString) }
        return try await KeysetPagination.fetch(sql, select: select, key: "id", page: page, decode: Self.decode) {
            $0.id.rawValue
        }
    }

    /// Saves the mutable fields.
    public func save(_ export: DataExport) async throws {
        try await sql.raw(
            """
            UPDATE data_exports SET status = \(bind: export.status.rawValue), part = \(bind: export.part),
                rows_done = \(bind: export.rowsDone), rows_total = \(bind: export.rowsTotal), file = \(bind: export.file),
                size_bytes = \(bind: export.sizeBytes), sha256 = \(bind: export.sha256), failure = \(bind: export.failure),
                started_at = \(bind: export.startedAt), finished_at = \(bind: export.finishedAt),
                expires_at = \(bind: export.expiresAt)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: export.id.rawValue)
            """
        ).run()
    }

    static func decode(_ row: any SQLRow) throws -> DataExport {
        let channel = DataExport.Channel(rawValue: try row.decode(column: "channel", as: String.self))
        let status = DataExport.Status(rawValue: try row.decode(column: "status", as: String.self))
        guard let channel, let status else { throw TenantryError(.internalError, "A stored data export is unreadable.") }
        var export = DataExport(
            tenantID: try row.identifier("tenant_id"), id: try row.identifier("id"), channel: channel,
            requestedBy: AuditEvent.Actor(
                type: try row.decode(column: "requested_by_type", as: String.self),
                id: try row.decode(column: "requested_by_id", as: String?.self)),
            createdAt: try row.decode(column: "created_at", as: Date.self))
        export.status = status
        export.part = try row.decode(column: "part", as: String?.self)
        export.rowsDone = try row.decode(column: "rows_done", as: Int.self)
        export.rowsTotal = try row.decode(column: "rows_total", as: Int?.self)
        export.file = try row.decode(column: "file", as: String?.self)
        export.sizeBytes = try row.decode(column: "size_bytes", as: Int?.self)
        export.sha256 = try row.decode(column: "sha256", as: String?.self)
        export.failure = try row.decode(column: "failure", as: String?.self)
        export.startedAt = try row.decode(column: "started_at", as: Date?.self)
        export.finishedAt = try row.decode(column: "finished_at", as: Date?.self)
        export.expiresAt = try row.decode(column: "expires_at", as: Date?.self)
        return export
    }
}

/// Data exports across tenants (platform scope).
public struct SQLDataExportDirectory: DataExportDirectory {
    let sql: any SQLDatabase

    /// Exports whose archive expired and is still on record, oldest expiry first.
    public func expired(at now: Date, limit: Int) async throws -> [DataExport] {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: SQLDataExportRepository.columns) FROM data_exports
            WHERE file IS NOT NULL AND expires_at <= \(bind: now)
            ORDER BY expires_at LIMIT \(literal: limit)
            """
        ).all().map(SQLDataExportRepository.decode)
    }
}
