public import TenantryCore

/// Reading the audit log: one tenant's, or every tenant's for operators. Oldest first, the
/// API's one pagination order.
public struct AuditLog: Sendable {
    /// The data store.
    public let database: any DataStore

    /// Creates the use case.
    public init(database: any DataStore) {
        self.database = database
    }

    /// One page of `tenantID`'s events matching `filter`.
    public func records(of tenantID: TenantID, _ filter: AuditEventFilter, page: PageRequest) async throws
        -> Page<AuditChain.Record>
    {
        try await database.withTenant(tenantID) { scope in try await scope.auditEvents.records(filter, page: page) }
    }

    /// One page of every tenant's events matching `filter` (operators only).
    public func recordsAcrossTenants(_ filter: AuditEventFilter, page: PageRequest) async throws
        -> Page<AuditChain.Record>
    {
        try await database.withPlatform { scope in try await scope.tenantAuditEvents.records(filter, page: page) }
    }

    /// One page of the platform's own events (operators' actions and the server's
    /// platform-wide changes) matching `filter`; its `tenantID` is not used (operators only).
    public func platformRecords(_ filter: AuditEventFilter, page: PageRequest) async throws -> Page<PlatformAuditRecord> {
        try await database.withPlatform { scope in try await scope.global.platformAuditEvents.records(filter, page: page) }
    }
}
