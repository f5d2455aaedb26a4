public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's outbox of domain events. Every query names the tenant.
public struct SQLDomainEventRepository: DomainEventRepository {
    let sql: any SQLDatabase
    /// The tenant whose events this repository reads and writes.
    public let tenantID: TenantID

    /// Stores an event, not yet consumed: the audit log and the nodes' caches handle it in the
    /// transaction that records it, and the webhook fan-out marks it consumed once its messages
    /// exist (decision 0019).
    public func append(_ event: DomainEvent) async throws {
        guard event.tenantID == tenantID else {
            throw TenantryError(.internalError, "A domain event was recorded in another tenant's scope.")
        }
        try await sql.raw(
            """
            INSERT INTO domain_events (tenant_id, id, type, version, occurred_at, payload, consumed_at)
            VALUES (\(bind: tenantID.rawValue), \(bind: event.id.rawValue), \(bind: event.type.rawValue),
                    \(bind: event.type.version), \(bind: event.occurredAt), \(bind: try event.payloadJSON()), NULL)
            """
        ).run()
    }

    /// The tenant's events recorded at or after `since`, oldest first.
    public func list(since: Date, limit: Int) async throws -> [RecordedEvent] {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM domain_events
            WHERE tenant_id = \(bind: tenantID.rawValue) AND occurred_at >= \(bind: since)
            ORDER BY occurred_at, id LIMIT \(bind: limit)
            """
        ).all().map(Self.decode)
    }

    /// The columns ``decode(_:)`` reads.
    static let columns = "tenant_id, id, type, version, occurred_at, payload, consumed_at"

    static func decode(_ row: any SQLRow) throws -> RecordedEvent {
        RecordedEvent(
            id: try row.identifier("id"), tenantID: try row.identifier("tenant_id"),
            type: try row.enumeration("type", as: EventType.self), version: try row.decode(column: "version", as: Int.self),
            occurredAt: try row.decode(column: "occurred_at", as: Date.self),
            payload: try row.decode(column: "payload", as: String.self),
            consumedAt: try row.decode(column: "consumed_at", as: Date?.self))
    }
}

/// Every tenant's outbox at once; only the platform scope reaches it. Rows are named by their
/// whole key, `(tenant_id, id)`.
public struct SQLCrossTenantDomainEventRepository: CrossTenantDomainEventRepository {
    let sql: any SQLDatabase

    /// Deletes at most `limit` events that occurred and were consumed before `cutoff`, oldest
    /// consumption first (the `consumed_at` index finds them); never one with no `consumed_at`.
    public func deleteConsumed(before cutoff: Date, limit: Int) async throws -> Int {
        try await sql.raw(
            """
            DELETE FROM domain_events WHERE (tenant_id, id) IN (
                SELECT tenant_id, id FROM domain_events
                WHERE consumed_at IS NOT NULL AND consumed_at < \(bind: cutoff) AND occurred_at < \(bind: cutoff)
                ORDER BY consumed_at LIMIT \(bind: limit)
            )
            RETURNING id
            """
        ).all().count
    }
}
