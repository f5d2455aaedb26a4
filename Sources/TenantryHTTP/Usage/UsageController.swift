import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `GET /api/v1/tenant/usage`: the tenant's daily usage, totals against its allowances, and
/// daily, weekly and monthly active users.
struct UsageController: Sendable {
    let database: any DataStore
    let allowances: any TenantAllowances

    /// The longest range one request may ask for, in days.
    static let maximumRange = 366
    /// The range when none is given: the last 30 days, today included.
    static let defaultRange = 30

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/tenant/usage", .usageRead) { request, context in
            let query = request.uri.queryParameters
            let (from, to) = try Self.range(
                from: query["from"].map(String.init), to: query["to"].map(String.init), today: UsageDay(Date()))
            return try await report(context.access.tenantID, from: from, to: to).response(from: request, context: context)
        }
    }

    /// Reads `from` and `to` (`YYYY-MM-DD`, UTC, both included); either may be left out.
    static func range(from fromText: String?, to toText: String?, today: UsageDay) throws -> (UsageDay, UsageDay) {
        var validator = Validator()
        func day(_ name: String, _ text: String?) -> UsageDay? {
            guard let text else { return nil }
            guard let day = UsageDay(text) else {
                validator.add(name, "invalid_format", "Give a date as YYYY-MM-DD.")
                return nil
            }
            return day
        }
        let givenFrom = day("from", fromText)
        let givenTo = day("to", toText)
        try validator.check()
        let to = givenTo ?? (givenFrom.map { min(today, $0.adding(days: defaultRange - 1)) } ?? today)
        let from = givenFrom ?? to.adding(days: -(defaultRange - 1))
        if from > to {
            validator.add("from", "out_of_range", "from must not be after to.")
        } else if to.ordinal - from.ordinal + 1 > maximumRange {
            validator.add("to", "out_of_range", "Ask for at most \(maximumRange) days at a time.")
        }
        try validator.check()
        return (from, to)
    }

    func report(_ tenantID: TenantID, from: UsageDay, to: UsageDay) async throws -> UsageReport {
        let today = UsageDay(Date())
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
        let series = (from.ordinal...to.ordinal).map { ordinal -> UsageReport.Day in
            let day = UsageDay(ordinal: ordinal)
            let usage = byDay[day] ?? DailyUsage(day: day, counts: UsageCounts(), activeUsers: 0)
            totals += usage.counts
            return UsageReport.Day(usage)
        }
        let limits = try await allowances.allowances(for: tenantID)
        return UsageReport(
            from: from.description,
            to: to.description,
            days: series,
            totals: UsageReport.Totals(
                apiRequests: totals.apiRequests, signIns: totals.signIns, emailsSent: totals.emailsSent,
                activeUsers: read.activeInRange),
            activeUsers: UsageReport.ActiveUsers(dau: byDay[to]?.activeUsers ?? 0, wau: read.wau, mau: read.mau),
            allowances: UsageReport.Limits(
                requestsPerMinute: limits.requestsPerMinute, apiCallsPerMonth: limits.apiCallsPerMonth,
                apiCallsThisMonth: read.month, monthResetsAt: today.firstOfNextMonth.start)
        )
    }
}

/// The body of `GET /api/v1/tenant/usage`.
struct UsageReport: ResponseEncodable {
    struct Day: Encodable {
        let day: String
        let apiRequests: Int
        let signIns: Int
        let activeUsers: Int
        let emailsSent: Int

        init(_ usage: DailyUsage) {
            day = usage.day.description
            apiRequests = usage.counts.apiRequests
            signIns = usage.counts.signIns
            activeUsers = usage.activeUsers
            emailsSent = usage.counts.emailsSent
        }
    }

    struct Totals: Encodable {
        let apiRequests: Int
        let signIns: Int
        let emailsSent: Int
        /// Distinct users active on any day of the range.
        let activeUsers: Int
    }

    /// Active users on `to` (DAU), in the 7 days ending `to` (WAU) and the 30 days ending `to` (MAU).
    struct ActiveUsers: Encodable {
        let dau: Int
        let wau: Int
        let mau: Int
    }

    struct Limits: Encodable {
        let requestsPerMinute: Int?
        let apiCallsPerMonth: Int?
        let apiCallsThisMonth: Int
        let monthResetsAt: Date
    }

    let from: String
    let to: String
    let days: [Day]
    let totals: Totals
    let activeUsers: ActiveUsers
    let allowances: Limits
}
