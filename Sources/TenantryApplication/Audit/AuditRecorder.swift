import Foundation
public import TenantryCore

/// The one place events are built: every writer goes through here, so each event has the same
/// shape and origin fields. A tenant's events are ``DomainEvent``s, recorded with
/// ``TenantTransaction/record(_:)``; the platform's own (operators, keys, plans) are audit
/// events in `platform_audit_events`.
public enum AuditRecorder {
    /// The fields whose text differs between two descriptions of a resource (a field present
    /// on one side only counts), as an event's changes.
    public static func changes(from before: [String: String], to after: [String: String]) -> [String: AuditEvent.Change] {
        var changes: [String: AuditEvent.Change] = [:]
        for name in Set(before.keys).union(after.keys) where before[name] != after[name] {
            changes[name] = .init(before: before[name], after: after[name])
        }
        return changes
    }

    /// Builds a tenant's event.
    public static func event(
        in tenantID: TenantID,
        action: EventType,
        actor: AuditEvent.Actor,
        target: AuditEvent.Target?,
        origin: AuditEvent.Origin,
        changes: [String: AuditEvent.Change] = [:]
    ) -> DomainEvent {
        DomainEvent(
            tenantID: tenantID, type: action, actor: actor, target: target, origin: origin, changes: changes)
    }

    /// Builds an event done by a tenant principal (a member or an API key) to one resource.
    public static func event(
        by access: TenantAccess,
        action: EventType,
        target: AuditEvent.Target,
        origin: AuditEvent.Origin,
        changes: [String: AuditEvent.Change]
    ) -> DomainEvent {
        event(in: access.tenantID, action: action, actor: access.actor, target: target, origin: origin, changes: changes)
    }

    /// Builds a platform audit event done by an operator (stored in `platform_audit_events`).
    public static func event(
        by actor: PlatformOperator, action: String, target: AuditEvent.Target, origin: AuditEvent.Origin,
        changes: [String: AuditEvent.Change]
    ) -> AuditEvent {
        platformEvent(actor: actor.actor, action: action, target: target, origin: origin, changes: changes)
    }

    /// Builds a platform audit event (its tenant is a placeholder: platform events belong to none).
    public static func platformEvent(
        actor: AuditEvent.Actor, action: String, target: AuditEvent.Target, origin: AuditEvent.Origin,
        changes: [String: AuditEvent.Change]
    ) -> AuditEvent {
        AuditEvent(
            tenantID: TenantID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))), id: .generate(),
            occurredAt: Date(), actor: actor, action: action, target: target, origin: origin, changes: changes)
    }
}
