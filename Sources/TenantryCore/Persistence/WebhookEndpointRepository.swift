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

    /// The secrets still valid at `now`, opened with the master key: the current one first,
    /// then the previous one while its overlap lasts.
    public func opened(with key: MasterKey, at now: Date) throws -> [String] {
        var texts = [String(decoding: try key.open(current), as: UTF8.self)]
        if let previous, let previousExpiresAt, previousExpiresAt > now {
            texts.append(String(decoding: try key.open(previous), as: UTF8.self))
        }
        return texts
    }

    /// ``opened(with:at:)`` as webhook signing secrets (`whsec_…`); a stored secret that does not
    /// parse is an internal error.
    public func signingSecrets(with key: MasterKey, at now: Date) throws -> [WebhookSecret] {
        try opened(with: key, at: now).map { text in
            guard let secret = WebhookSecret(text: text) else {
                throw TenantryError(.internalError, "A stored webhook secret does not parse.")
            }
            return secret
        }
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

/// Which messages a delivery log listing shows; every condition is optional.
public struct WebhookMessageFilter: Sendable, Equatable {
    /// Only messages to this endpoint.
    public var endpointID: WebhookEndpointID?
    /// Only messages of this event type.
    public var eventType: EventType?
    /// Only messages in this state.
    public var status: WebhookMessage.Status?
    /// Only messages made at or after this time.
    public var since: Date?
    /// Only messages made before this time.
    public var until: Date?

    /// Creates a filter.
    public init(
        endpointID: WebhookEndpointID? = nil, eventType: EventType? = nil, status: WebhookMessage.Status? = nil,
        since: Date? = nil, until: Date? = nil
    ) {
        self.endpointID = endpointID
        self.eventType = eventType
        self.status = status
        self.since = since
        self.until = until
    }
}

/// An endpoint's delivery figures over the messages and attempts still kept.
public struct WebhookEndpointStatistics: Sendable, Equatable {
    /// Attempts made.
    public var attempts: Int
    /// Attempts that got a 2xx answer.
    public var successfulAttempts: Int
    /// Messages by state.
    public var pending: Int
    public var delivered: Int
    public var failed: Int
    /// The last attempt, and the last successful one.
    public var lastAttemptAt: Date?
    public var lastSuccessAt: Date?

    /// Creates a value.
    public init(
        attempts: Int, successfulAttempts: Int, pending: Int, delivered: Int, failed: Int, lastAttemptAt: Date?,
        lastSuccessAt: Date?
    ) {
        self.attempts = attempts
        self.successfulAttempts = successfulAttempts
        self.pending = pending
        self.delivered = delivered
        self.failed = failed
        self.lastAttemptAt = lastAttemptAt
        self.lastSuccessAt = lastSuccessAt
    }

    /// Successful attempts over all attempts, `nil` before the first attempt.
    public var successRate: Double? { attempts == 0 ? nil : Double(successfulAttempts) / Double(attempts) }
}

/// One tenant's webhook messages and their attempts: the delivery log, and the writes of a
/// delivery worker that holds a message's claim.
public protocol WebhookMessageRepository: Sendable {
    /// The tenant whose messages this repository reads and writes.
    var tenantID: TenantID { get }
    /// The message with this id, if any.
    func find(id: WebhookMessageID) async throws -> WebhookMessage?
    /// Messages in order of id (creation order), one page at a time.
    func list(_ filter: WebhookMessageFilter, page: PageRequest) async throws -> Page<WebhookMessage>
    /// A message's attempts in order, one page at a time.
    func attempts(of id: WebhookMessageID, page: PageRequest) async throws -> Page<WebhookAttempt>
    /// Stores a new message (a test message, made for one endpoint).
    func insert(_ message: WebhookMessage) async throws
    /// Stores an attempt and the message's new state, provided the message is still claimed
    /// with `claim`; returns `false`, storing nothing, when it is not (another worker took it
    /// over after the claim expired).
    func finishAttempt(_ attempt: WebhookAttempt, message: WebhookMessage, claim: UUID) async throws -> Bool
    /// Stores successful first-time-right deliveries in one go: each message still claimed with
    /// its attempt's claim becomes delivered (one more attempt), and its attempt is stored;
    /// returns the ids of the messages recorded (the others' claims had expired).
    func finishDelivered(_ delivered: [DeliveredAttempt]) async throws -> Set<WebhookMessageID>
    /// Parks the endpoint's pending messages while it is disabled: they keep their status and
    /// lose their due time, so claims never read past them; returns how many.
    func park(endpointID: WebhookEndpointID) async throws -> Int
    /// Makes the endpoint's parked messages due at `at` (it was enabled again); returns how many.
    func unpark(endpointID: WebhookEndpointID, at: Date) async throws -> Int
    /// Gives a claimed message back without an attempt, due again at `at` (an endpoint over its
    /// own rate limit).
    func release(id: WebhookMessageID, claim: UUID, dueAt at: Date) async throws
    /// Makes one message pending again with a fresh schedule; returns whether it exists.
    func requeue(id: WebhookMessageID, at now: Date) async throws -> Bool
    /// Makes every failed message of an endpoint made at or after `since` pending again with a
    /// fresh schedule; returns how many.
    func requeueFailed(endpointID: WebhookEndpointID, since: Date, at now: Date) async throws -> Int
    /// The endpoint's delivery figures.
    func statistics(endpointID: WebhookEndpointID) async throws -> WebhookEndpointStatistics
    /// Deletes delivered and failed messages (with their attempts) made before `cutoff`;
    /// returns how many messages.
    func purge(before cutoff: Date) async throws -> Int
}

/// A successful attempt and the claim under which it was made.
public struct DeliveredAttempt: Sendable {
    /// The attempt (its message, time, duration and answer).
    public var attempt: WebhookAttempt
    /// The claim's token: recorded only if the message is still claimed with it.
    public var claim: UUID

    /// Creates a value.
    public init(attempt: WebhookAttempt, claim: UUID) {
        self.attempt = attempt
        self.claim = claim
    }
}

/// A message claimed for delivery, with what delivering it needs.
public struct ClaimedDelivery: Sendable {
    /// The message, as claimed.
    public var message: WebhookMessage
    /// The endpoint it goes to.
    public var endpoint: WebhookEndpoint
    /// The endpoint's sealed secrets.
    public var secrets: SealedWebhookSecrets
    /// The claim's token: the finishing write names it.
    public var claim: UUID

    /// Creates a value.
    public init(message: WebhookMessage, endpoint: WebhookEndpoint, secrets: SealedWebhookSecrets, claim: UUID) {
        self.message = message
        self.endpoint = endpoint
        self.secrets = secrets
        self.claim = claim
    }
}

/// Claims due messages of every tenant, in the platform scope (decision 0019).
public protocol WebhookDeliveryQueue: Sendable {
    /// Claims at most `limit` pending messages due at `now` whose endpoint is enabled and that
    /// no live claim holds, oldest due first, hiding them until `until`; on PostgreSQL rows
    /// another worker is claiming are skipped (`FOR UPDATE SKIP LOCKED`).
    func claimDue(now: Date, until: Date, limit: Int) async throws -> [ClaimedDelivery]
    /// Tenants with messages made before `cutoff` that are no longer pending.
    func tenantsWithSettledMessages(before cutoff: Date) async throws -> [TenantID]
}

/// One tenant's inbound webhook sources and their receipts.
public protocol WebhookSourceRepository: Sendable {
    /// The tenant whose sources this repository reads and writes.
    var tenantID: TenantID { get }
    /// Stores a new source with its sealed secret.
    func create(_ source: WebhookSource, secrets: SealedWebhookSecrets) async throws
    /// The source with this id, if any.
    func find(id: WebhookSourceID) async throws -> WebhookSource?
    /// Sources in order of id, one page at a time.
    func list(_ page: PageRequest) async throws -> Page<WebhookSource>
    /// Saves the name, scheme and state; `not_found` when there is no such source.
    func update(_ source: WebhookSource) async throws
    /// Deletes a source and its receipts; returns whether there was one.
    @discardableResult
    func delete(id: WebhookSourceID) async throws -> Bool
    /// The source's sealed secrets, if the source exists.
    func secrets(of id: WebhookSourceID) async throws -> SealedWebhookSecrets?
    /// Replaces the source's sealed secrets.
    func setSecrets(_ secrets: SealedWebhookSecrets, of id: WebhookSourceID, at time: Date) async throws
    /// Stores a verified delivery and counts it; `false`, storing nothing, when the source
    /// already has a receipt with its message id (a duplicate).
    func recordReceipt(_ receipt: WebhookReceipt) async throws -> Bool
    /// Counts a refused delivery with its problem code.
    func recordRejection(of id: WebhookSourceID, code: String, at time: Date) async throws
    /// A source's receipts in order of id, one page at a time.
    func receipts(of id: WebhookSourceID, page: PageRequest) async throws -> Page<WebhookReceipt>
    /// Deletes receipts received before `cutoff`; returns how many.
    func purgeReceipts(before cutoff: Date) async throws -> Int
}

/// Finds an inbound source by id before its tenant is known (the receiving URL names only the
/// source), in the platform scope.
public protocol WebhookSourceDirectory: Sendable {
    /// The source with this id in any tenant, with its sealed secrets.
    func source(id: WebhookSourceID) async throws -> (WebhookSource, SealedWebhookSecrets)?
    /// Tenants with receipts received before `cutoff` (the retention sweep).
    func tenantsWithReceipts(before cutoff: Date) async throws -> [TenantID]
}
