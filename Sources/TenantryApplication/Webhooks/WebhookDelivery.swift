public import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Delivers webhook messages (decision 0019): claims due messages of every tenant, signs each
/// with its endpoint's secrets (Standard Webhooks headers; two signatures during a rotation),
/// posts it through the ``WebhookTransport``, and records the attempt with what follows from it
/// (``DeliveryVerdict``) in the tenant's transaction: delivered, a retry on the schedule, the
/// dead letter with a `message.attempt.exhausted` event, or the endpoint disabled (410 Gone, or
/// failing for the failure window) with a `webhook_endpoint.disabled` event and an email to the
/// tenant's owners and admins.
///
/// A claim hides a message for ``WebhookDeliverySettings/lease`` (longer than a delivery may
/// take) and names a token that the finishing write must match, so any number of workers never
/// make the same attempt twice; a worker that dies mid-delivery leaves the message to be taken
/// over when the claim expires, and it is sent again with the same `webhook-id` (at least once).
public struct WebhookDelivery: Sendable {
    let database: any DataStore
    let masterKey: MasterKey
    let transport: any WebhookTransport
    /// How deliveries behave.
    public let settings: WebhookDeliverySettings
    let limiter: EndpointRateLimiter
    let recorder: DeliveredRecorder
    let logger: Logger
    let metrics: TenantryMetrics?
    let random: @Sendable (ClosedRange<Double>) -> Double

    /// Creates the use case.
    /// - Parameters:
    ///   - metrics: where each attempt's outcome is counted (`nil`: nowhere).
    ///   - random: the jitter's source (tests pin it).
    public init(
        database: any DataStore, masterKey: MasterKey, transport: any WebhookTransport,
        settings: WebhookDeliverySettings = WebhookDeliverySettings(), metrics: TenantryMetrics? = nil, logger: Logger,
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) {
        self.database = database
        self.masterKey = masterKey
        self.transport = transport
        self.settings = settings
        self.limiter = EndpointRateLimiter()
        self.recorder = DeliveredRecorder(database: database)
        self.logger = logger
        self.metrics = metrics
        self.random = random
    }

    /// Claims up to `limit` messages due at `now`.
    public func claim(now: Date = Date(), limit: Int) async throws -> [ClaimedDelivery] {
        let until = now.addingTimeInterval(settings.lease)
        return try await database.withPlatform { scope in
            try await scope.webhookDelivery.claimDue(now: now, until: until, limit: limit)
        }
    }

    /// Claims the messages due at `now` (up to the concurrency) and delivers them at once;
    /// returns how many it claimed. `now` stands for the clock throughout, so tests can walk
    /// the schedule.
    @discardableResult
    public func runOnce(now: Date = Date()) async throws -> Int {
        let claimed = try await claim(now: now, limit: settings.concurrency)
        await withTaskGroup(of: Void.self) { group in
            for delivery in claimed { group.addTask { await deliver(delivery, now: now) } }
        }
        return claimed.count
    }

