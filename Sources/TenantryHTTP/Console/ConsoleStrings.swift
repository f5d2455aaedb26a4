import Foundation
public import TenantryCore

/// The consoles' words, from one JSON catalogue per language (`Strings/en.json`,
/// `Strings/pt-BR.json`, embedded in the binary): objects nest by page (`members.invite.title`),
/// `{name}` marks a placeholder, and a plural has `one` and `other` forms under its key.
/// Templates name a string as `{{t.members.invite.title}}` (replaced by its words when the
/// templates are parsed, once per language); Swift code asks ``text(_:_:_:)`` and
/// ``plural(_:count:_:_:)``.
struct ConsoleStrings: Sendable {
    /// One language's catalogue.
    struct Catalogue: Sendable {
        /// Every string by its dotted key.
        let flat: [String: String]
    }

    /// The catalogues by language.
    let catalogues: [Language: Catalogue]

    /// The catalogues embedded in the binary.
    static let embedded: ConsoleStrings = {
        do {
            return try ConsoleStrings(sources: [
                .english: ConsoleResources.englishStrings, .portuguese: ConsoleResources.portugueseStrings,
            ])
        } catch {
            preconditionFailure("An embedded string catalogue is not valid JSON: \(error)")
        }
    }()

    /// Reads catalogues from their JSON sources.
    init(sources: [Language: [UInt8]]) throws {
        var catalogues: [Language: Catalogue] = [:]
        for (language, bytes) in sources {
            guard let tree = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw TenantryError(.internalError, "A string catalogue is not a JSON object.")
            }
            var flat: [String: String] = [:]
            Self.flatten(tree, prefix: "", into: &flat)
            catalogues[language] = Catalogue(flat: flat)
        }
        self.catalogues = catalogues
    }

    private static func flatten(_ tree: [String: Any], prefix: String, into flat: inout [String: String]) {
        for (key, value) in tree {
            let path = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let text = value as? String {
                flat[path] = text
            } else if let nested = value as? [String: Any] {
                flatten(nested, prefix: path, into: &flat)
            }
        }
    }

    /// The string `key` in `language` with its `{placeholders}` filled in; the key itself when
    /// the catalogue lacks it (a test keeps the catalogues complete).
    func text(_ language: Language, _ key: String, _ values: [String: String] = [:]) -> String {
        let template = catalogues[language]?.flat[key] ?? catalogues[.english]?.flat[key] ?? key
        return Self.fill(template, values)
    }

    /// The plural form of `key` for `count` (`key.one` or `key.other`), with `{count}` and
    /// `values` filled in. Portuguese uses the singular for 0 and 1, English for 1 alone.
    func plural(_ language: Language, _ key: String, count: Int, _ values: [String: String] = [:]) -> String {
        let one: Bool
        switch language {
        case .english: one = count == 1
        case .portuguese: one = count == 0 || count == 1
        }
        var values = values
        values["count"] = ConsoleFormat.integer(count, language)
        return text(language, key + (one ? ".one" : ".other"), values)
    }

    static func fill(_ template: String, _ values: [String: String]) -> String {
        guard template.contains("{") else { return template }
        var result = ""
        result.reserveCapacity(template.utf8.count)
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            if let value = values[name] {
                result += value
            } else {
                result += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
    }
}

/// Numbers and dates as each language writes them: `1,234` and `Dec 5, 2026, 14:03` in
/// English, `1.234` and `5 de dez. de 2026 14:03` in Portuguese, in UTC. The date styles are
/// made once per language (making one costs more than using it).
public enum ConsoleFormat {
    static func locale(_ language: Language) -> Locale {
        Locale(identifier: language == .portuguese ? "pt_BR" : "en_US")
    }

    /// A whole number with the language's digit grouping (`,` in English, `.` in Portuguese).
    public static func integer(_ value: Int, _ language: Language) -> String {
        let digits = String(value.magnitude)
        guard digits.utf8.count > 3 else { return value < 0 ? "-" + digits : digits }
        let separator: Character = language == .portuguese ? "." : ","
        var grouped = ""
        grouped.reserveCapacity(digits.utf8.count + digits.utf8.count / 3 + 1)
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.utf8.count - index) % 3 == 0 { grouped.append(separator) }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// A length of time in its largest whole unit: `45 s`, `12 min`, `3 h`, `2 d` (the same
    /// symbols in both languages; the number grouped the language's way).
    static func duration(_ seconds: TimeInterval, _ language: Language) -> String {
        let whole = Int(max(0, seconds))
        switch whole {
        case ..<60: return "\(whole) s"
        case ..<3_600: return "\(whole / 60) min"
        case ..<86_400: return "\(whole / 3_600) h"
        default: return "\(integer(whole / 86_400, language)) d"
        }
    }

    /// A date and time (minutes), in UTC.
    static func dateTime(_ date: Date, _ language: Language) -> String {
        date.formatted(language == .portuguese ? dateTimeStyles.portuguese : dateTimeStyles.english)
    }

    /// A date alone, in UTC.
    static func date(_ date: Date, _ language: Language) -> String {
        date.formatted(language == .portuguese ? dateStyles.portuguese : dateStyles.english)
    }

    private static func style(_ date: Date.FormatStyle.DateStyle, _ time: Date.FormatStyle.TimeStyle, _ language: Language)
        -> Date.FormatStyle
    {
        var style = Date.FormatStyle(date: date, time: time, locale: locale(language))
        style.timeZone = utc
        return style
    }

    private static let dateTimeStyles = (
        english: style(.abbreviated, .shortened, .english), portuguese: style(.abbreviated, .shortened, .portuguese)
    )
    private static let dateStyles = (
        english: style(.abbreviated, .omitted, .english), portuguese: style(.abbreviated, .omitted, .portuguese)
    )
    private static let utc = TimeZone(identifier: "UTC") ?? TimeZone.current
}
