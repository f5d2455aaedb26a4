public import Foundation

/// One tenant's audit trail: append (hash-chained), read, and purge by retention; never update.
public protocol AuditEventRepository: Sendable {
    /// The tenant whose events this repository reads and writes.
    var tenantID: TenantID { get }
    /// Appends an event to this tenant's trail as the next link of its hash chain. The event's
    /// own tenant must be this one. Its time is stored at whole milliseconds (what the chain
    /// covers). Appends of one tenant take turns on the chain head row: on PostgreSQL the
    /// upsert below locks it until this transaction ends; on SQLite there is one writer.
    func append(_ event: AuditEvent) async throws
    /// The chain head as stored, without locking it; `nil` before the tenant's first chained event.
    func chainHead() async throws -> AuditChain.Head?
    /// Events in the order they were recorded (by id, which is time-ordered), one page at a time.
    func list(_ page: PageRequest, filter: AuditEventFilter) async throws -> Page<AuditEvent>
    /// Stored events with their chain fields, oldest first, one page at a time: what the audit
    /// log API lists and exports.
    func records(_ filter: AuditEventFilter, page: PageRequest) async throws -> Page<AuditChain.Record>
    /// Chained events in sequence order from `sequence` on, at most `limit` and none past
    /// `through`: one batch of a verification walk.
    func chainSegment(from sequence: Int64, through last: Int64, limit: Int) async throws -> [AuditChain.Record]
    /// How many stored events have no place in the chain (written before it existed).
    func unchainedCount() async throws -> Int
    /// Removes this tenant's oldest events, a prefix of the chain: every chained event before
    /// the first one that occurred at or after `cutoff`, and every unchained event before
    /// `cutoff`. The last removed link becomes the chain's anchor, so the rest still verifies.
    /// Returns how many events were removed. On PostgreSQL this runs as the narrowly granted
    /// `tenantry_purge_audit_events` function (the runtime role may not delete audit events).
    @discardableResult
    func purge(before cutoff: Date, now: Date) async throws -> Int
}

/// Every tenant's audit events at once, for operators (the platform-wide audit log). Reached
/// only through the platform scope; reads only.
public protocol CrossTenantAuditEventRepository: Sendable {
    /// Stored events of every tenant (or of `filter.tenantID`), oldest first by id, one page at a time.
    func records(_ filter: AuditEventFilter, page: PageRequest) async throws -> Page<AuditChain.Record>
    /// The tenants that have audit events or a chain, in id order: what a verification of every
    /// chain walks.
    func tenantIDs() async throws -> [TenantID]
}

/// Audit events that belong to no tenant: the platform's own (signing key rotation, operator
/// actions). Append and read, never update.
public protocol PlatformAuditEventRepository: Sendable {
    /// Appends an event; its `tenantID` is ignored.
    func append(_ event: AuditEvent) async throws
    /// The actions recorded, oldest first (for tests).
    func actions(limit: Int) async throws -> [String]
    /// Stored events matching `filter` (its `tenantID` is not used), oldest first by id, one
    /// page at a time: what the platform audit log lists.
    func records(_ filter: AuditEventFilter, page: PageRequest) async throws -> Page<PlatformAuditRecord>
}
