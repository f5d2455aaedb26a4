public import Foundation

/// One tenant's recorded domain events, oldest first: the outbox that audit entries, cache
/// notices and (later) webhooks derive from. Implementations name the tenant in every query.
public protocol DomainEventRepository: Sendable {
    /// The tenant whose events this repository reads and writes.
    var tenantID: TenantID { get }
    /// Stores an event (only ``TenantTransaction/record(_:)`` calls this).
    func append(_ event: DomainEvent) async throws
    /// The tenant's events recorded at or after `since`, oldest first, at most `limit`.
    func list(since: Date, limit: Int) async throws -> [RecordedEvent]
}

/// Every tenant's outbox at once, in the platform scope: for the retention sweep.
public protocol CrossTenantDomainEventRepository: Sendable {
    /// Deletes at most `limit` events, of any tenant, that occurred and were consumed before
    /// `cutoff`, oldest consumption first; returns how many. An event not yet consumed is never
    /// deleted, however old.
    func deleteConsumed(before cutoff: Date, limit: Int) async throws -> Int
}

/// A domain event as the outbox holds it.
public struct RecordedEvent: Sendable, Equatable {
    /// The event's identifier.
    public var id: AuditEventID
    /// The tenant.
    public var tenantID: TenantID
    /// What happened.
    public var type: EventType
    /// The payload's version.
    public var version: Int
    /// When it happened.
    public var occurredAt: Date
    /// The payload as JSON text (``DomainEvent/Payload``).
    public var payload: String
    /// When every consumer had handled it (`nil` while one has not).
    public var consumedAt: Date?

    /// Creates a value.
    public init(
        id: AuditEventID, tenantID: TenantID, type: EventType, version: Int, occurredAt: Date, payload: String,
        consumedAt: Date?
    ) {
        self.id = id
        self.tenantID = tenantID
        self.type = type
        self.version = version
        self.occurredAt = occurredAt
        self.payload = payload
        self.consumedAt = consumedAt
    }
}
