import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `GET /api/v1/tenant/usage`: the tenant's daily usage, totals against its allowances, and
/// daily, weekly and monthly active users.
struct UsageController: Sendable {
    let reports: UsageReports

    /// The longest range one request may ask for, in days.
    static let maximumRange = 366
    /// The range when none is given: the last 30 days, today included.
    static let defaultRange = 30

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/tenant/usage", .usageRead) { request, context in
            let query = request.uri.queryParameters
            let (from, to) = try Self.range(
                from: query["from"].map(String.init), to: query["to"].map(String.init), today: UsageDay(Date()))
            let report = try await reports.tenant(context.access.tenantID, from: from, to: to)
            return try UsageReport(report, from: from, to: to).response(from: request, context: context)
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
        // Without `to`: 30 days from `from`, but not past today (nor before `from`, which may be
        // in the future).
        let to = givenTo ?? (givenFrom.map { max($0, min(today, $0.adding(days: defaultRange - 1))) } ?? today)
        let from = givenFrom ?? to.adding(days: -(defaultRange - 1))
        if from > to {
            validator.add("from", "out_of_range", "from must not be after to.")
        } else if to.ordinal - from.ordinal + 1 > maximumRange {
            validator.add("to", "out_of_range", "Ask for at most \(maximumRange) days at a time.")
        }
        try validator.check()
        return (from, to)
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

    init(_ report: UsageReports.TenantReport, from: UsageDay, to: UsageDay) {
        self.from = from.description
        self.to = to.description
        days = report.days.map(Day.init)
        totals = Totals(
            apiRequests: report.totals.apiRequests, signIns: report.totals.signIns, emailsSent: report.totals.emailsSent,
            activeUsers: report.activeInRange)
        activeUsers = ActiveUsers(dau: report.dau, wau: report.wau, mau: report.mau)
        allowances = Limits(
            requestsPerMinute: report.requestsPerMinute, apiCallsPerMonth: report.apiCallsPerMonth,
            apiCallsThisMonth: report.apiCallsThisMonth, monthResetsAt: report.monthResetsAt)
    }
}
