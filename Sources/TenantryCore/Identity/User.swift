public import Foundation

/// A global identity: one person, who may be a member of several tenants.
public struct User: Sendable, Equatable, Codable {
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

    /// Creates a user value.
    public init(id: UserID, email: EmailAddress, name: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.email = email
        self.name = name
        self.createdAt = createdAt
        self.updatedAt = updatedAt
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

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
