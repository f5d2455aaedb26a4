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

    /// Rows one statement writes at most (well under SQLite's limit on bound values).
    static let rowsPerStatement = 50

    /// Stores messages, several rows per statement; a second message for one event and endpoint
    /// is left out (the unique key on them).
    public func insert(_ messages: [WebhookMessage]) async throws {
        for chunk in stride(from: 0, to: messages.count, by: Self.rowsPerStatement).map({
            messages[$0..<min($0 + Self.rowsPerStatement, messages.count)]
        }) {
            var query: SQLQueryString = """
                INSERT INTO webhook_messages (tenant_id, id, endpoint_id, event_id, event_type, body, status, attempts,
                    next_attempt_at, created_at) VALUES
                """
            for (index, message) in chunk.enumerated() {
                query.appendLiteral(index == 0 ? " (" : ", (")
                query.appendInterpolation(bind: message.tenantID.rawValue)
                for value in [message.id.rawValue, message.endpointID.rawValue, message.eventID.rawValue] {
                    query.appendLiteral(", ")
                    query.appendInterpolation(bind: value)
                }
                for value in [message.eventType.rawValue, message.body, message.status.rawValue] {
                    query.appendLiteral(", ")
                    query.appendInterpolation(bind: value)
                }
                query.appendLiteral(", ")
                query.appendInterpolation(bind: message.attempts)
                query.appendLiteral(", ")
                query.appendInterpolation(bind: message.nextAttemptAt)
                query.appendLiteral(", ")
                query.appendInterpolation(bind: message.createdAt)
                query.appendLiteral(")")
            }
            query.appendLiteral(" ON CONFLICT (tenant_id, endpoint_id, event_id) DO NOTHING")
            try await sql.raw(query).run()
        }
    }

    /// Marks events as handled, several per statement.
    public func markConsumed(_ events: [RecordedEvent], at time: Date) async throws {
        for chunk in stride(from: 0, to: events.count, by: Self.rowsPerStatement).map({
            events[$0..<min($0 + Self.rowsPerStatement, events.count)]
        }) {
            let keys = chunk.map { (tenant: $0.tenantID.rawValue, id: $0.id.rawValue) }
            let query: SQLQueryString = "UPDATE domain_events SET consumed_at = \(bind: time) WHERE \(TenantKeys.condition(keys))"
            try await sql.raw(query).run()
        }
    }
}
