public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's webhook endpoints. The event types are stored as a JSON array of patterns;
/// the secrets sealed with the master key, never in the clear.
public struct SQLWebhookEndpointRepository: WebhookEndpointRepository {
    let sql: any SQLDatabase
    /// The tenant whose endpoints this repository reads and writes.
    public let tenantID: TenantID

    static let columns = """
        tenant_id, id, url, description, event_types, enabled, disabled_reason, rate_limit_per_minute, failing_since,
        created_at, updated_at
        """

    /// Stores a new endpoint with its sealed secret.
    public func create(_ endpoint: WebhookEndpoint, secrets: SealedWebhookSecrets) async throws {
        try await sql.raw(
            """
            INSERT INTO webhook_endpoints (\(unsafeRaw: Self.columns), secret, previous_secret, previous_secret_expires_at)
            VALUES (\(bind: tenantID.rawValue), \(bind: endpoint.id.rawValue), \(bind: endpoint.url.absoluteString),
                    \(bind: endpoint.description), \(bind: try Self.encode(endpoint.filter)), \(bind: endpoint.enabled),
                    \(bind: endpoint.disabledReason), \(bind: endpoint.rateLimitPerMinute), \(bind: endpoint.failingSince),
                    \(bind: endpoint.createdAt), \(bind: endpoint.updatedAt), \(bind: secrets.current),
                    \(bind: secrets.previous), \(bind: secrets.previousExpiresAt))
            """
        ).run()
    }

    /// The endpoint with this id, if any.
    public func find(id: WebhookEndpointID) async throws -> WebhookEndpoint? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM webhook_endpoints
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decode)
    }

    /// Endpoints in order of id (creation order), one page at a time.
    public func list(_ page: PageRequest) async throws -> Page<WebhookEndpoint> {
        try await KeysetPagination.fetch(
            sql,
            select: "SELECT \(unsafeRaw: Self.columns) FROM webhook_endpoints WHERE tenant_id = \(bind: tenantID.rawValue)",
            key: "id",
            page: page,
            decode: Self.decode
        ) { $0.id.rawValue }
    }

    /// Saves everything but the secrets; `not_found` when there is no such endpoint.
    public func update(_ endpoint: WebhookEndpoint) async throws {
        let rows = try await sql.raw(
            """
            UPDATE webhook_endpoints SET url = \(bind: endpoint.url.absoluteString), description = \(bind: endpoint.description),
                event_types = \(bind: try Self.encode(endpoint.filter)), enabled = \(bind: endpoint.enabled),
                disabled_reason = \(bind: endpoint.disabledReason), rate_limit_per_minute = \(bind: endpoint.rateLimitPerMinute),
                failing_since = \(bind: endpoint.failingSince), updated_at = \(bind: endpoint.updatedAt)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: endpoint.id.rawValue)
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such webhook endpoint.") }
    }

    /// Deletes an endpoint; returns whether there was one.
    @discardableResult
    public func delete(id: WebhookEndpointID) async throws -> Bool {
        let rows = try await sql.raw(
            """
            DELETE FROM webhook_endpoints WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    /// The endpoint's sealed secrets, if the endpoint exists.
    public func secrets(of id: WebhookEndpointID) async throws -> SealedWebhookSecrets? {
        try await sql.raw(
            """
            SELECT secret, previous_secret, previous_secret_expires_at FROM webhook_endpoints
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map { row in
            SealedWebhookSecrets(
                current: try row.decode(column: "secret", as: String.self),
                previous: try row.decode(column: "previous_secret", as: String?.self),
                previousExpiresAt: try row.decode(column: "previous_secret_expires_at", as: Date?.self))
        }
    }

    /// Replaces the endpoint's sealed secrets.
    public func setSecrets(_ secrets: SealedWebhookSecrets, of id: WebhookEndpointID, at time: Date) async throws {
        let rows = try await sql.raw(
            """
            UPDATE webhook_endpoints SET secret = \(bind: secrets.current), previous_secret = \(bind: secrets.previous),
                previous_secret_expires_at = \(bind: secrets.previousExpiresAt), updated_at = \(bind: time)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such webhook endpoint.") }
    }

    static func encode(_ filter: EventTypeFilter) throws -> String {
        String(decoding: try JSONEncoder().encode(filter.patterns), as: UTF8.self)
    }

    static func decode(_ row: any SQLRow) throws -> WebhookEndpoint {
        let urlText = try row.decode(column: "url", as: String.self)
        guard let url = URL(string: urlText) else {
            throw TenantryError(.internalError, "A stored webhook URL does not parse.")
        }
        let patterns = try JSONDecoder().decode(
            [String].self, from: Data(try row.decode(column: "event_types", as: String.self).utf8))
        return WebhookEndpoint(
            tenantID: try row.identifier("tenant_id"),
            id: try row.identifier("id"),
            url: url,
            description: try row.decode(column: "description", as: String?.self),
            filter: EventTypeFilter(validated: patterns),
            enabled: try row.decode(column: "enabled", as: Bool.self),
            disabledReason: try row.decode(column: "disabled_reason", as: String?.self),
            rateLimitPerMinute: try row.decode(column: "rate_limit_per_minute", as: Int?.self),
            failingSince: try row.decode(column: "failing_since", as: Date?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}
