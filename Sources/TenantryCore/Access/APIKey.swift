public import Foundation

/// Identifies an API key within its tenant.
public typealias APIKeyID = Identifier<APIKey>

/// A tenant's API key: what is stored and listed (never the secret, only its SHA-256).
public struct APIKey: Sendable, Equatable {
    public var tenantID: TenantID
    public var id: APIKeyID
    public var name: String
    /// The first characters of the secret (`tnty_` and four more), for recognising a key.
    public var prefix: String
    /// The secret's last four characters.
    public var lastFour: String
    /// What the key may do (a subset of its creator's permissions when it was made).
    public var scopes: Set<Permission>
    /// The one resource the key may touch, if bound.
    public var resource: ResourceBinding?
    /// Who created it.
    public var createdBy: UserID
    public var createdAt: Date
    public var updatedAt: Date
    /// When it stops working (`nil`: never).
    public var expiresAt: Date?
    /// When it was revoked.
    public var revokedAt: Date?
    /// When it was last used (kept in memory and written in batches, so it may lag a minute).
    public var lastUsedAt: Date?
    /// The key's own rate limit in requests per minute, on top of its tenant's (`nil`: none).
    public var rateLimitPerMinute: Int?

    /// Creates a key value.
    public init(
        tenantID: TenantID, id: APIKeyID, name: String, prefix: String, lastFour: String, scopes: Set<Permission>,
        resource: ResourceBinding?, createdBy: UserID, createdAt: Date, updatedAt: Date, expiresAt: Date?,
        revokedAt: Date?, lastUsedAt: Date?, rateLimitPerMinute: Int? = nil
    ) {
        self.tenantID = tenantID
        self.id = id
        self.name = name
        self.prefix = prefix
        self.lastFour = lastFour
        self.scopes = scopes
        self.resource = resource
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
        self.rateLimitPerMinute = rateLimitPerMinute
    }

    /// Whether the key works at `now`.
    public func isUsable(at now: Date) -> Bool {
        revokedAt == nil && (expiresAt.map { $0 > now } ?? true)
    }

    /// Validates a key's name: 1 to 100 characters, trimmed, no control characters.
    public static func validatedName(_ text: String, field: String = "name") throws(TenantryError) -> String {
        try StoredText.requiredName(text, field: field, maximum: 100, missing: "A key needs a name.")
    }

    /// The largest own rate limit a key may have, in requests per minute.
    public static let maximumRateLimitPerMinute = 1_000_000

    /// Validates a key's own rate limit: 1 to ``maximumRateLimitPerMinute`` requests per minute.
    public static func validatedRateLimit(_ value: Int, field: String = "rate_limit_per_minute") throws(TenantryError) -> Int {
        guard (1...maximumRateLimitPerMinute).contains(value) else {
            throw Validator.fail(
                field, "out_of_range", "Give 1 to \(maximumRateLimitPerMinute) requests per minute, or null for none.")
        }
        return value
    }

    /// The longest rotation overlap a caller may ask for (7 days) and the default (24 hours).
    public static let maximumOverlap: TimeInterval = 7 * 86_400
    /// The default rotation overlap.
    public static let defaultOverlap: TimeInterval = 86_400
}

/// A freshly made API key secret: shown once to its creator, stored only as its SHA-256.
public struct APIKeySecret: Sendable {
    /// The prefix every Tenantry API key starts with.
    public static let marker = "tnty_"

    /// The full secret, e.g. `tnty_…` (shown once).
    public let value: String

    /// 256 random bits after the marker, in URL-safe base64.
    public static func generate() -> APIKeySecret {
        APIKeySecret(value: marker + SecretToken.generate(bytes: 32))
    }

    /// What is stored: the SHA-256 of the secret.
    public var hash: String { SecretToken.digest(value) }
    /// `tnty_` and the next four characters.
    public var prefix: String { String(value.prefix(Self.marker.count + 4)) }
    /// The last four characters.
    public var lastFour: String { String(value.suffix(4)) }

    /// Whether a presented credential has the shape of an API key (not a JWT).
    public static func looksLikeKey(_ credential: String) -> Bool {
        credential.hasPrefix(marker)
    }
}
