import Foundation

/// JSON allows a `\u` escape of half a UTF-16 surrogate pair with no other half (RFC 8259,
/// section 8.2), which no Swift string can hold, so Foundation's decoder refuses the whole body.
/// Such a body is still JSON: each lone half is read as U+FFFD, the replacement character, as
/// most JSON readers do.
enum LoneSurrogates {
    /// `json` with every `\u` escape of a lone surrogate replaced by `\uFFFD`; `nil` when it has
    /// none (the body is then left to fail as it is).
    static func replaced(in json: Data) -> Data? {
        let bytes = [UInt8](json)
        var output = [UInt8]()
        var changed = false
        var index = 0
        var copiedUpTo = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count else {
                index += 1
                continue
            }
            guard bytes[index + 1] == UInt8(ascii: "u"), let unit = codeUnit(bytes, at: index + 2) else {
                index += 2  // another escape, or a malformed one the decoder will report
                continue
            }
            if (0xD800...0xDBFF).contains(unit), bytes.count >= index + 12,
                bytes[index + 6] == UInt8(ascii: "\\"), bytes[index + 7] == UInt8(ascii: "u"),
                let low = codeUnit(bytes, at: index + 8), (0xDC00...0xDFFF).contains(low)
            {
                index += 12  // a proper pair
                continue
            }
            if (0xD800...0xDFFF).contains(unit) {
                if !changed { output.reserveCapacity(bytes.count) }
                output.append(contentsOf: bytes[copiedUpTo..<index])
                output.append(contentsOf: Array(#"\uFFFD"#.utf8))
                changed = true
                copiedUpTo = index + 6
            }
            index += 6
        }
        guard changed else { return nil }
        output.append(contentsOf: bytes[copiedUpTo...])
        return Data(output)
    }

    /// The four hexadecimal digits at `offset` as a UTF-16 code unit.
    private static func codeUnit(_ bytes: [UInt8], at offset: Int) -> UInt16? {
        guard offset + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for byte in bytes[offset..<offset + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }
}
