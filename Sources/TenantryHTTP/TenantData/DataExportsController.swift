import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// Background exports of a tenant's data, and its backups:
/// - `/api/v1/tenant/exports*` (`tenant:export`, held by owners): the tenant's own exports;
/// - `/api/v1/platform/tenants/{id}/exports*`: any tenant's exports (reads `support`; asking
///   for one and downloading it `super_admin`);
/// - `/api/v1/platform/tenants/{id}/backups*`: the tenant's backups, a backup now, and a
///   restore (reads `support`, changes `super_admin`).
///
/// Asking for an export answers 202 with the export, queued; its status shows the progress;
/// once `completed`, its archive downloads until `expires_at` (then 410 `export_expired`).
struct DataExportsController: Sendable {
    let exports: DataExportService
    let backups: TenantBackupService

    func register(on routes: TenantRoutes) {
        routes.on(.post, "/tenant/exports", .tenantExport) { request, context in
            let tenant = context.access.tenantID
            let export = try await exports.request(
                tenant: tenant, channel: .tenant, by: context.access.actor, origin: context.origin(of: request))
            return try Self.accepted(
                DataExportBody(export, at: Date(), downloadPath: Self.tenantPath(export.id)), request: request,
                context: context)
        }
        routes.on(.get, "/tenant/exports", .tenantExport) { request, context in
            let page = try await exports.list(tenant: context.access.tenantID, channel: .tenant, page: try request.pageRequest())
            let now = Date()
            return try DataExportPage(
                items: page.items.map { DataExportBody($0, at: now, downloadPath: Self.tenantPath($0.id)) },
                nextCursor: page.nextCursor
            ).response(from: request, context: context)
        }
        routes.on(.get, "/tenant/exports/{export_id}", .tenantExport) { request, context in
            let export = try await exports.export(
                try Self.exportID(context.parameters), of: context.access.tenantID, channel: .tenant)
            return try DataExportBody(export, at: Date(), downloadPath: Self.tenantPath(export.id))
                .response(from: request, context: context)
        }
        routes.on(.get, "/tenant/exports/{export_id}/download", .tenantExport) { request, context in
            let found = try await exports.archive(
                try Self.exportID(context.parameters), of: context.access.tenantID, channel: .tenant)
            return try await Self.download(found.export, file: found.file, context: context.base)
        }
    }

    func register(on routes: PlatformRoutes) {
        routes.on(.post, "/tenants/{id}/exports", .superAdmin) { request, context, actor in
            let tenant = try PlatformController.tenantID(context)
            let export = try await exports.request(
                tenant: tenant, channel: .platform, by: actor.actor, origin: context.base.origin(of: request))
            return try Self.accepted(
                DataExportBody(export, at: Date(), downloadPath: Self.platformPath(tenant, export.id)), request: request,
                context: context)
        }
        routes.on(.get, "/tenants/{id}/exports", .support) { request, context, _ in
            let tenant = try PlatformController.tenantID(context)
            let page = try await exports.list(tenant: tenant, channel: nil, page: try request.pageRequest())
            let now = Date()
            return try DataExportPage(
                items: page.items.map { DataExportBody($0, at: now, downloadPath: Self.platformPath(tenant, $0.id)) },
                nextCursor: page.nextCursor
            ).response(from: request, context: context)
        }
        routes.on(.get, "/tenants/{id}/exports/{export_id}", .support) { request, context, _ in
            let tenant = try PlatformController.tenantID(context)
            let export = try await exports.export(try Self.exportID(context.parameters), of: tenant, channel: nil)
            return try DataExportBody(export, at: Date(), downloadPath: Self.platformPath(tenant, export.id))
                .response(from: request, context: context)
        }
        routes.on(.get, "/tenants/{id}/exports/{export_id}/download", .superAdmin) { _, context, _ in
            let tenant = try PlatformController.tenantID(context)
            let found = try await exports.archive(try Self.exportID(context.parameters), of: tenant, channel: nil)
            return try await Self.download(found.export, file: found.file, context: context.base)
        }
        routes.on(.get, "/tenants/{id}/backups", .support) { request, context, _ in
            let list = try await backups.backups(of: try PlatformController.tenantID(context))
            return try TenantBackupList(items: list.map(TenantBackupBody.init)).response(from: request, context: context)
        }
        routes.on(.post, "/tenants/{id}/backups", .superAdmin) { request, context, _ in
            let backup = try await backups.backUp(try PlatformController.tenantID(context))
            var response = try TenantBackupBody(backup).response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.post, "/tenants/{id}/backups/{backup}/restore", .superAdmin) { request, context, actor in
            let tenant = try PlatformController.tenantID(context)
            let body = try await request.decodeJSON(as: ConfirmationRequest.self, context: context.base)
            let name = context.parameters.get("backup") ?? ""
            let report = try await backups.restore(
                tenant, backup: name, confirm: body.confirm, by: actor, origin: context.base.origin(of: request))
            return try RestoreReportBody(backup: name, report: report).response(from: request, context: context)
        }
    }

