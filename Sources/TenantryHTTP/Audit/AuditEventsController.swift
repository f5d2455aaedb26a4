import Foundation
import Hummingbird
import NIOCore
import TenantryApplication
import TenantryCore

/// `/api/v1/audit-events*`: the tenant's audit log, oldest first (the API's one pagination
/// order), filtered, and exported as CSV or JSON Lines.
struct AuditEventsController: Sendable {
    let log: AuditLog

    /// Events read per transaction while exporting.
    static let exportBatchSize = 1000

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/audit-events", .auditRead) { request, context in
            let tenantID = context.access.tenantID
            return try await Self.list(request, acrossTenants: false) { [log] filter, page in
                try await log.records(of: tenantID, filter, page: page)
            }
        }
        routes.on(.get, "/audit-events/export", .auditRead) { request, context in
            let tenantID = context.access.tenantID
            return try await Self.export(request, acrossTenants: false, filename: "audit-events-\(tenantID)") {
                [log] filter, page in
                try await log.records(of: tenantID, filter, page: page)
            }
        }
    }

    /// Reads one page of events matching `filter`.
    typealias Fetch = @Sendable (AuditEventFilter, PageRequest) async throws -> Page<AuditChain.Record>

    /// The list: the request's page and filters (`acrossTenants`: also `tenant_id`), one page
    /// of events read by `fetch`. Shared by the tenant and the platform-wide audit log.
    static func list(_ request: Request, acrossTenants: Bool, fetch: Fetch) async throws -> Response {
        try await list(request, acrossTenants: acrossTenants, fetch: fetch) { AuditEventBody.write($1, to: &$0) }
    }

    /// One page of any audit trail's events (`write` puts one into the JSON), read by `fetch`
    /// with the request's page and filters: the tenant log, every tenant's, the platform's own.
    static func list<Event>(
        _ request: Request, acrossTenants: Bool, fetch: (AuditEventFilter, PageRequest) async throws -> Page<Event>,
        write: (inout JSONWriter, Event) -> Void
    ) async throws -> Response {
        var validator = Validator()
        let page = try validator.capture { try request.pageRequest() }
        let filter = AuditEventQuery.filter(request, acrossTenants: acrossTenants, validator: &validator)
        try validator.check()
        let result = try await fetch(filter, page ?? PageRequest())
        var writer = JSONWriter()
        writer.object { json in
            json.field("items", array: result.items) { write(&$0, $1) }
            json.field("next_cursor", result.nextCursor)
        }
        return writer.response()
    }

    /// The streamed export: the request's `format` and filters (`acrossTenants`: also
    /// `tenant_id`), every matching event read by `fetch` in batches. Shared by the tenant and
    /// the platform-wide audit log.
    static func export(_ request: Request, acrossTenants: Bool, filename: String, fetch: @escaping Fetch) async throws
        -> Response
    {
        var validator = Validator()
        let requested = request.uri.queryParameters["format"].map(String.init) ?? AuditExportFormat.jsonl.rawValue
        let format = AuditExportFormat(rawValue: requested)
        if format == nil { validator.add("format", "invalid_value", "format is csv or jsonl.") }
        let filter = AuditEventQuery.filter(request, acrossTenants: acrossTenants, validator: &validator)
        try validator.check()
        guard let format else { throw TenantryError(.internalError, "Validation passed without values.") }
        let export = AuditExport(format: format) { after in try await fetch(filter, AuditExport.batch(after: after)) }
        return try await export.response(filename: filename)
    }
}

/// The two export formats.
enum AuditExportFormat: String, Sendable {
    case csv, jsonl

    var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8; header=present"
        case .jsonl: "application/jsonl; charset=utf-8"
        }
    }
}

/// A streamed export of audit events: read in keyset batches, each batch in its own short
/// transaction, encoded and written before the next is read, so memory stays flat whatever the
/// size. The first batch is read before the response starts, so a failure then is still a
/// problem+json answer; a failure later ends the stream early (the transfer is incomplete).
/// Shared by the tenant export and the platform-wide export.
struct AuditExport: Sendable {
    /// Reads the batch after an event id (`nil`: the first).
    typealias Fetch = @Sendable (UUID?) async throws -> Page<AuditChain.Record>

    let format: AuditExportFormat
    let fetch: Fetch

    /// A page request for one export batch (larger than an API page).
    static func batch(after: UUID?) -> PageRequest {
        var page = PageRequest(after: after)
        page.limit = AuditEventsController.exportBatchSize
        return page
    }

