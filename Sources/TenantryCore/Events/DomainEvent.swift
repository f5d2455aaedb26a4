public import Foundation

/// One change in a tenant, recorded once, in the same transaction as the change itself
/// (``TenantTransaction/record(_:)``): the tenant's audit entry and the notices that keep
/// every node's caches current are derived from it, and outbound webhooks will be. Its payload
/// carries identifiers and the changed fields as text, never a secret or password material.
public struct DomainEvent: Sendable, Equatable {
    /// The event's identifier (time-ordered); its audit entry has the same one.
    public var id: AuditEventID
    /// The tenant it happened in.
    public var tenantID: TenantID
    /// What happened.
    public var type: EventType
    /// When it happened.
    public var occurredAt: Date
    /// Who did it.
    public var actor: AuditEvent.Actor
    /// What it was done to.
    public var target: AuditEvent.Target?
    /// Where the request came from (kept in the audit entry, not in the payload).
    public var origin: AuditEvent.Origin
    /// The changed fields, by name.
    public var changes: [String: AuditEvent.Change]

    /// Creates an event value.
    public init(
        id: AuditEventID = .generate(), tenantID: TenantID, type: EventType, occurredAt: Date = Date(),
        actor: AuditEvent.Actor, target: AuditEvent.Target?, origin: AuditEvent.Origin,
        changes: [String: AuditEvent.Change] = [:]
    ) {
        self.id = id
        self.tenantID = tenantID
        self.type = type
        self.occurredAt = occurredAt
        self.actor = actor
        self.target = target
        self.origin = origin
        self.changes = changes
    }

    /// The tenant's audit entry for this event.
    public var auditEvent: AuditEvent {
        AuditEvent(
            tenantID: tenantID, id: id, occurredAt: occurredAt, actor: actor, action: type.rawValue, target: target,
            origin: origin, changes: changes)
    }

    /// The payload as consumers receive it (``EventCatalog`` gives its JSON Schema).
    public var payload: Payload {
        Payload(tenantID: tenantID, actor: actor, target: target, changes: changes)
    }

    /// The payload: the tenant, the actor, the target and the changed fields.
    public struct Payload: Sendable, Equatable, Codable {
        /// The tenant.
        public var tenantID: TenantID
        /// Who did it.
        public var actor: AuditEvent.Actor
        /// What it was done to.
        public var target: AuditEvent.Target?
        /// The changed fields, by name, each with its value before and after as text.
        public var changes: [String: AuditEvent.Change]

        enum CodingKeys: String, CodingKey {
            case tenantID = "tenant_id"
            case actor, target, changes
        }

        /// Encodes every member, `null` included, so the payload always has the same shape.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            // Lower-case, as the API writes every identifier.
            try container.encode(tenantID.description, forKey: .tenantID)
            try container.encode(actor, forKey: .actor)
            try container.encode(target, forKey: .target)
            try container.encode(changes, forKey: .changes)
        }
    }

    /// The payload as JSON text with sorted keys (what the outbox stores).
    public func payloadJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(payload), as: UTF8.self)
    }
}
