public import Foundation

/// An event of the platform's own audit trail, as stored: what operators did (tenants
/// suspended, plans edited, operators added) and the server's platform-wide changes (signing
/// keys rotated). It belongs to no tenant and has no hash chain.
public struct PlatformAuditRecord: Sendable, Equatable {
    /// The event's identifier (time-ordered).
    public var id: AuditEventID
    /// When it happened.
    public var occurredAt: Date
    /// Who did it.
    public var actor: AuditEvent.Actor
    /// What was done, e.g. `tenant.suspended`.
    public var action: String
    /// What it was done to.
    public var target: AuditEvent.Target?
    /// Where the request came from (pseudonyms once the person's data was erased).
    public var origin: AuditEvent.Origin
    /// The changed fields as stored: a JSON object of `{"before": …, "after": …}` by name.
    public var changes: String
    /// When the personal data in it was replaced by pseudonyms, if it was.
    public var redactedAt: Date?

    /// Creates a value.
    public init(
        id: AuditEventID, occurredAt: Date, actor: AuditEvent.Actor, action: String, target: AuditEvent.Target?,
        origin: AuditEvent.Origin, changes: String, redactedAt: Date?
    ) {
        self.id = id
        self.occurredAt = occurredAt
        self.actor = actor
        self.action = action
        self.target = target
        self.origin = origin
        self.changes = changes
        self.redactedAt = redactedAt
    }
}