    /// The streaming response, with `Content-Disposition` naming `filename` and the format's extension.
    func response(filename: String) async throws -> Response {
        let first = try await fetch(nil)
        let format = self.format
        let fetch = self.fetch
        var headers = HTTPFields()
        headers[.contentType] = format.contentType
        headers[.contentDisposition] = "attachment; filename=\"\(filename).\(format.rawValue)\""
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { writer in
            var page = first
            var encoder = AuditExportEncoder(format: format)
            try await writer.write(ByteBuffer(bytes: encoder.encode(page.items, header: true)))
            while page.nextCursor != nil, let last = page.items.last {
                page = try await fetch(last.id.rawValue)
                try await writer.write(ByteBuffer(bytes: encoder.encode(page.items, header: false)))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// Encodes batches of events as CSV (RFC 4180: a header row, CRLF line ends, fields with a
/// comma, quote, CR or LF quoted and quotes doubled) or JSON Lines (one object per line, the
/// list API's item shape).
struct AuditExportEncoder {
    let format: AuditExportFormat
    private var json = JSONWriter()
    private var csv: [UInt8] = []

    init(format: AuditExportFormat) {
        self.format = format
    }

    /// The CSV columns, in order.
    static let csvColumns = [
        "tenant_id", "id", "sequence", "occurred_at", "actor_type", "actor_id", "action", "target_type", "target_id",
        "ip", "user_agent", "request_id", "changes", "previous_hash", "hash", "chain_version",
    ]

    /// The bytes of one batch (`header`: the CSV header row first).
    mutating func encode(_ records: [AuditChain.Record], header: Bool) -> [UInt8] {
        switch format {
        case .jsonl:
            for record in records {
                json.line { AuditEventBody.write(record, to: &$0) }
            }
            return json.take()
        case .csv:
            csv.removeAll(keepingCapacity: true)
            if header { row(Self.csvColumns) }
            for record in records {
                row([
                    record.tenantID.description, record.id.description, record.sequence.map { String($0) },
                    FastFormatting.timestamp(record.occurredAt), record.actorType, record.actorID, record.action,
                    record.targetType, record.targetID, record.ip, record.userAgent, record.requestID, record.changes,
                    record.previousHash, record.hash, record.version.map { String($0) },
                ])
            }
            return csv
        }
    }

    private mutating func row(_ fields: [String?]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { csv.append(UInt8(ascii: ",")) }
            guard let field else { continue }
            let needsQuotes = field.utf8.contains { byte in
                byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 0x0D || byte == 0x0A
            }
            guard needsQuotes else {
                csv.append(contentsOf: field.utf8)
                continue
            }
            csv.append(UInt8(ascii: "\""))
            for byte in field.utf8 {
                if byte == UInt8(ascii: "\"") { csv.append(byte) }
                csv.append(byte)
            }
            csv.append(UInt8(ascii: "\""))
        }
        csv.append(contentsOf: [0x0D, 0x0A])
    }
}

/// An audit event as the API shows it (list items and JSON Lines): the stored fields, the
/// changes as stored, and the chain fields a client needs to check the hashes itself (for
/// version 2, the salt of an intact event or the digests of a redacted one).
enum AuditEventBody {
    /// Writes the fields, in sorted key order.
    static func write(_ record: AuditChain.Record, to json: inout JSONWriter) {
        json.field("action", record.action)
        json.field("actor", record) { actor, record in
            actor.field("id", record.actorID)
            actor.field("type", record.actorType)
        }
        json.field("chain_version", record.version.map(Int64.init))
        json.field("changes", storedJSON: record.changes)
        json.field("hash", record.hash)
        json.field("id", record.id.description)
        json.field("ip", record.ip)
        json.field("occurred_at", record.occurredAt)
        json.field("personal_digests", record.personalDigests) { digests, value in
            digests.field("changes", value.changes)
            digests.field("ip", value.ip)
            digests.field("user_agent", value.userAgent)
        }
        json.field("personal_salt", record.personalSalt)
        json.field("previous_hash", record.previousHash)
        json.field("redacted_at", record.redactedAt.map { FastFormatting.timestamp($0) })
        json.field("request_id", record.requestID)
        json.field("sequence", record.sequence)
        json.field("target", record.targetType.flatMap { type in record.targetID.map { (type, $0) } }) { target, value in
            target.field("id", value.1)
            target.field("type", value.0)
        }
        json.field("tenant_id", record.tenantID.description)
        json.field("user_agent", record.userAgent)
    }
}
