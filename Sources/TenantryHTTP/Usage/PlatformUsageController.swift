import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `GET /api/v1/platform/usage`: usage across every tenant for a range of days (the same
/// `from`/`to` rules and defaults as `GET /api/v1/tenant/usage`), and the tenants with the
/// most API requests in it.
struct PlatformUsageController: Sendable {
    let reports: UsageReports

    /// How many top tenants are listed when `limit` is not given.
    static let defaultTopTenants = 10
    /// The most top tenants one request may ask for.
    static let maximumTopTenants = 100

    func register(on routes: PlatformRoutes) {
        routes.on(.get, "/usage", .support) { request, context, _ in
            let query = request.uri.queryParameters
            let (from, to) = try UsageController.range(
                from: query["from"].map(String.init), to: query["to"].map(String.init), today: UsageDay(Date()))
            let limit = try Self.limit(query["limit"].map(String.init))
            let report = try await reports.platform(from: from, to: to, limit: limit)
            return try PlatformUsageReport(report, from: from, to: to).response(from: request, context: context)
        }
    }

    /// Reads `limit`: a whole number from 1 to ``maximumTopTenants``; 422 otherwise.
    static func limit(_ text: String?) throws -> Int {
        guard let text else { return defaultTopTenants }
        guard let value = Int(text), (1...maximumTopTenants).contains(value) else {
            throw Validator.fail("limit", "out_of_range", "limit is a whole number from 1 to \(maximumTopTenants).")
        }
        return value
    }
}

/// The body of `GET /api/v1/platform/usage`.
struct PlatformUsageReport: ResponseEncodable {
    struct Totals: Encodable {
        let apiRequests: Int
        let signIns: Int
        let emailsSent: Int
        /// Distinct users active in any tenant on any day of the range.
        let activeUsers: Int
        /// Tenants with any usage in the range.
        let activeTenants: Int
    }

    /// A tenant's usage in the range; `name` and `slug` are absent once the tenant is gone.
    struct TopTenant: Encodable {
        let tenantId: String
        let name: String?
        let slug: String?
        let apiRequests: Int
        let signIns: Int
        let emailsSent: Int
    }

    /// Billing across tenants (docs/billing.md#operator-figures).
    struct Billing: Encodable {
        /// Monthly recurring revenue per currency, in minor units: active and past-due
        /// subscriptions not set to cancel, yearly prices counted a twelfth.
        let mrr: [String: Int]
        /// Subscriptions per Stripe status, as they stand now.
        let subscriptionsByStatus: [String: Int]
        /// Live subscriptions (active, trialing, past due) per linked plan.
        let subscriptionsByPlan: [String: Int]
        /// Subscriptions canceled within the range.
        let canceled: Int
        /// `canceled` over the subscriptions live at the range's end or canceled within it.
        let churnRate: Double
    }

    let from: String
    let to: String
    let totals: Totals
    /// Most API requests first (ties by tenant id).
    let topTenants: [TopTenant]
    let billing: Billing

    init(_ report: UsageReports.PlatformReport, from: UsageDay, to: UsageDay) {
        self.from = from.description
        self.to = to.description
        totals = Totals(
            apiRequests: report.totals.counts.apiRequests, signIns: report.totals.counts.signIns,
            emailsSent: report.totals.counts.emailsSent, activeUsers: report.totals.activeUsers,
            activeTenants: report.totals.activeTenants)
        billing = Billing(
            mrr: report.billing.monthlyRecurringRevenue, subscriptionsByStatus: report.billing.byStatus,
            subscriptionsByPlan: report.billing.byPlan, canceled: report.billing.canceledInWindow,
            churnRate: (report.billing.churnRate * 10_000).rounded() / 10_000)
        topTenants = report.topTenants.map { entry in
            TopTenant(
                tenantId: entry.tenantID.description, name: entry.tenant?.name, slug: entry.tenant?.slug.rawValue,
                apiRequests: entry.counts.apiRequests, signIns: entry.counts.signIns,
                emailsSent: entry.counts.emailsSent)
        }
    }
}
