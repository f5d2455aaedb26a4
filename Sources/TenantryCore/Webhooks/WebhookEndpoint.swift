public import Foundation

/// A webhook endpoint's identifier.
public typealias WebhookEndpointID = Identifier<WebhookEndpoint>

/// Where a tenant's events are sent: a URL, the event types it subscribes to, and the secret
/// its messages are signed with (kept sealed; see ``WebhookSecrets``).
public struct WebhookEndpoint: Sendable, Equatable {
    /// The tenant it belongs to.
    public var tenantID: TenantID
    public var id: WebhookEndpointID
    /// Where messages are posted.
    public var url: URL
    /// What it is for, for people.
    public var description: String?
    /// Which event types it receives.
    public var filter: EventTypeFilter
    /// Whether messages are made for it.
    public var enabled: Bool
    /// Why it was disabled by the server (`gone` for a 410 answer, `failing` after failing for
    /// the failure window), `nil` when enabled or disabled by a person.
    public var disabledReason: String?
    /// The most deliveries a minute, or `nil` for no limit of its own.
    public var rateLimitPerMinute: Int?
    /// When deliveries started failing without a success since, `nil` when the last one
    /// succeeded.
    public var failingSince: Date?
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates an endpoint value.
    public init(
        tenantID: TenantID, id: WebhookEndpointID, url: URL, description: String?, filter: EventTypeFilter,
        enabled: Bool, disabledReason: String? = nil, rateLimitPerMinute: Int?, failingSince: Date? = nil,
        createdAt: Date, updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.url = url
        self.description = description
        self.filter = filter
        self.enabled = enabled
        self.disabledReason = disabledReason
        self.rateLimitPerMinute = rateLimitPerMinute
        self.failingSince = failingSince
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Validates a description: at most 500 characters, no control characters but line breaks;
    /// empty means none.
    public static func validatedDescription(_ text: String?, field: String = "description") throws(TenantryError)
        -> String?
    {
        try StoredText.optionalDescription(text, field: field, maximum: 500)
    }

    /// The largest own rate limit, in deliveries a minute.
    public static let maximumRateLimitPerMinute = 100_000

    /// Validates an endpoint's rate limit: 1 to ``maximumRateLimitPerMinute`` a minute.
    public static func validatedRateLimit(_ value: Int, field: String = "rate_limit_per_minute") throws(TenantryError) -> Int {
        guard (1...maximumRateLimitPerMinute).contains(value) else {
            throw Validator.fail(
                field, "out_of_range", "Give 1 to \(maximumRateLimitPerMinute) deliveries a minute, or null for none.")
        }
        return value
    }
}

/// An endpoint's signing secrets: the current one, and during a rotation the previous one
/// until it expires; messages are signed with every secret still valid.
public struct WebhookSecrets: Sendable, Equatable {
    /// Signs every message.
    public var current: WebhookSecret
    /// The secret before the last rotation, with when it stops being used.
    public var previous: (secret: WebhookSecret, expiresAt: Date)?

    /// How long a rotated-out secret still signs: 24 hours.
    public static let rotationOverlap: TimeInterval = 24 * 3600

    /// Creates a value.
    public init(current: WebhookSecret, previous: (secret: WebhookSecret, expiresAt: Date)? = nil) {
        self.current = current
        self.previous = previous
    }

    /// The secrets that sign a message at `now`: the current one first.
    public func signing(at now: Date) -> [WebhookSecret] {
        guard let previous, previous.expiresAt > now else { return [current] }
        return [current, previous.secret]
    }

    public static func == (lhs: WebhookSecrets, rhs: WebhookSecrets) -> Bool {
        lhs.current == rhs.current && lhs.previous?.secret == rhs.previous?.secret
            && lhs.previous?.expiresAt == rhs.previous?.expiresAt
    }
}
