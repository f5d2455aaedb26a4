import Foundation

/// One tenant's daily usage: counters that every node adds its flushed counts to (so several
/// nodes count correctly together), and the distinct active users of each day.
public protocol UsageRepository: Sendable {
    /// The tenant whose usage this repository reads and writes.
    var tenantID: TenantID { get }
    /// Adds `counts` to the day's counters (creating the day's row when it is the first).
    func add(_ counts: UsageCounts, on day: UsageDay) async throws
    /// Records users as active on a day; users already recorded for that day are left as they are.
    func markActive(_ users: some Collection<UserID>, on day: UsageDay) async throws
    /// The days from `from` to `to` (inclusive) that have any usage, in order. Days without a
    /// row had none.
    func daily(from: UsageDay, to: UsageDay) async throws -> [DailyUsage]
    /// Distinct users active on any day from `from` to `to` (inclusive).
    func activeUsers(from: UsageDay, to: UsageDay) async throws -> Int
    /// API requests recorded from `from` to `to` (inclusive).
    func apiRequests(from: UsageDay, to: UsageDay) async throws -> Int
}

/// Usage across every tenant, for operators (read in the platform scope).
public protocol PlatformUsageRepository: Sendable {
    /// Totals from `from` to `to` (inclusive).
    func totals(from: UsageDay, to: UsageDay) async throws -> PlatformUsageTotals
    /// The tenants with the most API requests from `from` to `to` (inclusive), most first.
    func topTenants(from: UsageDay, to: UsageDay, limit: Int) async throws -> [(tenantID: TenantID, counts: UsageCounts)]
    /// The usage of each of `tenants` from `from` to `to` (inclusive), read in one grouped
    /// statement whatever the number of tenants (the operators' tenant list shows a page of
    /// them). Tenants without any usage in the range are absent.
    func byTenant(_ tenants: [TenantID], from: UsageDay, to: UsageDay) async throws -> [TenantID: TenantUsage]
}

/// Totals over every tenant for a range of days.
public struct PlatformUsageTotals: Sendable, Equatable {
    /// The counters summed over tenants and days.
    public var counts: UsageCounts
    /// Tenants with any usage in the range.
    public var activeTenants: Int
    /// Distinct users active in any tenant in the range.
    public var activeUsers: Int

    /// Creates a value.
    public init(counts: UsageCounts, activeTenants: Int, activeUsers: Int) {
        self.counts = counts
        self.activeTenants = activeTenants
        self.activeUsers = activeUsers
    }
}

/// One tenant's usage over a range of days.
public struct TenantUsage: Sendable, Equatable {
    /// The counters summed over the range.
    public var counts: UsageCounts
    /// Distinct users active in the tenant on any day of the range.
    public var activeUsers: Int

    /// Creates a tenant's usage.
    public init(counts: UsageCounts = UsageCounts(), activeUsers: Int = 0) {
        self.counts = counts
        self.activeUsers = activeUsers
    }
}
