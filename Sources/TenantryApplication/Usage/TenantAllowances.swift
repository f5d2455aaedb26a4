public import TenantryCore

/// What a tenant may use: its requests per minute and API calls per month (`nil`: unlimited).
public struct Allowances: Sendable, Equatable {
    /// Tenant API requests per minute, across all of its members and keys.
    public var requestsPerMinute: Int?
    /// Tenant API calls per calendar month (UTC).
    public var apiCallsPerMonth: Int?

    /// Creates allowances.
    public init(requestsPerMinute: Int?, apiCallsPerMonth: Int?) {
        self.requestsPerMinute = requestsPerMinute
        self.apiCallsPerMonth = apiCallsPerMonth
    }
}

/// Where rate limiting and metering learn a tenant's allowances. Asked on every tenant request,
/// so an implementation answers from memory once it has seen the tenant. The server's is
/// ``PlanAllowances`` (the tenant's plan and overrides); tests may fix them with
/// ``FixedAllowances``.
public protocol TenantAllowances: Sendable {
    /// The tenant's allowances.
    func allowances(for tenantID: TenantID) async throws -> Allowances
}

/// The allowances of the tenant's plan with its overrides, from the ``EntitlementDirectory``
/// (in memory, invalidated on every node when a plan or an override changes).
public struct PlanAllowances: TenantAllowances {
    let entitlements: EntitlementDirectory

    /// Allowances read from `entitlements`.
    public init(_ entitlements: EntitlementDirectory) {
        self.entitlements = entitlements
    }

    public func allowances(for tenantID: TenantID) async throws -> Allowances {
        let entitlements = try await self.entitlements.entitlements(for: tenantID)
        return Allowances(
            requestsPerMinute: entitlements.allowance(.requestsPerMinute),
            apiCallsPerMonth: entitlements.allowance(.apiCallsPerMonth))
    }
}

/// The same allowances for every tenant.
public struct FixedAllowances: TenantAllowances {
    let value: Allowances

    /// Fixed allowances.
    public init(_ value: Allowances) {
        self.value = value
    }

    public func allowances(for tenantID: TenantID) async throws -> Allowances { value }
}