    /// Delivers one claimed message and records what came of it. Errors are logged, not
    /// thrown: the claim then expires and the message is tried again.
    public func deliver(_ delivery: ClaimedDelivery, now: Date = Date()) async {
        let message = delivery.message
        do {
            if let rate = delivery.endpoint.rateLimitPerMinute,
                let wait = await limiter.delay(for: delivery.endpoint, perMinute: rate, now: now)
            {
                try await database.withTenant(message.tenantID) { scope in
                    try await scope.webhookMessages.release(
                        id: message.id, claim: delivery.claim, dueAt: now.addingTimeInterval(wait))
                }
                return
            }
            let secrets = try delivery.secrets.signingSecrets(with: masterKey, at: now)
            let timestamp = Int64(now.timeIntervalSince1970)
            let body = Array(message.body.utf8)
            let headers = [
                (WebhookSignature.Header.id, message.webhookID),
                (WebhookSignature.Header.timestamp, String(timestamp)),
                (
                    WebhookSignature.Header.signature,
                    WebhookSignature.header(id: message.webhookID, timestamp: timestamp, body: body, secrets: secrets)
                ),
            ]
            let clock = ContinuousClock()
            let started = clock.now
            // With tracing on, the attempt is a client span and the receiver gets its `traceparent`.
            let url = delivery.endpoint.url
            let result: Result<DeliveryResponse, DeliveryFailure> = await Traces.outbound(
                "webhook POST", method: "POST", url: url.absoluteString
            ) { traceHeaders in
                do throws(DeliveryFailure) {
                    return .success(try await transport.post(url: url, headers: headers + traceHeaders, body: body))
                } catch {
                    return .failure(error)
                }
            }
            let elapsed = started.duration(to: clock.now)
            let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
            try await record(delivery, result: result, at: now, milliseconds: milliseconds)
        } catch {
            logger.warning(
                "webhook delivery could not be recorded; the message is tried again when its claim expires",
                metadata: ErrorDiagnostics.metadata(for: error).merging([
                    "tenant.id": "\(message.tenantID)", "webhook.message_id": "\(message.webhookID)",
                ]) { $1 })
        }
    }

    /// Stores the attempt, the message's next state and the endpoint's, in one tenant
    /// transaction, when the claim still holds.
    func record(
        _ delivery: ClaimedDelivery, result: Result<DeliveryResponse, DeliveryFailure>, at now: Date, milliseconds: Int
    ) async throws {
        let message = delivery.message
        let attemptNumber = message.attempts + 1
        let attempt: WebhookAttempt
        switch result {
        case .success(let response):
            attempt = WebhookAttempt(
                tenantID: message.tenantID, id: .generate(), messageID: message.id, attemptedAt: now,
                durationMilliseconds: milliseconds, statusCode: response.statusCode, responseBody: response.body,
                errorKind: nil)
        case .failure(let failure):
            attempt = WebhookAttempt(
                tenantID: message.tenantID, id: .generate(), messageID: message.id, attemptedAt: now,
                durationMilliseconds: milliseconds, statusCode: nil, responseBody: nil, errorKind: failure.kind)
        }
        // The common case, a success to an endpoint that was not failing when the message was
        // claimed, changes nothing about the endpoint: it is written with other deliveries'.
        let outcome: DeliveryVerdict.Next?
        if (try? result.get())?.succeeded == true && delivery.endpoint.failingSince == nil {
            let recorded = try await recorder.record(DeliveredAttempt(attempt: attempt, claim: delivery.claim))
            outcome = recorded ? .delivered : nil
        } else {
            outcome = try await recordWithVerdict(delivery, attempt: attempt, result: result, at: now)
        }
        let counted: TenantryMetrics.WebhookDeliveryOutcome =
            switch outcome {
            case .delivered: .delivered
            case .retry: .retry
            case .exhausted: .exhausted
            case .gone: .gone
            case nil: .claimLost
            }
        metrics?.webhookDelivery(counted)
        logger.debug(
            "webhook attempt",
            metadata: [
                "tenant.id": "\(message.tenantID)", "webhook.message_id": "\(message.webhookID)",
                "webhook.attempt": "\(attemptNumber)", "webhook.status": "\(attempt.statusCode.map(String.init) ?? "-")",
                "webhook.error": "\(attempt.errorKind ?? "-")", "webhook.outcome": "\(outcome.map { "\($0)" } ?? "claim lost")",
            ])
    }

