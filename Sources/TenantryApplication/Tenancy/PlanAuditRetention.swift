public import TenantryCore

/// Each tenant's audit retention from its plan and overrides (`audit_retention_days`; no value
/// keeps the events forever), read as ``EntitlementDirectory`` reads them, at each sweep, so a
/// plan change applies at the next one.
public struct PlanAuditRetention: AuditRetentionSource {
    public let database: any DataStore

    /// Reads retention from `database`.
    public init(database: any DataStore) {
        self.database = database
    }

    public func retentionDays(for tenant: TenantID) async throws -> Int? {
        // A tenant that is gone has nothing left to sweep.
        try await database.readGlobal { scope in try await EntitlementDirectory.load(tenant, from: scope) }?
            .entitlements.allowance(.auditRetentionDays)
    }
}