    /// 202 with the export and its `Location`.
    static func accepted(_ body: DataExportBody, request: Request, context: some RequestContext) throws -> Response {
        var response = try body.response(from: request, context: context)
        response.status = .accepted
        response.headers[.location] = String(body.downloadPath.dropLast("/download".count))
        return response
    }

    /// The archive, streamed from the export folder, with its SHA-256 (`Repr-Digest`, RFC 9530).
    static func download(_ export: DataExport, file: URL, context: AppRequestContext) async throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/gzip"
        headers[.contentDisposition] = "attachment; filename=\"tenant-\(export.tenantID)-export-\(export.id).tar.gz\""
        headers[.cacheControl] = "no-store"
        if let digest = export.sha256.flatMap(Self.base64(hex:)) {
            headers[HTTPField.Name("Repr-Digest")!] = "sha-256=:\(digest):"
        }
        let body = try await FileIO().loadFile(path: file.path, context: context)
        return Response(status: .ok, headers: headers, body: body)
    }

    static func base64(hex: String) -> String? {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return Data(bytes).base64EncodedString()
    }

    static func exportID(_ parameters: Parameters) throws -> DataExportID {
        guard let id = parameters.get("export_id").flatMap(DataExportID.init) else {
            throw TenantryError(.notFound, "No such export.")
        }
        return id
    }

    static func tenantPath(_ id: DataExportID) -> String { "/api/v1/tenant/exports/\(id)/download" }

    static func platformPath(_ tenant: TenantID, _ id: DataExportID) -> String {
        "/api/v1/platform/tenants/\(tenant)/exports/\(id)/download"
    }
}

/// An export as the API shows it.
struct DataExportBody: ResponseEncodable {
    struct Actor: Encodable {
        let type: String
        let id: String?
    }

    struct Progress: Encodable {
        /// The table being written (while running).
        let part: String?
        let rows: Int
        let total: Int?
    }

    let id: String
    let status: String
    let requestedBy: Actor
    let progress: Progress
    let sizeBytes: Int?
    let sha256: String?
    let failure: String?
    let createdAt: Date
    let startedAt: Date?
    let finishedAt: Date?
    let expiresAt: Date?
    /// Where the archive downloads from, once completed and until it expires.
    let downloadUrl: String?
    /// Not encoded: the download path whatever the status (for `Location`).
    let downloadPath: String

    enum CodingKeys: String, CodingKey {
        case id, status, requestedBy, progress, sizeBytes, sha256, failure, createdAt, startedAt, finishedAt, expiresAt,
            downloadUrl
    }

    init(_ export: DataExport, at now: Date, downloadPath: String) {
        id = export.id.description
        let status = export.status(at: now)
        self.status = status.rawValue
        requestedBy = Actor(type: export.requestedBy.type, id: export.requestedBy.id)
        progress = Progress(part: export.part, rows: export.rowsDone, total: export.rowsTotal)
        sizeBytes = export.sizeBytes
        sha256 = export.sha256
        failure = export.failure
        createdAt = export.createdAt
        startedAt = export.startedAt
        finishedAt = export.finishedAt
        expiresAt = export.expiresAt
        downloadUrl = status == .completed ? downloadPath : nil
        self.downloadPath = downloadPath
    }
}

struct DataExportPage: ResponseEncodable {
    let items: [DataExportBody]
    let nextCursor: String?
}

struct TenantBackupBody: ResponseEncodable {
    let name: String
    let sizeBytes: Int
    let createdAt: Date

    init(_ backup: TenantBackup) {
        name = backup.name
        sizeBytes = backup.sizeBytes
        createdAt = backup.createdAt
    }
}

struct TenantBackupList: ResponseEncodable {
    let items: [TenantBackupBody]
}

/// What a restore wrote.
struct RestoreReportBody: ResponseEncodable {
    let tenantId: String
    let backup: String
    /// Rows written per table.
    let rows: [String: Int]
    let totalRows: Int

    init(backup: String, report: TenantImportReport) {
        tenantId = report.tenant.id.description
        self.backup = backup
        rows = Dictionary(report.rows.map { ($0.table, $0.rows) }, uniquingKeysWith: { $0 + $1 })
        totalRows = report.rows.reduce(0) { $0 + $1.rows }
    }
}
