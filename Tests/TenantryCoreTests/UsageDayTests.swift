import Foundation
import TenantryCore
import Testing

@Suite("Usage days")
struct UsageDayTests {
    @Test("days parse and print as YYYY-MM-DD and follow the calendar across months, years and leap days")
    func calendar() throws {
        let leap = try #require(UsageDay("2024-02-29"))
        #expect(leap.description == "2024-02-29")
        #expect(leap.adding(days: 1).description == "2024-03-01")
        #expect(leap.firstOfMonth.description == "2024-02-01")
        #expect(leap.firstOfNextMonth.description == "2024-03-01")
        #expect(try #require(UsageDay("2026-12-31")).firstOfNextMonth.description == "2027-01-01")
        #expect(UsageDay(ordinal: 0).description == "1970-01-01")
        #expect(UsageDay(Date(timeIntervalSince1970: 86_399)).description == "1970-01-01")
        #expect(UsageDay(Date(timeIntervalSince1970: 1_767_225_600)).description == "2026-01-01")
        #expect(try #require(UsageDay("2026-01-01")).start == Date(timeIntervalSince1970: 1_767_225_600))
        for text in ["2023-02-29", "2026-13-01", "2026-04-31", "2026-1-01", "20260101", "2026-01-0a", ""] {
            #expect(UsageDay(text) == nil, "\(text)")
        }
        for ordinal in stride(from: -1000, through: 40_000, by: 37) {
            let day = UsageDay(ordinal: ordinal)
            #expect(UsageDay(day.description) == day)
        }
    }
}

@Suite("Rate limit and metering settings")
struct TrafficSettingsTests {
    @Test("the rate limit and usage settings are read from the environment; bad values are named")
    func settings() throws {
        let defaults = try TenantryConfiguration.resolve(flags: .init(), environment: [:])
        #expect(defaults.rateLimitsEnabled && defaults.usageMetering)
        #expect(defaults.clientIPRequestsPerMinute == 60 && defaults.usageFlushInterval == 15)
        let set = try TenantryConfiguration.resolve(
            flags: .init(),
            environment: [
                "TENANTRY_RATE_LIMITS": "off", "TENANTRY_USAGE_METERING": "false", "TENANTRY_RATE_LIMIT_PER_IP": "5",
                "TENANTRY_USAGE_FLUSH_INTERVAL": "2.5",
            ])
        #expect(!set.rateLimitsEnabled && !set.usageMetering)
        #expect(set.clientIPRequestsPerMinute == 5)
        #expect(set.usageFlushInterval == 2.5)
        let error = #expect(throws: TenantryError.self) {
            try TenantryConfiguration.resolve(
                flags: .init(),
                environment: [
                    "TENANTRY_RATE_LIMITS": "sometimes", "TENANTRY_RATE_LIMIT_PER_IP": "0",
                    "TENANTRY_USAGE_FLUSH_INTERVAL": "0",
                ])
        }
        #expect(
            Set(error?.fieldErrors.map(\.field) ?? []) == [
                "TENANTRY_RATE_LIMITS", "TENANTRY_RATE_LIMIT_PER_IP", "TENANTRY_USAGE_FLUSH_INTERVAL",
            ])
    }
}
