public import Foundation

/// Which audit events a list or export returns: every condition given must hold. The same
/// filter serves a tenant's own log and the platform-wide log (which may also name a tenant).
public struct AuditEventFilter: Sendable, Equatable {
    /// Only events by this kind of principal (`user`, `api_key`, `operator`, `system`).
    public var actorType: String?
    /// Only events by the principal with this id.
    public var actorID: String?
    /// Only events with this action, e.g. `membership.created`.
    public var action: String?
    /// Only events about this kind of resource.
    public var targetType: String?
    /// Only events about the resource with this id.
    public var targetID: String?
    /// Only events that occurred at or after this instant.
    public var from: Date?
    /// Only events that occurred before this instant.
    public var to: Date?
    /// The platform-wide log only: events of this tenant.
    public var tenantID: TenantID?

    /// Creates a filter; no conditions means every event.
    public init(
        actorType: String? = nil, actorID: String? = nil, action: String? = nil, targetType: String? = nil,
        targetID: String? = nil, from: Date? = nil, to: Date? = nil, tenantID: TenantID? = nil
    ) {
        self.actorType = actorType
        self.actorID = actorID
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.from = from
        self.to = to
        self.tenantID = tenantID
    }
}
