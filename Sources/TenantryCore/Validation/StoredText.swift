/// The one rule for free text the server keeps or searches with (names, descriptions, reasons,
/// filters): counted in code points as sent (as JSON Schema's `maxLength` counts), trimmed of
/// surrounding white space, and free of control characters. No display needs a control character,
/// and PostgreSQL refuses NUL outright, so accepting one would store on SQLite what PostgreSQL
/// cannot. Multi-line text (descriptions, reasons) may keep tab, line feed and carriage return.
public enum StoredText {
    /// The control characters multi-line text may keep.
    static let lineBreaks: Set<Unicode.Scalar> = ["\t", "\n", "\r"]

    /// Whether `text` holds a control character; with `multiline`, tab and line breaks do not
    /// count.
    public static func hasControlCharacter(_ text: String, multiline: Bool = false) -> Bool {
        text.unicodeScalars.contains { scalar in
            scalar.properties.generalCategory == .control && !(multiline && lineBreaks.contains(scalar))
        }
    }

    /// Validates text of at most `maximum` code points as sent (so the limit is the document's
    /// `maxLength` exactly), with no control characters (but tab and line breaks when
    /// `multiline`); returns the text trimmed of surrounding white space, which may be empty:
    /// the caller decides whether it is required.
    public static func validated(
        _ text: String, field: String, maximum: Int, multiline: Bool = false
    ) throws(TenantryError) -> String {
        guard text.unicodeScalars.count <= maximum else {
            throw Validator.fail(field, "too_long", "At most \(maximum) characters.")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !hasControlCharacter(trimmed, multiline: multiline) else {
            throw Validator.fail(field, "invalid_format", "Control characters are not allowed here.")
        }
        return trimmed
    }

    /// Validates a required name: at most `maximum` code points, not only white space, one line, no
    /// control characters; `missing` is the message when nothing is left after trimming.
    public static func requiredName(
        _ text: String, field: String, maximum: Int, missing: String
    ) throws(TenantryError) -> String {
        let name = try validated(text, field: field, maximum: maximum)
        guard !name.isEmpty else { throw Validator.fail(field, "required", missing) }
        return name
    }

    /// Validates an optional description of at most `maximum` code points; line breaks are
    /// kept, and empty text (after trimming) means none.
    public static func optionalDescription(_ text: String?, field: String, maximum: Int) throws(TenantryError) -> String? {
        guard let text else { return nil }
        let description = try validated(text, field: field, maximum: maximum, multiline: true)
        return description.isEmpty ? nil : description
    }
}
