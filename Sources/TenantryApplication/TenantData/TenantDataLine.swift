import Foundation
import TenantryCore

/// One row as one line of a JSON Lines part, parsed by hand (a million rows a part is
/// ordinary); ``TenantDataLines`` writes them.
enum TenantDataLine {
    /// Parses one line into values in the order of `columns`; a column the line lacks is
    /// `NULL` (an archive of an older schema), a member no column names is refused.
    static func parse(_ line: ArraySlice<UInt8>, columns: [TenantDataColumn]) throws -> [TenantDataValue] {
        var parser = Parser(bytes: line)
        let members = try parser.object()
        var row = [TenantDataValue](repeating: .null, count: columns.count)
        for (name, value) in members {
            guard let index = columns.firstIndex(where: { $0.name == name }) else {
                throw ArchiveDamage.corrupt("a row has a column \(name) that the table does not have")
            }
            row[index] = value
        }
        return row
    }

    /// A parser of flat JSON objects whose values are strings, integers, booleans or `null`.
    private struct Parser {
        let bytes: ArraySlice<UInt8>
        var position: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            position = bytes.startIndex
        }

        mutating func object() throws -> [(String, TenantDataValue)] {
            skipSpace()
            try expect(UInt8(ascii: "{"))
            var members: [(String, TenantDataValue)] = []
            skipSpace()
            if peek() == UInt8(ascii: "}") {
                position += 1
                return members
            }
            while true {
                skipSpace()
                let name = try string()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                skipSpace()
                members.append((name, try value()))
                skipSpace()
                guard let next = peek() else { throw ArchiveDamage.corrupt("a row ends early") }
                position += 1
                if next == UInt8(ascii: "}") { break }
                guard next == UInt8(ascii: ",") else { throw ArchiveDamage.corrupt("a row is not a JSON object") }
            }
            skipSpace()
            guard position == bytes.endIndex else { throw ArchiveDamage.corrupt("a row has text after its object") }
            return members
        }

        private func peek() -> UInt8? {
            position < bytes.endIndex ? bytes[position] : nil
        }

        private mutating func skipSpace() {
            while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0D { position += 1 }
        }

        private mutating func expect(_ byte: UInt8) throws {
            guard peek() == byte else { throw ArchiveDamage.corrupt("a row is not a JSON object") }
            position += 1
        }

        private mutating func literal(_ text: String) throws {
            for byte in text.utf8 { try expect(byte) }
        }

        private mutating func value() throws -> TenantDataValue {
            switch peek() {
            case UInt8(ascii: "\""): return .text(try string())
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "t"):
                try literal("true")
                return .boolean(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .boolean(false)
            default:
                let start = position
                if peek() == UInt8(ascii: "-") { position += 1 }
                while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
                guard position > start, let number = Int64(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                    throw ArchiveDamage.corrupt("a row holds a value that is not a string, an integer, a boolean or null")
                }
                return .integer(number)
            }
        }

        private mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            var output: [UInt8] = []
            var runStart = position
            while true {
                guard let byte = peek() else { throw ArchiveDamage.corrupt("a row has an unterminated string") }
                if byte == UInt8(ascii: "\"") {
                    output.append(contentsOf: bytes[runStart..<position])
                    position += 1
                    break
                }
                if byte < 0x20 { throw ArchiveDamage.corrupt("a row has a control character in a string") }
                guard byte == UInt8(ascii: "\\") else {
                    position += 1
                    continue
                }
                output.append(contentsOf: bytes[runStart..<position])
                position += 1
                guard let escaped = peek() else { throw ArchiveDamage.corrupt("a row has an unterminated string") }
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "f"): output.append(0x0C)
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        try literal("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw ArchiveDamage.corrupt("a row has a lone surrogate in a string")
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else {
                        throw ArchiveDamage.corrupt("a row has an invalid escape in a string")
                    }
                    output.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw ArchiveDamage.corrupt("a row has an invalid escape in a string")
                }
                runStart = position
            }
            guard let text = String(validating: output, as: UTF8.self) else {
                throw ArchiveDamage.corrupt("a row has text that is not UTF-8")
            }
            return text
        }

        private mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.endIndex,
                let value = UInt32(String(decoding: bytes[position..<(position + 4)], as: UTF8.self), radix: 16)
            else { throw ArchiveDamage.corrupt("a row has an invalid escape in a string") }
            position += 4
            return value
        }
    }
}
