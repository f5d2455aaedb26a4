public import Foundation

/// Hot-path text formatting without Foundation's format machinery (which is slow on Linux):
/// lower-case hex, fixed-point decimals and RFC 3339 UTC timestamps with milliseconds.
public enum FastFormatting {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        for byte in bytes {
            output.append(hexDigits[Int(byte >> 4)])
            output.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The canonical lower-case text of a UUID (`8-4-4-4-12` hex digits), as
    /// `uuid.uuidString.lowercased()` but without its formatting and second copy.
    public static func uuid(_ uuid: UUID) -> String {
        withUnsafeBytes(of: uuid.uuid) { raw in
            var output = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
            var position = 0
            for (index, byte) in raw.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { position += 1 }
                output[position] = hexDigits[Int(byte >> 4)]
                output[position + 1] = hexDigits[Int(byte & 0x0F)]
                position += 2
            }
            return String(decoding: output, as: UTF8.self)
        }
    }

    /// `value` rounded to `fractionDigits` decimals (0 to 9), like `String(format: "%.3f")` for
    /// 3 but without Foundation: `12.346`, `-0.500`, `7.000`.
    public static func decimal(_ value: Double, fractionDigits: Int) -> String {
        let digits = min(max(fractionDigits, 0), 9)
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        guard value.isFinite, abs(value) < Double(Int64.max / scale) else { return "\(value)" }
        let scaled = Int64((abs(value) * Double(scale)).rounded())
        var text = value < 0 && scaled != 0 ? "-" : ""
        text += String(scaled / scale)
        guard digits > 0 else { return text }
        let fraction = String(scaled % scale)
        text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        return text
    }

    /// `2026-11-23T18:07:00.123Z` (UTC, milliseconds), the form the API writes timestamps in.
    public static func timestamp(_ date: Date) -> String {
        // Through whole microseconds first: a date stored at an exact millisecond may come back
        // a hair below it (binary floating point), and flooring that would show the millisecond before.
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let totalMilliseconds = microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
        var days = totalMilliseconds / 86_400_000
        var milliseconds = totalMilliseconds % 86_400_000
        if milliseconds < 0 {
            milliseconds += 86_400_000
            days -= 1
        }
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        var year = yearOfEra + era * 400
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        if month <= 2 { year += 1 }
        let hour = milliseconds / 3_600_000
        let minute = milliseconds / 60_000 % 60
        let second = milliseconds / 1000 % 60
        let millisecond = milliseconds % 1000

        var output: [UInt8] = []
        output.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            var remaining = value
            while divisor > 0 {
                output.append(UInt8(48 + remaining / divisor % 10))
                remaining %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        output.append(45)
        digits(month, 2)
        output.append(45)
        digits(day, 2)
        output.append(84)
        digits(hour, 2)
        output.append(58)
        digits(minute, 2)
        output.append(58)
        digits(second, 2)
        output.append(46)
        digits(millisecond, 3)
        output.append(90)
        return String(decoding: output, as: UTF8.self)
    }
}
