public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's inbound webhook sources and their receipts. Secrets are stored sealed with the
/// master key.
public struct SQLWebhookSourceRepository: WebhookSourceRepository {
    let sql: any SQLDatabase
    /// The tenant whose sources this repository reads and writes.
    public let tenantID: TenantID

    static let columns = """
        tenant_id, id, name, scheme, signature_header, signature_encoding, id_header, enabled, received_total,
        rejected_total, last_received_at, last_rejected_at, last_rejection, created_at, updated_at
        """
    static let receiptColumns = "tenant_id, id, source_id, message_id, event_type, body, body_base64, received_at"

    /// Stores a new source with its sealed secret.
    public func create(_ source: WebhookSource, secrets: SealedWebhookSecrets) async throws {
        let hmac = source.scheme.hmacSettings
        try await sql.raw(
            """
            INSERT INTO webhook_sources (\(unsafeRaw: Self.columns), secret, previous_secret, previous_secret_expires_at)
            VALUES (\(bind: tenantID.rawValue), \(bind: source.id.rawValue), \(bind: source.name), \(bind: source.scheme.name),
                    \(bind: hmac?.header), \(bind: hmac?.encoding.rawValue), \(bind: hmac?.idHeader), \(bind: source.enabled),
                    \(bind: source.receivedTotal), \(bind: source.rejectedTotal), \(bind: source.lastReceivedAt),
                    \(bind: source.lastRejectedAt), \(bind: source.lastRejection), \(bind: source.createdAt),
                    \(bind: source.updatedAt), \(bind: secrets.current), \(bind: secrets.previous),
                    \(bind: secrets.previousExpiresAt))
            """
        ).run()
    }

