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
