/// The languages Tenantry writes to people in: its emails now, its consoles next (decision 0026).
/// A person's preference comes first (`users.locale`), then their tenant's default, then
/// English.
public enum Language: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// English.
    case english = "en"
    /// Brazilian Portuguese.
    case portuguese = "pt-BR"

    public var description: String { rawValue }

    /// The language a BCP 47 tag asks for, by its primary subtag (`pt`, `pt-PT` and `pt-BR`
    /// are Portuguese, `en-GB` is English); `nil` for one Tenantry does not write.
    public static func matching(_ tag: String) -> Language? {
        let primary = tag.split(separator: "-", maxSplits: 1).first.map { $0.lowercased() }
        switch primary {
        case "en": return .english
        case "pt": return .portuguese
        default: return nil
        }
    }

    /// The first of `tags` (most preferred first; `nil` entries skipped) Tenantry writes, else
    /// English.
    public static func preferred(_ tags: String?...) -> Language {
        for case let tag? in tags {
            if let language = matching(tag) { return language }
        }
        return .english
    }

    /// Validates a language setting: `en` or `pt-BR`.
    public static func validated(_ text: String, field: String) throws(TenantryError) -> Language {
        guard let language = Language(rawValue: text) else {
            throw Validator.fail(field, "invalid_value", "Use en or pt-BR.")
        }
        return language
    }

    /// A duration in words: whole days from a week up, else whole hours, else minutes
    /// ("7 days", "24 hours", "1 hora").
    public func words(forSeconds seconds: Int) -> String {
        let units = unitNames
        let (count, unit): (Int, (one: String, other: String))
        if seconds >= 7 * 86_400, seconds % 86_400 == 0 {
            (count, unit) = (seconds / 86_400, units.day)
        } else if seconds >= 3_600, seconds % 3_600 == 0 {
            (count, unit) = (seconds / 3_600, units.hour)
        } else {
            (count, unit) = (max(1, seconds / 60), units.minute)
        }
        return "\(count) \(count == 1 ? unit.one : unit.other)"
    }

    /// The singular and plural names of the units of ``words(forSeconds:)``.
    private var unitNames:
        (day: (one: String, other: String), hour: (one: String, other: String), minute: (one: String, other: String))
    {
        switch self {
        case .english: (("day", "days"), ("hour", "hours"), ("minute", "minutes"))
        case .portuguese: (("dia", "dias"), ("hora", "horas"), ("minuto", "minutos"))
        }
    }
}
