import Foundation
import TenantryCore

/// The consoles' words, from one JSON catalogue per language (`Strings/en.json`,
/// `Strings/pt-BR.json`, embedded in the binary): objects nest by page (`members.invite.title`),
/// `{name}` marks a placeholder, and a plural has `one` and `other` forms under its key.
/// Templates read the nested objects as `{{t.members.invite.title}}`; Swift code asks
/// ``text(_:_:_:)`` and ``plural(_:count:_:_:)``.
struct ConsoleStrings: Sendable {
    /// One language's catalogue.
    public struct Catalogue: @unchecked Sendable {
        /// The nested objects, as the templates read them (immutable after loading).
        let tree: [String: Any]
        /// Every string by its dotted key.
        public let flat: [String: String]
    }

    /// The catalogues by language.
    public let catalogues: [Language: Catalogue]

    /// The catalogues embedded in the binary.
    public static let embedded: ConsoleStrings = {
        do {
            return try ConsoleStrings(sources: [
                .english: ConsoleResources.englishStrings, .portuguese: ConsoleResources.portugueseStrings,
            ])
        } catch {
            preconditionFailure("An embedded string catalogue is not valid JSON: \(error)")
        }
    }()

    /// Reads catalogues from their JSON sources.
    public init(sources: [Language: [UInt8]]) throws {
        var catalogues: [Language: Catalogue] = [:]
        for (language, bytes) in sources {
            guard let tree = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw TenantryError(.internalError, "A string catalogue is not a JSON object.")
            }
            var flat: [String: String] = [:]
            Self.flatten(tree, prefix: "", into: &flat)
            catalogues[language] = Catalogue(tree: tree, flat: flat)
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

    /// The nested catalogue of `language`, for templates.
    func tree(_ language: Language) -> [String: Any] {
        catalogues[language]?.tree ?? [:]
    }

    /// The string `key` in `language` with its `{placeholders}` filled in; the key itself when
    /// the catalogue lacks it (a test keeps the catalogues complete).
    public func text(_ language: Language, _ key: String, _ values: [String: String] = [:]) -> String {
        let template = catalogues[language]?.flat[key] ?? catalogues[.english]?.flat[key] ?? key
        return Self.fill(template, values)
    }

    /// The plural form of `key` for `count` (`key.one` or `key.other`), with `{count}` and
    /// `values` filled in. Portuguese uses the singular for 0 and 1, English for 1 alone.
    public func plural(_ language: Language, _ key: String, count: Int, _ values: [String: String] = [:]) -> String {
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
/// English, `1.234` and `5 de dez. de 2026 14:03` in Portuguese, in UTC.
enum ConsoleFormat {
    static func locale(_ language: Language) -> Locale {
        Locale(identifier: language == .portuguese ? "pt_BR" : "en_US")
    }

    /// A whole number with the language's grouping.
    public static func integer(_ value: Int, _ language: Language) -> String {
        value.formatted(.number.locale(locale(language)))
    }

    /// A date and time (minutes), in UTC.
    public static func dateTime(_ date: Date, _ language: Language) -> String {
        var style = Date.FormatStyle(date: .abbreviated, time: .shortened, locale: locale(language))
        style.timeZone = utc
        return date.formatted(style)
    }

    /// A date alone, in UTC.
    public static func date(_ date: Date, _ language: Language) -> String {
        var style = Date.FormatStyle(date: .abbreviated, time: .omitted, locale: locale(language))
        style.timeZone = utc
        return date.formatted(style)
    }

    private static let utc = TimeZone(identifier: "UTC") ?? TimeZone.current
}