    /// The source with this id, if any.
    public func find(id: WebhookSourceID) async throws -> WebhookSource? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM webhook_sources
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decode)
    }

    /// Sources in order of id, one page at a time.
    public func list(_ page: PageRequest) async throws -> Page<WebhookSource> {
        try await KeysetPagination.fetch(
            sql, select: "SELECT \(unsafeRaw: Self.columns) FROM webhook_sources WHERE tenant_id = \(bind: tenantID.rawValue)",
            key: "id", page: page, decode: Self.decode
        ) { $0.id.rawValue }
    }

    /// Saves the name, scheme and state.
    public func update(_ source: WebhookSource) async throws {
        let hmac = source.scheme.hmacSettings
        let rows = try await sql.raw(
            """
            UPDATE webhook_sources SET name = \(bind: source.name), scheme = \(bind: source.scheme.name),
                signature_header = \(bind: hmac?.header), signature_encoding = \(bind: hmac?.encoding.rawValue),
                id_header = \(bind: hmac?.idHeader), enabled = \(bind: source.enabled), updated_at = \(bind: source.updatedAt)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: source.id.rawValue)
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such webhook source.") }
    }

    /// Deletes a source and its receipts.
    @discardableResult
    public func delete(id: WebhookSourceID) async throws -> Bool {
        try await sql.raw(
            """
            DELETE FROM webhook_sources WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            RETURNING id
            """
        ).all().isEmpty == false
    }

    /// The source's sealed secrets, if the source exists.
    public func secrets(of id: WebhookSourceID) async throws -> SealedWebhookSecrets? {
        try await sql.raw(
            """
            SELECT secret, previous_secret, previous_secret_expires_at FROM webhook_sources
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decodeSecrets)
    }

    /// Replaces the source's sealed secrets.
    public func setSecrets(_ secrets: SealedWebhookSecrets, of id: WebhookSourceID, at time: Date) async throws {
        let rows = try await sql.raw(
            """
            UPDATE webhook_sources SET secret = \(bind: secrets.current), previous_secret = \(bind: secrets.previous),
                previous_secret_expires_at = \(bind: secrets.previousExpiresAt), updated_at = \(bind: time)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such webhook source.") }
    }

    /// Stores a verified delivery unless its message id is there already, and counts it.
    public func recordReceipt(_ receipt: WebhookReceipt) async throws -> Bool {
        let stored = try await sql.raw(
            """
            INSERT INTO webhook_receipts (\(unsafeRaw: Self.receiptColumns))
            VALUES (\(bind: tenantID.rawValue), \(bind: receipt.id.rawValue), \(bind: receipt.sourceID.rawValue),
                    \(bind: receipt.messageID), \(bind: receipt.eventType), \(bind: receipt.body), \(bind: receipt.bodyIsBase64),
                    \(bind: receipt.receivedAt))
            ON CONFLICT (tenant_id, source_id, message_id) DO NOTHING
            RETURNING id
            """
        ).all()
        try await sql.raw(
            """
            UPDATE webhook_sources SET received_total = received_total + 1, last_received_at = \(bind: receipt.receivedAt)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: receipt.sourceID.rawValue)
            """
        ).run()
        return !stored.isEmpty
    }

    /// Counts a refused delivery.
    public func recordRejection(of id: WebhookSourceID, code: String, at time: Date) async throws {
        try await sql.raw(
            """
            UPDATE webhook_sources SET rejected_total = rejected_total + 1, last_rejected_at = \(bind: time),
                last_rejection = \(bind: code)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).run()
    }

    /// A source's receipts in order of id.
    public func receipts(of id: WebhookSourceID, page: PageRequest) async throws -> Page<WebhookReceipt> {
        try await KeysetPagination.fetch(
            sql,
            select: """
                SELECT \(unsafeRaw: Self.receiptColumns) FROM webhook_receipts
                WHERE tenant_id = \(bind: tenantID.rawValue) AND source_id = \(bind: id.rawValue)
                """,
            key: "id", page: page, decode: Self.decodeReceipt
        ) { $0.id.rawValue }
    }

    /// Deletes receipts received before `cutoff`.
    public func purgeReceipts(before cutoff: Date) async throws -> Int {
        try await sql.raw(
            """
            DELETE FROM webhook_receipts WHERE tenant_id = \(bind: tenantID.rawValue) AND received_at < \(bind: cutoff)
            RETURNING id
            """
        ).all().count
    }

    static func decode(_ row: any SQLRow) throws -> WebhookSource {
        guard
            let scheme = InboundScheme(
                name: try row.decode(column: "scheme", as: String.self),
                header: try row.decode(column: "signature_header", as: String?.self),
                encoding: try row.decode(column: "signature_encoding", as: String?.self),
                idHeader: try row.decode(column: "id_header", as: String?.self))
        else { throw TenantryError(.internalError, "A stored webhook source has an unknown scheme.") }
        return WebhookSource(
            tenantID: try row.identifier("tenant_id"), id: try row.identifier("id"),
            name: try row.decode(column: "name", as: String.self), scheme: scheme,
            enabled: try row.decode(column: "enabled", as: Bool.self),
            receivedTotal: try row.decode(column: "received_total", as: Int.self),
            rejectedTotal: try row.decode(column: "rejected_total", as: Int.self),
            lastReceivedAt: try row.decode(column: "last_received_at", as: Date?.self),
            lastRejectedAt: try row.decode(column: "last_rejected_at", as: Date?.self),
            lastRejection: try row.decode(column: "last_rejection", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }

    static func decodeSecrets(_ row: any SQLRow) throws -> SealedWebhookSecrets {
        SealedWebhookSecrets(
            current: try row.decode(column: "secret", as: String.self),
            previous: try row.decode(column: "previous_secret", as: String?.self),
            previousExpiresAt: try row.decode(column: "previous_secret_expires_at", as: Date?.self))
    }

    static func decodeReceipt(_ row: any SQLRow) throws -> WebhookReceipt {
        WebhookReceipt(
            tenantID: try row.identifier("tenant_id"), id: try row.identifier("id"), sourceID: try row.identifier("source_id"),
            messageID: try row.decode(column: "message_id", as: String.self),
            eventType: try row.decode(column: "event_type", as: String?.self),
            body: try row.decode(column: "body", as: String.self),
            bodyIsBase64: try row.decode(column: "body_base64", as: Bool.self),
            receivedAt: try row.decode(column: "received_at", as: Date.self))
    }
}

/// Inbound sources by id across tenants (platform scope).
public struct SQLWebhookSourceDirectory: WebhookSourceDirectory {
    let sql: any SQLDatabase

    /// The source with this id in any tenant, with its sealed secrets.
    public func source(id: WebhookSourceID) async throws -> (WebhookSource, SealedWebhookSecrets)? {
        guard
            let row = try await sql.raw(
                """
                SELECT \(unsafeRaw: SQLWebhookSourceRepository.columns), secret, previous_secret, previous_secret_expires_at
                FROM webhook_sources WHERE id = \(bind: id.rawValue)
                """
            ).first()
        else { return nil }
        return (try SQLWebhookSourceRepository.decode(row), try SQLWebhookSourceRepository.decodeSecrets(row))
    }

    /// Tenants with receipts received before `cutoff`.
    public func tenantsWithReceipts(before cutoff: Date) async throws -> [TenantID] {
        try await sql.raw("SELECT DISTINCT tenant_id FROM webhook_receipts WHERE received_at < \(bind: cutoff)").all().map {
            try $0.identifier("tenant_id")
        }
    }
}
