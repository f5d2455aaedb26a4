public import Foundation
import SQLKit
public import TenantryCore

/// Every tenant's outbox and webhook tables, in the platform scope: the fan-out of events into
/// messages (decision 0019). Rows are named by their whole key, tenant included.
public struct SQLWebhookFanOutRepository: WebhookFanOutRepository {
    let sql: any SQLDatabase

    /// The oldest unconsumed events (the partial index on `occurred_at` finds them); on
    /// PostgreSQL locked, skipping rows another fan-out holds.
    public func unconsumedEvents(limit: Int) async throws -> [RecordedEvent] {
        let locking: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        return try await sql.raw(
            """
            SELECT \(unsafeRaw: SQLDomainEventRepository.columns) FROM domain_events
            WHERE consumed_at IS NULL ORDER BY occurred_at, id LIMIT \(bind: limit)\(locking)
            """
        ).all().map(SQLDomainEventRepository.decode)
    }

    /// The enabled endpoints of these tenants.
    public func enabledEndpoints(of tenants: Set<TenantID>) async throws -> [WebhookEndpoint] {
        guard !tenants.isEmpty else { return [] }
        var query: SQLQueryString = """
            SELECT \(unsafeRaw: SQLWebhookEndpointRepository.columns) FROM webhook_endpoints
            WHERE enabled = \(bind: true) AND tenant_id IN (
            """
        for (index, tenant) in tenants.sorted(by: { $0.rawValue.uuidString < $1.rawValue.uuidString }).enumerated() {
            if index > 0 { query.appendLiteral(", ") }
            query.appendInterpolation(bind: tenant.rawValue)
        }
        query.appendLiteral(") ORDER BY tenant_id, id")
        return try await sql.raw(query).all().map(SQLWebhookEndpointRepository.decode)
    }

    /// Stores messages; a second message for one event and endpoint is left out (the unique
    /// key on them).
    public func insert(_ messages: [WebhookMessage]) async throws {
        for message in messages {
            try await sql.raw(
                """
                INSERT INTO webhook_messages (tenant_id, id, endpoint_id, event_id, event_type, body, status, attempts,
                    next_attempt_at, created_at)
                VALUES (\(bind: message.tenantID.rawValue), \(bind: message.id.rawValue), \(bind: message.endpointID.rawValue),
                        \(bind: message.eventID.rawValue), \(bind: message.eventType.rawValue), \(bind: message.body),
                        \(bind: message.status.rawValue), \(bind: message.attempts), \(bind: message.nextAttemptAt),
                        \(bind: message.createdAt))
                ON CONFLICT (tenant_id, endpoint_id, event_id) DO NOTHING
                """
            ).run()
        }
    }

    /// Marks events as handled.
    public func markConsumed(_ events: [RecordedEvent], at time: Date) async throws {
        for event in events {
            try await sql.raw(
                """
                UPDATE domain_events SET consumed_at = \(bind: time)
                WHERE tenant_id = \(bind: event.tenantID.rawValue) AND id = \(bind: event.id.rawValue)
                """
            ).run()
        }
    }
}
