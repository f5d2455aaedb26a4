import Foundation
import SQLKit
public import TenantryCore

/// One tenant's daily usage: counters that every node adds its flushed counts to (so several
/// nodes count correctly together), and the distinct active users of each day.
public struct SQLUsageRepository: UsageRepository {
    let sql: any SQLDatabase
    /// The tenant whose usage this repository reads and writes.
    public let tenantID: TenantID

    /// Adds `counts` to the day's counters (creating the day's row when it is the first).
    public func add(_ counts: UsageCounts, on day: UsageDay) async throws {
        guard !counts.isZero else { return }
        try await sql.raw(
            """
            INSERT INTO usage_daily (tenant_id, day, api_requests, sign_ins, emails_sent)
            VALUES (\(bind: tenantID.rawValue), \(bind: day.description), \(bind: counts.apiRequests),
                \(bind: counts.signIns), \(bind: counts.emailsSent))
            ON CONFLICT (tenant_id, day) DO UPDATE SET
                api_requests = usage_daily.api_requests + excluded.api_requests,
                sign_ins = usage_daily.sign_ins + excluded.sign_ins,
                emails_sent = usage_daily.emails_sent + excluded.emails_sent
            """
        ).run()
    }

    /// Records users as active on a day; users already recorded for that day are left as they are.
    public func markActive(_ users: some Collection<UserID>, on day: UsageDay) async throws {
        let all = Array(users)
        for start in stride(from: 0, to: all.count, by: 500) {
            var values = SQLQueryString("")
            for (index, user) in all[start..<min(start + 500, all.count)].enumerated() {
                if index > 0 { values.appendLiteral(", ") }
                values.appendInterpolation(
                    "(\(bind: tenantID.rawValue), \(bind: day.description), \(bind: user.rawValue))" as SQLQueryString)
            }
            try await sql.raw(
                """
                INSERT INTO usage_active_users (tenant_id, day, user_id) VALUES \(values)
                ON CONFLICT (tenant_id, day, user_id) DO NOTHING
                """
            ).run()
        }
    }

    /// The days from `from` to `to` (inclusive) that have any usage, in order. Days without a
    /// row had none.
    public func daily(from: UsageDay, to: UsageDay) async throws -> [DailyUsage] {
        let counters = try await sql.raw(
            """
            SELECT day, api_requests, sign_ins, emails_sent FROM usage_daily
            WHERE tenant_id = \(bind: tenantID.rawValue) AND day >= \(bind: from.description) AND day <= \(bind: to.description)
            """
        ).all()
        let active = try await sql.raw(
            """
            SELECT day, count(*) AS users FROM usage_active_users
            WHERE tenant_id = \(bind: tenantID.rawValue) AND day >= \(bind: from.description) AND day <= \(bind: to.description)
            GROUP BY day
            """
        ).all()
        var days: [UsageDay: DailyUsage] = [:]
        for row in counters {
            let day = try Self.day(row)
            days[day] = DailyUsage(
                day: day,
                counts: UsageCounts(
                    apiRequests: try row.decode(column: "api_requests", as: Int.self),
                    signIns: try row.decode(column: "sign_ins", as: Int.self),
                    emailsSent: try row.decode(column: "emails_sent", as: Int.self)),
                activeUsers: 0)
        }
        for row in active {
            let day = try Self.day(row)
            days[day, default: DailyUsage(day: day, counts: UsageCounts(), activeUsers: 0)].activeUsers =
                try row.decode(column: "users", as: Int.self)
        }
        return days.values.sorted { $0.day < $1.day }
    }

    /// Distinct users active on any day from `from` to `to` (inclusive).
    public func activeUsers(from: UsageDay, to: UsageDay) async throws -> Int {
        try await sql.raw(
            """
            SELECT count(DISTINCT user_id) AS users FROM usage_active_users
            WHERE tenant_id = \(bind: tenantID.rawValue) AND day >= \(bind: from.description) AND day <= \(bind: to.description)
            """
        ).first()?.decode(column: "users", as: Int.self) ?? 0
    }

    /// API requests recorded from `from` to `to` (inclusive).
    public func apiRequests(from: UsageDay, to: UsageDay) async throws -> Int {
        try await sql.raw(
            """
            SELECT CAST(coalesce(sum(api_requests), 0) AS bigint) AS total FROM usage_daily
            WHERE tenant_id = \(bind: tenantID.rawValue) AND day >= \(bind: from.description) AND day <= \(bind: to.description)
            """
        ).first()?.decode(column: "total", as: Int.self) ?? 0
    }

