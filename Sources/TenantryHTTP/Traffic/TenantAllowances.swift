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
/// so an implementation answers from memory. The default, ``ConfiguredAllowances``, gives every
/// tenant the configured values; plans and per-tenant overrides plug in here.
public protocol TenantAllowances: Sendable {
    /// The tenant's allowances.
    func allowances(for tenantID: TenantID) -> Allowances
}

/// The same allowances for every tenant, from the configuration
/// (`TENANTRY_TENANT_REQUESTS_PER_MINUTE`, `TENANTRY_TENANT_API_CALLS_PER_MONTH`).
public struct ConfiguredAllowances: TenantAllowances {
    let value: Allowances

    /// Allowances from the configuration.
    public init(configuration: TenantryConfiguration) {
        value = Allowances(
            requestsPerMinute: configuration.tenantRequestsPerMinute, apiCallsPerMonth: configuration.tenantAPICallsPerMonth)
    }

    /// Fixed allowances.
    public init(_ value: Allowances) {
        self.value = value
    }

    public func allowances(for tenantID: TenantID) -> Allowances { value }
}
