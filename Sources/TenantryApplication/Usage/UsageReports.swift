public import Foundation
public import TenantryCore

/// The usage reports: a tenant's daily usage with its totals, active users and allowances, and
/// the platform's totals with its busiest tenants. Ranges are whole UTC days, both ends included.
public struct UsageReports: Sendable {
    /// One tenant's usage over a range of days.
    public struct TenantReport: Sendable {
        /// Every day of the range, in order, zero where nothing was counted.
        public var days: [DailyUsage]
        /// The counts over the range.
        public var totals: UsageCounts
        /// Distinct users active on any day of the range.
        public var activeInRange: Int
        /// Active users on the range's last day, in the 7 and the 30 days ending then.
        public var dau: Int
        public var wau: Int
        public var mau: Int
        /// The tenant's rate and monthly allowances (`nil`: unlimited).
        public var requestsPerMinute: Int?
        public var apiCallsPerMonth: Int?
        /// API calls counted this calendar month (UTC).
        public var apiCallsThisMonth: Int
        /// When the monthly count starts again.
        public var monthResetsAt: Date
    }

    /// Usage across every tenant over a range of days.
    public struct PlatformReport: Sendable {
        /// The totals over the range.
        public var totals: PlatformUsageTotals
        /// The tenants with the most API requests, most first (ties by tenant id), with the
        /// tenant where it still exists.
        public var topTenants: [(tenantID: TenantID, counts: UsageCounts, tenant: Tenant?)]
        /// Billing across tenants: monthly recurring revenue, subscriptions by status and
        /// plan as they stand now, and the subscriptions canceled within the range (churn).
        public var billing: BillingFigures
    }

    /// The data store.
    public let database: any DataStore
    /// Each tenant's allowances.
    public let allowances: any TenantAllowances

    /// Creates the use case.
    public init(database: any DataStore, allowances: any TenantAllowances) {
        self.database = database
        self.allowances = allowances
    }

    /// `tenantID`'s usage from `from` to `to`, with its allowances as of `now`.
    public func tenant(_ tenantID: TenantID, from: UsageDay, to: UsageDay, now: Date = Date()) async throws
        -> TenantReport
    {
        let today = UsageDay(now)
        let month = today.firstOfMonth
        let read = try await database.withTenant(tenantID) { scope in
            let usage = scope.usage
            return (
                days: try await usage.daily(from: from, to: to),
                activeInRange: try await usage.activeUsers(from: from, to: to),
                wau: try await usage.activeUsers(from: to.adding(days: -6), to: to),
                mau: try await usage.activeUsers(from: to.adding(days: -29), to: to),
                month: try await usage.apiRequests(from: month, to: today)
            )
        }
        var byDay: [UsageDay: DailyUsage] = [:]
        for day in read.days { byDay[day.day] = day }
        var totals = UsageCounts()
        let days = (from.ordinal...to.ordinal).map { ordinal -> DailyUsage in
            let day = UsageDay(ordinal: ordinal)
            let usage = byDay[day] ?? DailyUsage(day: day, counts: UsageCounts(), activeUsers: 0)
            totals += usage.counts
            return usage
        }
        let limits = try await allowances.allowances(for: tenantID)
        return TenantReport(
            days: days, totals: totals, activeInRange: read.activeInRange, dau: byDay[to]?.activeUsers ?? 0,
            wau: read.wau, mau: read.mau, requestsPerMinute: limits.requestsPerMinute,
            apiCallsPerMonth: limits.apiCallsPerMonth, apiCallsThisMonth: read.month,
            monthResetsAt: today.firstOfNextMonth.start)
    }

    /// Usage across every tenant from `from` to `to`, and the `limit` busiest tenants.
    public func platform(from: UsageDay, to: UsageDay, limit: Int) async throws -> PlatformReport {
        try await database.withPlatform { scope in
            let usage = scope.usageAcrossTenants
            let totals = try await usage.totals(from: from, to: to)
            let top = try await usage.topTenants(from: from, to: to, limit: limit)
            let tenants = try await scope.tenants.find(ids: top.map(\.tenantID))
            let end = min(to.adding(days: 1).start, Date())
            let billing = BillingFigures(
                accounts: try await scope.billingDirectory.subscribedAccounts(), now: end,
                window: max(0, end.timeIntervalSince(from.start)))
            return PlatformReport(
                totals: totals, topTenants: top.map { ($0.tenantID, $0.counts, tenants[$0.tenantID]) }, billing: billing)
        }
    }
}
