public import Foundation

/// The one parser for timestamps the API reads (query parameters, request bodies, operator
/// input): RFC 3339 date-times, without Foundation's format machinery.
///
/// Accepted: `2026-11-25T08:00:00Z`, with optional fractional seconds of any length
/// (`08:00:00.5Z`, `08:00:00.123456Z`), `Z` or a numeric offset (`+02:00`, and the ISO 8601
/// forms `+0200` and `+02`), and `t`/`z` in lower case. A leap second (`:60`) counts as the
/// first second of the next minute. Anything else is rejected: a missing zone, a date or time
/// out of range (`2026-02-30`, `24:00:00`), other separators, trailing text.
public enum RFC3339 {
    /// The longest text considered; anything longer is rejected unread.
    public static let maximumLength = 64

    /// The instant `text` names, or `nil` when it is not an RFC 3339 date-time.
    public static func parse(_ text: some StringProtocol) -> Date? {
        let utf8 = Array(text.utf8.prefix(maximumLength + 1))
        guard utf8.count <= maximumLength else { return nil }
        var scanner = Scanner(bytes: utf8)
        return scanner.dateTime()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        mutating func dateTime() -> Date? {
            guard let year = number(digits: 4), skip(UInt8(ascii: "-")),
                let month = number(digits: 2), skip(UInt8(ascii: "-")),
                let day = number(digits: 2), skip(UInt8(ascii: "T")) || skip(UInt8(ascii: "t")),
                let hour = number(digits: 2), skip(UInt8(ascii: ":")),
                let minute = number(digits: 2), skip(UInt8(ascii: ":")),
                let second = number(digits: 2)
            else { return nil }
            guard (1...12).contains(month), (1...UsageDay.daysIn(month: month, year: year)).contains(day),
                hour < 24, minute < 60, second <= 60
            else { return nil }
            var fraction = 0.0
            if skip(UInt8(ascii: ".")) {
                guard let value = fractionDigits() else { return nil }
                fraction = value
            }
            guard let offset = zoneOffset(), position == bytes.count else { return nil }
            let days = UsageDay.ordinal(year: year, month: month, day: day)
            let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
            return Date(timeIntervalSince1970: Double(seconds) + fraction)
        }

        /// Seconds east of UTC.
        mutating func zoneOffset() -> Int? {
            if skip(UInt8(ascii: "Z")) || skip(UInt8(ascii: "z")) { return 0 }
            let sign: Int
            if skip(UInt8(ascii: "+")) {
                sign = 1
            } else if skip(UInt8(ascii: "-")) {
                sign = -1
            } else {
                return nil
            }
            guard let hours = number(digits: 2), hours < 24 else { return nil }
            var minutes = 0
            if position < bytes.count {
                _ = skip(UInt8(ascii: ":"))
                guard let value = number(digits: 2), value < 60 else { return nil }
                minutes = value
            }
            return sign * (hours * 3600 + minutes * 60)
        }

        mutating func fractionDigits() -> Double? {
            var value = 0.0
            var scale = 1.0
            let start = position
            while position < bytes.count, let digit = Self.digit(bytes[position]) {
                // Digits beyond nanoseconds cannot change a `Date`.
                if position - start < 9 {
                    value = value * 10 + Double(digit)
                    scale *= 10
                }
                position += 1
            }
            return position > start ? value / scale : nil
        }

        mutating func number(digits count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<(position + count)] {
                guard let digit = Self.digit(byte) else { return nil }
                value = value * 10 + digit
            }
            position += count
            return value
        }

        mutating func skip(_ byte: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        static func digit(_ byte: UInt8) -> Int? {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
        }
    }
}
