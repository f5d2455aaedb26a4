import Foundation
import SQLKit
public import TenantryCore

/// One tenant's audit trail: append and read, never update.
public struct AuditEventRepository: Sendable {
    let sql: any SQLDatabase
    /// The tenant whose events this repository reads and writes.
    public let tenantID: TenantID

    private static let columns = """
        tenant_id, id, occurred_at, actor_type, actor_id, action, target_type, target_id,
        ip, user_agent, request_id, changes
        """

    /// Appends an event to this tenant's trail. The event's own tenant must be this one.
    public func append(_ event: AuditEvent) async throws {
        guard event.tenantID == tenantID else {
            throw TenantryError(.internalError, "An audit event was written in another tenant's scope.")
        }
        let changes = String(decoding: try JSONEncoder.sortedKeys.encode(event.changes), as: UTF8.self)
        try await sql.raw(
            """
            INSERT INTO audit_events (\(unsafeRaw: Self.columns))
            VALUES (\(bind: tenantID.rawValue), \(bind: event.id.rawValue), \(bind: event.occurredAt),
                    \(bind: event.actor.type), \(bind: event.actor.id), \(bind: event.action),
                    \(bind: event.target?.type), \(bind: event.target?.id),
                    \(bind: event.origin.ip), \(bind: event.origin.userAgent), \(bind: event.origin.requestID),
                    \(bind: changes))
            """
        ).run()
    }

    /// Events in the order they were recorded, one page at a time.
    public func list(_ page: PageRequest) async throws -> Page<AuditEvent> {
        try await KeysetPagination.fetch(
            sql,
            select: "SELECT \(unsafeRaw: Self.columns) FROM audit_events WHERE tenant_id = \(bind: tenantID.rawValue)",
            key: "id",
            page: page,
            decode: Self.decode
        ) { $0.id.rawValue }
    }

    static func decode(_ row: any SQLRow) throws -> AuditEvent {
        let targetType = try row.decode(column: "target_type", as: String?.self)
        let targetID = try row.decode(column: "target_id", as: String?.self)
        let changesText = try row.decode(column: "changes", as: String.self)
        let changes: [String: AuditEvent.Change]
        do {
            changes = try JSONDecoder().decode([String: AuditEvent.Change].self, from: Data(changesText.utf8))
        } catch {
            throw TenantryError(.internalError, "A stored audit event has unreadable changes.", cause: error)
        }
        return AuditEvent(
            tenantID: try row.identifier("tenant_id"),
            id: try row.identifier("id"),
            occurredAt: try row.decode(column: "occurred_at", as: Date.self),
            actor: AuditEvent.Actor(
                type: try row.decode(column: "actor_type", as: String.self),
                id: try row.decode(column: "actor_id", as: String?.self)
            ),
            action: try row.decode(column: "action", as: String.self),
            target: targetType.flatMap { type in targetID.map { AuditEvent.Target(type: type, id: $0) } },
            origin: AuditEvent.Origin(
                ip: try row.decode(column: "ip", as: String?.self),
                userAgent: try row.decode(column: "user_agent", as: String?.self),
                requestID: try row.decode(column: "request_id", as: String?.self)
            ),
            changes: changes
        )
    }
}

/// Audit events that belong to no tenant: the platform's own (signing key rotation, operator
/// actions). Append and read, never update.
public struct PlatformAuditEventRepository: Sendable {
    let sql: any SQLDatabase

    /// Appends an event; its `tenantID` is ignored.
    public func append(_ event: AuditEvent) async throws {
        let changes = String(decoding: try JSONEncoder.sortedKeys.encode(event.changes), as: UTF8.self)
        try await sql.raw(
            """
            INSERT INTO platform_audit_events (id, occurred_at, actor_type, actor_id, action, target_type, target_id,
                ip, user_agent, request_id, changes)
            VALUES (\(bind: event.id.rawValue), \(bind: event.occurredAt), \(bind: event.actor.type), \(bind: event.actor.id),
                    \(bind: event.action), \(bind: event.target?.type), \(bind: event.target?.id),
                    \(bind: event.origin.ip), \(bind: event.origin.userAgent), \(bind: event.origin.requestID), \(bind: changes))
            """
        ).run()
    }

    /// The actions recorded, oldest first (for tests and the operator API to come).
    public func actions(limit: Int = 200) async throws -> [String] {
        try await sql.raw("SELECT action FROM platform_audit_events ORDER BY id LIMIT \(literal: limit)")
            .all().map { try $0.decode(column: "action", as: String.self) }
    }
}

extension JSONEncoder {
    /// Deterministic output: sorted keys, so equal values store as equal text.
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
