public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's outbox of domain events. Every query names the tenant.
public struct SQLDomainEventRepository: DomainEventRepository {
    let sql: any SQLDatabase
    /// The tenant whose events this repository reads and writes.
    public let tenantID: TenantID

    /// Stores an event. Today every consumer (the audit log, the nodes' caches) handles an
    /// event in the transaction that records it, so it is stored as consumed.
    public func append(_ event: DomainEvent) async throws {
        guard event.tenantID == tenantID else {
            throw TenantryError(.internalError, "A domain event was recorded in another tenant's scope.")
        }
        try await sql.raw(
            """
            INSERT INTO domain_events (tenant_id, id, type, version, occurred_at, payload, consumed_at)
            VALUES (\(bind: tenantID.rawValue), \(bind: event.id.rawValue), \(bind: event.type.rawValue),
                    \(bind: event.type.version), \(bind: event.occurredAt), \(bind: try event.payloadJSON()),
                    \(bind: event.occurredAt))
            """
        ).run()
    }

    /// The tenant's events recorded at or after `since`, oldest first.
    public func list(since: Date, limit: Int) async throws -> [RecordedEvent] {
        try await sql.raw(
            """
            SELECT tenant_id, id, type, version, occurred_at, payload, consumed_at FROM domain_events
            WHERE tenant_id = \(bind: tenantID.rawValue) AND occurred_at >= \(bind: since)
            ORDER BY occurred_at, id LIMIT \(bind: limit)
            """
        ).all().map { row in
            RecordedEvent(
                id: try row.identifier("id"), tenantID: try row.identifier("tenant_id"),
                type: try row.enumeration("type", as: EventType.self), version: try row.decode(column: "version", as: Int.self),
                occurredAt: try row.decode(column: "occurred_at", as: Date.self),
                payload: try row.decode(column: "payload", as: String.self),
                consumedAt: try row.decode(column: "consumed_at", as: Date?.self))
        }
    }
}