    static func day(_ row: any SQLRow) throws -> UsageDay {
        guard let day = UsageDay(try row.decode(column: "day", as: String.self)) else {
            throw TenantryError(.internalError, "A stored usage day is invalid.")
        }
        return day
    }
}

/// Usage across every tenant, for operators (read in the platform scope).
public struct SQLPlatformUsageRepository: PlatformUsageRepository {
    let sql: any SQLDatabase

    /// PlatformUsageTotals from `from` to `to` (inclusive).
    public func totals(from: UsageDay, to: UsageDay) async throws -> PlatformUsageTotals {
        let row = try await sql.raw(
            """
            SELECT CAST(coalesce(sum(api_requests), 0) AS bigint) AS api_requests,
                CAST(coalesce(sum(sign_ins), 0) AS bigint) AS sign_ins,
                CAST(coalesce(sum(emails_sent), 0) AS bigint) AS emails_sent,
                count(DISTINCT tenant_id) AS tenants
            FROM usage_daily WHERE day >= \(bind: from.description) AND day <= \(bind: to.description)
            """
        ).first()
        let users = try await sql.raw(
            """
            SELECT count(DISTINCT user_id) AS users FROM usage_active_users
            WHERE day >= \(bind: from.description) AND day <= \(bind: to.description)
            """
        ).first()?.decode(column: "users", as: Int.self)
        return PlatformUsageTotals(
            counts: try row.map(Self.counts) ?? UsageCounts(),
            activeTenants: try row?.decode(column: "tenants", as: Int.self) ?? 0,
            activeUsers: users ?? 0)
    }

    /// The tenants with the most API requests from `from` to `to` (inclusive), most first.
    public func topTenants(from: UsageDay, to: UsageDay, limit: Int) async throws -> [(tenantID: TenantID, counts: UsageCounts)] {
        try await sql.raw(
            """
            SELECT tenant_id, CAST(sum(api_requests) AS bigint) AS api_requests, CAST(sum(sign_ins) AS bigint) AS sign_ins,
                CAST(sum(emails_sent) AS bigint) AS emails_sent
            FROM usage_daily WHERE day >= \(bind: from.description) AND day <= \(bind: to.description)
            GROUP BY tenant_id ORDER BY api_requests DESC, tenant_id LIMIT \(bind: max(0, limit))
            """
        ).all().map { row in (try row.identifier("tenant_id"), try Self.counts(row)) }
    }

    /// The usage of each of `tenants` from `from` to `to` (inclusive), read in one grouped
    /// statement whatever the number of tenants (the operators' tenant list shows a page of
    /// them). Tenants without any usage in the range are absent.
    public func byTenant(_ tenants: [TenantID], from: UsageDay, to: UsageDay) async throws -> [TenantID: TenantUsage] {
        guard !tenants.isEmpty else { return [:] }
        let ids = SQLQueryString.bindList(tenants.map(\.rawValue))
        let range: SQLQueryString = "day >= \(bind: from.description) AND day <= \(bind: to.description)"
        let rows = try await sql.raw(
            """
            SELECT tenant_id, CAST(sum(api_requests) AS bigint) AS api_requests, CAST(sum(sign_ins) AS bigint) AS sign_ins,
                CAST(sum(emails_sent) AS bigint) AS emails_sent, CAST(sum(users) AS bigint) AS users
            FROM (
                SELECT tenant_id, api_requests, sign_ins, emails_sent, 0 AS users FROM usage_daily
                WHERE tenant_id IN (\(ids)) AND \(range)
                UNION ALL
                SELECT tenant_id, 0, 0, 0, count(DISTINCT user_id) FROM usage_active_users
                WHERE tenant_id IN (\(ids)) AND \(range) GROUP BY tenant_id
            ) AS tenant_usage
            GROUP BY tenant_id
            """
        ).all()
        var usage: [TenantID: TenantUsage] = [:]
        for row in rows {
            usage[try row.identifier("tenant_id")] = TenantUsage(
                counts: try Self.counts(row), activeUsers: try row.decode(column: "users", as: Int.self))
        }
        return usage
    }

    static func counts(_ row: any SQLRow) throws -> UsageCounts {
        UsageCounts(
            apiRequests: try row.decode(column: "api_requests", as: Int.self),
            signIns: try row.decode(column: "sign_ins", as: Int.self),
            emailsSent: try row.decode(column: "emails_sent", as: Int.self))
    }
}
