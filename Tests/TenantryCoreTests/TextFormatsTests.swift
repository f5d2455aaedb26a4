import Foundation
import TenantryCore
import Testing

@Suite("Text formats")
struct TextFormatsTests {
    @Test("RFC 3339 timestamps parse with or without fractional seconds, with Z or an offset")
    func timestamps() throws {
        let base = 1_795_593_600.0  // 2026-11-25T08:00:00Z
        let accepted: [(String, Double)] = [
            ("2026-11-25T08:00:00Z", base),
            ("2026-11-25t08:00:00z", base),
            ("2026-11-25T08:00:00.123Z", base + 0.123),
            ("2026-11-25T08:00:00.5Z", base + 0.5),
            ("2026-11-25T08:00:00.123456789123Z", base + 0.123456789),
            ("2026-11-25T08:00:00+02:00", base - 7200),
            ("2026-11-25T08:00:00+0200", base - 7200),
            ("2026-11-25T08:00:00+02", base - 7200),
            ("2026-11-25T08:00:00.5-05:30", base + 19_800.5),
            ("2026-11-25T08:00:00-00:00", base),
            ("2026-11-25T07:59:60Z", base),
            ("2024-02-29T00:00:00Z", 1_709_164_800),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59Z", -1),
        ]
        for (text, seconds) in accepted {
            let date = try #require(RFC3339.parse(text), "\(text)")
            #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001, "\(text)")
        }
        let written = Date(timeIntervalSince1970: base + 0.25)
        #expect(RFC3339.parse(FastFormatting.timestamp(written)) == written)

        let rejected = [
            "", "garbage", "2026-11-25", "2026-11-25T08:00:00", "2026-11-25 08:00:00Z", "2026-11-25T08:00Z",
            "20261125T080000Z", "2026-02-30T08:00:00Z", "2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z",
            "2026-11-25T08:60:00Z", "2026-11-25T08:00:61Z", "2026-11-25T08:00:00.Z", "2026-11-25T08:00:00,5Z",
            "2026-11-25T08:00:00Zjunk", "2026-11-25T08:00:00GMT", "2026-11-25T08:00:00+24:00",
            "2026-11-25T08:00:00+02:60", "2026-11-25T08:00:00+02:", "2026-11-25T08:00:00+2", " 2026-11-25T08:00:00Z",
            "+2026-11-25T08:00:00Z", "2026-1-25T08:00:00Z", "２026-11-25T08:00:00Z",
            "2026-11-25T08:00:00." + String(repeating: "1", count: 60) + "Z",
        ]
        for text in rejected {
            #expect(RFC3339.parse(text) == nil, "\(text)")
        }
    }

    @Test("JSON strings escape quotes, backslashes and control characters as JSONEncoder does")
    func jsonStrings() throws {
        let samples = [
            "plain", "", "Zoë \"Q\" \\ / O'Brien", "\u{7} \u{8}\u{c}\n\r\t\u{1f}\u{0}", "🚀 \u{2028} \u{7f}",
        ]
        for text in samples {
            let expected = String(decoding: try JSONEncoder.withoutEscapingSlashes.encode(text), as: UTF8.self)
            #expect(JSONString.quoted(text) == expected, "\(text.debugDescription)")
            var bytes: [UInt8] = []
            JSONString.append(text, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == expected)
        }
        #expect(JSONString.quoted("a\"b\\c\u{1}") == #""a\"b\\c\u0001""#)
    }
}

extension JSONEncoder {
    fileprivate static var withoutEscapingSlashes: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        return encoder
    }
}
