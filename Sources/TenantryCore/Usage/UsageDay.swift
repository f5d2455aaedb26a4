public import Foundation

/// A calendar day in UTC, the unit usage is counted in. Stored and shown as `YYYY-MM-DD`, which
/// sorts like the days themselves. Computed with integer arithmetic (no calendar objects), since
/// every metered request asks for today.
public struct UsageDay: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public let ordinal: Int

    /// The day `ordinal` days after 1970-01-01.
    public init(ordinal: Int) {
        self.ordinal = ordinal
    }

    /// The UTC day of an instant.
    public init(_ date: Date) {
        self.ordinal = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// Parses `YYYY-MM-DD`; `nil` for anything else, including days that do not exist.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...Self.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.ordinal = Self.ordinal(year: year, month: month, day: day)
    }

    /// The day's year, month and day of month.
    public var components: (year: Int, month: Int, day: Int) {
        // Howard Hinnant's civil_from_days.
        let z = ordinal + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The first day of this day's month.
    public var firstOfMonth: UsageDay {
        let (year, month, _) = components
        return UsageDay(ordinal: Self.ordinal(year: year, month: month, day: 1))
    }

    /// The first day of the next month.
    public var firstOfNextMonth: UsageDay {
        let (year, month, _) = components
        return month == 12
            ? UsageDay(ordinal: Self.ordinal(year: year + 1, month: 1, day: 1))
            : UsageDay(ordinal: Self.ordinal(year: year, month: month + 1, day: 1))
    }

    /// The day `days` later (earlier when negative).
    public func adding(days: Int) -> UsageDay { UsageDay(ordinal: ordinal + days) }

    /// Midnight UTC at the start of the day.
    public var start: Date { Date(timeIntervalSince1970: TimeInterval(ordinal) * 86_400) }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (year, month, day) = components
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: UsageDay, rhs: UsageDay) -> Bool { lhs.ordinal < rhs.ordinal }

    static func ordinal(year: Int, month: Int, day: Int) -> Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Counters of one tenant on one day, added together from every node's flushes.
public struct UsageCounts: Sendable, Equatable {
    /// Tenant API requests served (authenticated by token or key, past the limits).
    public var apiRequests: Int
    /// Successful sign-ins into the tenant.
    public var signIns: Int
    /// Emails the worker delivered for the tenant.
    public var emailsSent: Int

    /// Creates counts.
    public init(apiRequests: Int = 0, signIns: Int = 0, emailsSent: Int = 0) {
        self.apiRequests = apiRequests
        self.signIns = signIns
        self.emailsSent = emailsSent
    }

    /// Whether every counter is zero.
    public var isZero: Bool { apiRequests == 0 && signIns == 0 && emailsSent == 0 }

    /// Adds another set of counts.
    public static func += (lhs: inout UsageCounts, rhs: UsageCounts) {
        lhs.apiRequests += rhs.apiRequests
        lhs.signIns += rhs.signIns
        lhs.emailsSent += rhs.emailsSent
    }
}

/// One day of a tenant's usage as reported: the counters and the distinct active users.
public struct DailyUsage: Sendable, Equatable {
    /// The day (UTC).
    public var day: UsageDay
    /// The day's counters.
    public var counts: UsageCounts
    /// Distinct users who made tenant requests or signed in that day.
    public var activeUsers: Int

    /// Creates a day's usage.
    public init(day: UsageDay, counts: UsageCounts, activeUsers: Int) {
        self.day = day
        self.counts = counts
        self.activeUsers = activeUsers
    }
}
