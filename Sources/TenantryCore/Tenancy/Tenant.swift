public import Foundation

/// A customer organisation: the unit of isolation.
public struct Tenant: Sendable, Equatable, Codable {
    /// The tenant's lifecycle state.
    public enum Status: String, Sendable, Codable, CaseIterable {
        /// In use.
        case active
        /// Blocked by an operator: no sign-in, no API use.
        case suspended
        /// Deleted by its owner; restorable until the grace period ends.
        case pendingDeletion = "pending_deletion"
        /// Purged; only the tombstone remains.
        case deleted
    }

    /// The tenant's identifier.
    public var id: TenantID
    /// Unique, URL-safe short name.
    public var slug: Slug
    /// Display name.
    public var name: String
    /// Lifecycle state.
    public var status: Status
    /// When the tenant was created.
    public var createdAt: Date
    /// When the tenant last changed.
    public var updatedAt: Date

    /// Creates a tenant value.
    public init(id: TenantID, slug: Slug, name: String, status: Status, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.slug = slug
        self.name = name
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Validates a display name: 1 to 200 characters, trimmed, no control characters.
    public static func validatedName(_ text: String, field: String = "name") throws(TenantryError) -> String {
        try StoredText.requiredName(text, field: field, maximum: 200, missing: "A name is required.")
    }
}
