public import Foundation

/// A global identity: one person, who may be a member of several tenants.
public struct User: Sendable, Equatable, Codable {
    /// Whether the identity may sign in.
    public enum Status: String, Sendable, Codable {
        /// Normal.
        case active
        /// Blocked by an operator: no sign-in, existing sessions rejected.
        case disabled
        /// Erased at the person's request: anonymised, never signs in again, cannot be enabled.
        case erased
    }

    /// The user's identifier.
    public var id: UserID
    /// The normalised (lower-cased, trimmed) email address; unique across the instance.
    public var email: EmailAddress
    /// Display name.
    public var name: String
    /// When the identity was created.
    public var createdAt: Date
    /// When the identity last changed.
    public var updatedAt: Date
    /// Preferred locale (BCP 47 tag such as `en` or `pt-BR`), if set.
    public var locale: String?
    /// When the email address was verified, if it was.
    public var emailVerifiedAt: Date?
    /// Whether the identity may sign in.
    public var status: Status

    /// Creates a user value.
    public init(
        id: UserID,
        email: EmailAddress,
        name: String,
        createdAt: Date,
        updatedAt: Date,
        locale: String? = nil,
        emailVerifiedAt: Date? = nil,
        status: Status = .active
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.locale = locale
        self.emailVerifiedAt = emailVerifiedAt
        self.status = status
    }

    /// Validates a person's display name: 1 to 200 characters, trimmed, no control characters.
    public static func validatedName(_ text: String, field: String = "name") throws(TenantryError) -> String {
        try Tenant.validatedName(text, field: field)
    }

    /// Validates a locale tag: 2 to 35 characters of letters, digits and hyphens, starting with
    /// two or three letters (BCP 47 shape).
    public static func validatedLocale(_ text: String, field: String = "locale") throws(TenantryError) -> String {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (2...35).contains(text.utf8.count), let language = parts.first, (2...3).contains(language.count),
            language.allSatisfy({ $0.isASCII && $0.isLetter }),
            parts.allSatisfy({ !$0.isEmpty && $0.count <= 8 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } })
        else {
            throw Validator.fail(field, "invalid_format", "Use a language tag such as en or pt-BR.")
        }
        return text
    }
}

/// An email address in normalised form: trimmed and lower-cased, with one `@`, a non-empty local
/// part, a domain with a dot, and at most 254 characters.
public struct EmailAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The normalised text.
    public let rawValue: String

    /// Normalises and validates an address; throws `validation_failed` naming `field`.
    public init(_ text: String, field: String = "email") throws(TenantryError) {
        let normalised = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = normalised.split(separator: "@", omittingEmptySubsequences: false)
        guard normalised.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64,
            parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !normalised.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }
            )
        else {
            throw Validator.fail(field, "invalid_format", "Enter a valid email address.")
        }
        self.rawValue = normalised
    }

    /// An address read back from storage, where only validated, normalised addresses are
    /// written: not checked again (listings read many of them per request).
    public init(stored rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// The part after the `@` (lower case, as the whole address is).
    public var domain: String { rawValue.split(separator: "@").last.map(String.init) ?? "" }

    /// The part before the `@`.
    public var localPart: String { rawValue.split(separator: "@").first.map(String.init) ?? rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