    /// Records an attempt whose outcome depends on the endpoint's state (a failure, or a
    /// success to an endpoint that was failing): reads the endpoint, decides the verdict, and
    /// writes the message, the endpoint and their events in one tenant transaction. `nil` when
    /// the claim no longer held.
    private func recordWithVerdict(
        _ delivery: ClaimedDelivery, attempt: WebhookAttempt, result: Result<DeliveryResponse, DeliveryFailure>,
        at now: Date
    ) async throws -> DeliveryVerdict.Next? {
        var message = delivery.message
        let attemptNumber = message.attempts + 1
        let settings = self.settings
        let random = self.random
        return try await database.withTenant(message.tenantID) { scope -> DeliveryVerdict.Next? in
            guard var endpoint = try await scope.webhookEndpoints.find(id: message.endpointID) else { return nil }
            let verdict = DeliveryVerdict.decide(
                attempt: attemptNumber, result: result, failingSince: endpoint.failingSince, now: now,
                schedule: settings.schedule, failureWindow: settings.failureWindow, random: random)
            message.attempts = attemptNumber
            switch verdict.next {
            case .delivered:
                message.status = .delivered
                message.nextAttemptAt = nil
            case .retry(let at):
                message.status = .pending
                message.nextAttemptAt = at
            case .exhausted, .gone:
                message.status = .failed
                message.nextAttemptAt = nil
            }
            guard try await scope.webhookMessages.finishAttempt(attempt, message: message, claim: delivery.claim) else {
                return nil
            }
            if verdict.next == .exhausted {
                try await scope.record(Self.exhaustedEvent(message, attempt: attempt, at: now))
            }
            var changed = false
            if endpoint.failingSince != verdict.failingSince {
                endpoint.failingSince = verdict.failingSince
                changed = true
            }
            if let reason = verdict.disableReason, endpoint.enabled {
                endpoint.enabled = false
                endpoint.disabledReason = reason
                changed = true
                try await scope.record(
                    DomainEvent(
                        tenantID: message.tenantID, type: .webhookEndpointDisabled, occurredAt: now, actor: .system,
                        target: WebhookEndpointService.target(endpoint.id), origin: .none,
                        changes: [
                            "enabled": .init(before: "true", after: "false"),
                            "disabled_reason": .init(before: nil, after: reason),
                        ]))
                try await Self.notifyAdmins(of: endpoint, reason: reason, in: scope)
                _ = try await scope.webhookMessages.park(endpointID: endpoint.id)
            }
            if changed {
                endpoint.updatedAt = now
                try await scope.webhookEndpoints.update(endpoint)
            }
            return verdict.next
        }
    }

    /// The dead letter's event: which message, for which endpoint and event, and how the last
    /// attempt ended.
    static func exhaustedEvent(_ message: WebhookMessage, attempt: WebhookAttempt, at now: Date) -> DomainEvent {
        var changes: [String: AuditEvent.Change] = [
            "status": .init(before: "pending", after: "failed"),
            "endpoint_id": .init(before: nil, after: message.endpointID.description),
            "event_type": .init(before: nil, after: message.eventType.rawValue),
            "attempts": .init(before: nil, after: String(message.attempts)),
        ]
        if let code = attempt.statusCode { changes["last_status_code"] = .init(before: nil, after: String(code)) }
        if let kind = attempt.errorKind { changes["last_error"] = .init(before: nil, after: kind) }
        return DomainEvent(
            tenantID: message.tenantID, type: .messageAttemptExhausted, occurredAt: now, actor: .system,
            target: AuditEvent.Target(type: "webhook_message", id: message.id.description), origin: .none, changes: changes)
    }

    /// Emails the tenant's active owners and admins that the endpoint was disabled.
    static func notifyAdmins(of endpoint: WebhookEndpoint, reason: String, in scope: any TenantTransaction) async throws {
        guard let tenant = try await scope.tenants.find(id: scope.tenantID) else { return }
        for role in [TenantRole.owner, .admin] {
            let members = try await scope.memberships.members(
                MemberFilter(role: .builtIn(role), status: .active), page: PageRequest(limit: PageRequest.maximumLimit))
            for member in members.items {
                let user = try await scope.global.users.find(id: member.membership.userID)
                let style = try await EmailOutbox.style(for: user, tenant: scope.tenantID, scope: scope.global)
                let detail = EmailTemplates.webhookDisabledDetail(
                    host: endpoint.url.host ?? "(no host)", endpoint: endpoint.id.description, reason: reason,
                    language: style.language)
                try await EmailOutbox.enqueue(
                    .webhookEndpointDisabled, to: member.email, name: member.name, style: style,
                    tenant: scope.tenantID, tenantName: tenant.name, link: endpoint.id.description, validFor: "",
                    detail: detail, scope: scope.global)
            }
        }
    }

}

