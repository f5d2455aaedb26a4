public import Foundation

/// Identifies a team within its tenant.
public typealias TeamID = Identifier<Team>

/// A group of a tenant's members.
public struct Team: Sendable, Equatable {
    public var tenantID: TenantID
    public var id: TeamID
    public var name: String
    public var description: String?
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates a team value.
    public init(tenantID: TenantID, id: TeamID, name: String, description: String?, createdAt: Date, updatedAt: Date) {
        self.tenantID = tenantID
        self.id = id
        self.name = name
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Validates a team name: 1 to 100 characters, trimmed, no control characters.
    public static func validatedName(_ text: String, field: String = "name") throws(TenantryError) -> String {
        try StoredText.requiredName(text, field: field, maximum: 100, missing: "A team needs a name.")
    }

    /// Validates an optional description: at most 500 characters, trimmed, no control
    /// characters but line breaks; empty means none.
    public static func validatedDescription(_ text: String?, field: String = "description") throws(TenantryError)
        -> String?
    {
        try StoredText.optionalDescription(text, field: field, maximum: 500)
    }
}
