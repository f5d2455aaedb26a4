import Foundation
public import TenantryCore

/// The one place audit events are built: every writer goes through here, so each event has
/// the same shape and origin fields.
public enum AuditRecorder {
    /// Builds an event.
    public static func event(
        in tenantID: TenantID,
        action: String,
        actor: AuditEvent.Actor,
        target: AuditEvent.Target?,
        origin: AuditEvent.Origin,
        changes: [String: AuditEvent.Change] = [:]
    ) -> AuditEvent {
        AuditEvent(
            tenantID: tenantID, id: .generate(), occurredAt: Date(), actor: actor, action: action,
            target: target, origin: origin, changes: changes
        )
    }
}

extension AuditRecorder {
    /// Builds an event done by a tenant principal (a member or an API key) to one resource.
    public static func event(
        by access: TenantAccess,
        action: String,
        target: AuditEvent.Target,
        origin: AuditEvent.Origin,
        changes: [String: AuditEvent.Change]
    ) -> AuditEvent {
        event(in: access.tenantID, action: action, actor: access.actor, target: target, origin: origin, changes: changes)
    }
}

extension AuditRecorder {
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
        event(
            in: TenantID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))), action: action, actor: actor,
            target: target, origin: origin, changes: changes)
    }
}