/// Each endpoint's own rate limit, counted per minute in this process (several worker
/// processes each allow the rate; documented in `docs/webhooks.md`).
actor EndpointRateLimiter {
    private var windows: [String: (start: Date, count: Int)] = [:]

    /// `nil` when a delivery to `endpoint` may go now (and counts it), else how long to wait.
    func delay(for endpoint: WebhookEndpoint, perMinute rate: Int, now: Date) -> TimeInterval? {
        let key = "\(endpoint.tenantID)/\(endpoint.id)"
        var window = windows[key] ?? (now, 0)
        if now.timeIntervalSince(window.start) >= 60 || now < window.start { window = (now, 0) }
        guard window.count < rate else { return 60 - now.timeIntervalSince(window.start) }
        window.count += 1
        windows[key] = window
        if windows.count > 10_000 { windows = windows.filter { now.timeIntervalSince($0.value.start) < 60 } }
        return nil
    }
}

/// Runs ``WebhookDelivery`` continuously: keeps up to the concurrency of deliveries in flight,
/// claiming more as slots free up, and when nothing is due looks again after `interval`, or at
/// once when `wakeUp` rings (the fan-out made messages on this node). On graceful
/// shutdown it stops claiming and lets the deliveries in flight finish.
public struct WebhookDeliveryService: Service {
    let delivery: WebhookDelivery
    let interval: Duration
    let wakeUp: Doorbell
    let logger: Logger

    /// Creates the service; `wakeUp` rings when new messages were made on this node.
    public init(
        delivery: WebhookDelivery, interval: Duration = .milliseconds(250), wakeUp: Doorbell = Doorbell(), logger: Logger
    ) {
        self.delivery = delivery
        self.interval = interval
        self.wakeUp = wakeUp
        self.logger = logger
    }

    public func run() async {
        let concurrency = delivery.settings.concurrency
        await withTaskGroup(of: Bool.self) { group in
            var inFlight = 0
            // Claim in batches, an eighth of the slots at least, rather than one message per
            // freed slot: one claim statement then serves several deliveries.
            let batch = max(1, concurrency / 8)
            // Whether the last claim found fewer messages than it asked for: nothing more was
            // due, so the next look waits for the interval or the doorbell.
            var drained = false
            var wokeUp = false
            var timerPending = false
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                let free = concurrency - inFlight
                if free > 0 && (wokeUp || (!drained && (free >= batch || inFlight == 0))) {
                    var claimed: [ClaimedDelivery] = []
                    do {
                        claimed = try await delivery.claim(limit: free)
                    } catch {
                        logger.warning(
                            "webhook delivery could not claim messages; will retry",
                            metadata: ErrorDiagnostics.metadata(for: error))
                    }
                    for item in claimed {
                        inFlight += 1
                        group.addTask {
                            await delivery.deliver(item)
                            return true
                        }
                    }
                    drained = claimed.count < free
                }
                wokeUp = false
                if drained && !timerPending {
                    timerPending = true
                    let (interval, wakeUp) = (self.interval, self.wakeUp)
                    group.addTask {
                        await wakeUp.wait(upTo: interval)
                        return false
                    }
                }
                guard let finished = await group.next() else { continue }
                if finished {
                    inFlight -= 1
                } else {
                    timerPending = false
                    wokeUp = true
                    drained = false
                }
            }
            // Graceful shutdown: the deliveries in flight finish and are recorded.
            while await group.next() != nil {}
        }
    }
}
