public import Foundation

/// A webhook message's identifier; its `webhook-id` header is `msg_` and this id.
public typealias WebhookMessageID = Identifier<WebhookMessage>

/// One event on its way to one endpoint: the exact body that is signed and sent, and where its
/// delivery stands.
public struct WebhookMessage: Sendable, Equatable {
    /// Where a message's delivery stands.
    public enum Status: String, Sendable {
        /// Waiting for its next attempt.
        case pending
        /// An attempt got a 2xx answer.
        case delivered
        /// Every attempt failed (dead-lettered), or the endpoint answered 410.
        case failed
    }

    public var tenantID: TenantID
    public var id: WebhookMessageID
    public var endpointID: WebhookEndpointID
    /// The domain event it carries.
    public var eventID: AuditEventID
    public var eventType: EventType
    /// The body as sent: `{"type", "timestamp", "data"}`.
    public var body: String
    public var status: Status
    /// Attempts made so far.
    public var attempts: Int
    /// When the next attempt is due; `nil` once delivered or failed.
    public var nextAttemptAt: Date?
    public var createdAt: Date

    /// Creates a value.
    public init(
        tenantID: TenantID, id: WebhookMessageID, endpointID: WebhookEndpointID, eventID: AuditEventID, eventType: EventType,
        body: String, status: Status, attempts: Int, nextAttemptAt: Date?, createdAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.endpointID = endpointID
        self.eventID = eventID
        self.eventType = eventType
        self.body = body
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
    }

    /// The `webhook-id` header: the same on every attempt of this message.
    public var webhookID: String { "msg_" + id.description }

    /// A new message of `event` for `endpoint`, due at `now`. The body is the event's type, its
    /// time and its payload as `data`: `{"type":"member.added","timestamp":"…","data":{…}}`.
    public static func make(for event: RecordedEvent, to endpoint: WebhookEndpointID, at now: Date) -> WebhookMessage {
        let body =
            #"{"type":""# + event.type.rawValue + #"","timestamp":""# + FastFormatting.timestamp(event.occurredAt)
            + #"","data":"# + event.payload + "}"
        return WebhookMessage(
            tenantID: event.tenantID, id: .generate(), endpointID: endpoint, eventID: event.id, eventType: event.type,
            body: body, status: .pending, attempts: 0, nextAttemptAt: now, createdAt: now)
    }
}
