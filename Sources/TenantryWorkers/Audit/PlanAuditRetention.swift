public import TenantryCore
public import TenantryStorage

/// Each tenant's audit retention from its plan and overrides (`audit_retention_days`; no value
/// keeps the events forever). Read from the database at each sweep, so a plan change applies at
/// the next one.
public struct PlanAuditRetention: AuditRetentionSource {
    let database: any DatabaseClient

    /// Reads retention from `database`.
    public init(database: any DatabaseClient) {
        self.database = database
    }

    public func retentionDays(for tenant: TenantID) async throws -> Int? {
        try await database.readGlobal { scope in
            // A tenant that is gone has nothing left to sweep.
            guard let profile = try await scope.tenants.profile(id: tenant) else { return nil }
            guard let plan = try await scope.plans.find(id: profile.planID) else {
                throw TenantryError(.internalError, "A tenant's plan does not exist.")
            }
            return Entitlements(plan: plan, overrides: profile.overrides).allowance(.auditRetentionDays)
        }
    }
}
