public import Foundation

/// An endpoint's signing secrets as stored: each sealed with the master key.
public struct SealedWebhookSecrets: Sendable, Equatable {
    /// The current secret, sealed.
    public var current: String
    /// The secret before the last rotation, sealed, with when it stops signing.
    public var previous: String?
    public var previousExpiresAt: Date?

    /// Creates a value.
    public init(current: String, previous: String? = nil, previousExpiresAt: Date? = nil) {
        self.current = current
        self.previous = previous
        self.previousExpiresAt = previousExpiresAt
    }

    /// The secrets after rotating to `next` (sealed) at `now`: the current one becomes the
    /// previous one and signs on for ``WebhookSecrets/rotationOverlap``; an older previous one is
    /// dropped.
    public func rotated(to next: String, at now: Date) -> SealedWebhookSecrets {
        SealedWebhookSecrets(
            current: next, previous: current, previousExpiresAt: now.addingTimeInterval(WebhookSecrets.rotationOverlap))
    }
}

/// One tenant's webhook endpoints.
public protocol WebhookEndpointRepository: Sendable {
    /// The tenant whose endpoints this repository reads and writes.
    var tenantID: TenantID { get }
    /// Stores a new endpoint with its sealed secret.
    func create(_ endpoint: WebhookEndpoint, secrets: SealedWebhookSecrets) async throws
    /// The endpoint with this id, if any.
    func find(id: WebhookEndpointID) async throws -> WebhookEndpoint?
    /// Endpoints in order of id (creation order), one page at a time.
    func list(_ page: PageRequest) async throws -> Page<WebhookEndpoint>
    /// Saves everything but the secrets; `not_found` when there is no such endpoint.
    func update(_ endpoint: WebhookEndpoint) async throws
    /// Deletes an endpoint; returns whether there was one.
    @discardableResult
    func delete(id: WebhookEndpointID) async throws -> Bool
    /// The endpoint's sealed secrets, if the endpoint exists.
    func secrets(of id: WebhookEndpointID) async throws -> SealedWebhookSecrets?
    /// Replaces the endpoint's sealed secrets.
    func setSecrets(_ secrets: SealedWebhookSecrets, of id: WebhookEndpointID, at time: Date) async throws
}

/// Every tenant's outbox and webhook tables at once, in the platform scope: what the fan-out
/// step reads and writes (decision 0019).
public protocol WebhookFanOutRepository: Sendable {
    /// At most `limit` events of any tenant that no consumer has handled, oldest first; on
    /// PostgreSQL locked for this transaction and skipped by concurrent fan-outs.
    func unconsumedEvents(limit: Int) async throws -> [RecordedEvent]
    /// The enabled endpoints of these tenants.
    func enabledEndpoints(of tenants: Set<TenantID>) async throws -> [WebhookEndpoint]
    /// Stores messages; one for an event and endpoint that already has one is left out.
    func insert(_ messages: [WebhookMessage]) async throws
    /// Marks events as handled.
    func markConsumed(_ events: [RecordedEvent], at time: Date) async throws
}
