import Foundation

/// A tenant's unique, URL-safe short name: 3 to 63 characters of lower-case ASCII letters, digits
/// and single hyphens, starting with a letter and not ending with a hyphen (it fits a DNS label).
public struct Slug: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The validated text.
    public let rawValue: String

    /// Validates a slug; throws `validation_failed` naming `field` when it is not one.
    public init(_ text: String, field: String = "slug") throws(TenantryError) {
        guard (3...63).contains(text.utf8.count) else {
            throw Validator.fail(field, "invalid_length", "A slug has 3 to 63 characters.")
        }
        let bytes = Array(text.utf8)
        let allowed = bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        guard allowed, let first = bytes.first, first >= 0x61, first <= 0x7A, bytes.last != 0x2D,
            !text.contains("--")
        else {
            throw Validator.fail(
                field,
                "invalid_format",
                "A slug uses lower-case letters, digits and single hyphens, starts with a letter and does not end with a hyphen."
            )
        }
        self.rawValue = text
    }

    /// Derives a slug candidate from a display name ("Acme Corp." → "acme-corp", "São João
    /// Ltda." → "sao-joao-ltda": accents are dropped); `nil` when nothing usable remains.
    public static func derived(from name: String) -> Slug? {
        var result = ""
        var pendingHyphen = false
        // Canonical decomposition splits "ã" into "a" and a combining tilde, which is dropped.
        for scalar in name.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars
        where scalar.properties.generalCategory != .nonspacingMark {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") {
                if pendingHyphen && !result.isEmpty { result.append("-") }
                result.unicodeScalars.append(scalar)
                pendingHyphen = false
            } else {
                pendingHyphen = true
            }
            if result.utf8.count >= 63 { break }
        }
        while let first = result.first, !first.isLetter { result.removeFirst() }
        while result.hasSuffix("-") { result.removeLast() }
        return try? Slug(String(result.prefix(63)))
    }

    /// The slug derived from `name`, or, when nothing usable remains (a name in another script,
    /// or only punctuation), `tenant-` and eight random lower-case letters and digits.
    public static func derivedOrGenerated(from name: String) -> Slug {
        if let derived = derived(from: name) { return derived }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".unicodeScalars)
        var generator = SystemRandomNumberGenerator()
        var text = "tenant-"
        for _ in 0..<8 { text.unicodeScalars.append(alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))]) }
        // Always valid: a letter first, no trailing hyphen, 15 characters.
        return Slug(unchecked: text)
    }

    private init(unchecked text: String) {
        self.rawValue = text
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
