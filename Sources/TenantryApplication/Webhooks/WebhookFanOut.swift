public import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Turns recorded events into webhook messages (decision 0019): takes a batch of unconsumed
/// events from every tenant's outbox, makes one message per event and enabled endpoint whose
/// filter lets it through, and marks the events consumed, all in one transaction. An event is
/// never lost (it stays unconsumed until its messages exist) and never makes a message twice
/// (one per event and endpoint, by a unique key). Several nodes may run it at once: on
/// PostgreSQL each takes events the others have not locked.
public struct WebhookFanOut: Sendable {
    let database: any DataStore
    /// The most events one transaction handles.
    public let batchSize: Int

    /// Creates the use case.
    public init(database: any DataStore, batchSize: Int = 200) {
        self.database = database
        self.batchSize = max(1, batchSize)
    }

    /// Handles one batch; returns how many events it consumed and how many messages it made.
    @discardableResult
    public func runBatch(now: Date = Date()) async throws -> (events: Int, messages: Int) {
        let batchSize = self.batchSize
        return try await database.withPlatform { scope in
            let events = try await scope.webhookFanOut.unconsumedEvents(limit: batchSize)
            guard !events.isEmpty else { return (0, 0) }
            let endpoints = try await scope.webhookFanOut.enabledEndpoints(of: Set(events.map(\.tenantID)))
            let byTenant = Dictionary(grouping: endpoints, by: \.tenantID)
            var messages: [WebhookMessage] = []
            for event in events {
                for endpoint in byTenant[event.tenantID] ?? [] where Self.sends(event.type, to: endpoint) {
                    messages.append(WebhookMessage.make(for: event, to: endpoint.id, at: now))
                }
            }
            try await scope.webhookFanOut.insert(messages)
            try await scope.webhookFanOut.markConsumed(events, at: now)
            return (events.count, messages.count)
        }
    }

    /// Whether an event of `type` becomes a message for `endpoint`: its filter lets the type
    /// through, and events about deliveries (the `message` group, such as
    /// `message.attempt.exhausted`) go only to endpoints that are not failing, so a failing
    /// endpoint's dead letters never make more messages that fail.
    static func sends(_ type: EventType, to endpoint: WebhookEndpoint) -> Bool {
        guard endpoint.filter.matches(type) else { return false }
        return type.group != "message" || endpoint.failingSince == nil
    }

    /// Handles batches until the outbox has no unconsumed event; returns the messages made.
    @discardableResult
    public func drain(now: Date = Date()) async throws -> Int {
        var made = 0
        while true {
            let (events, messages) = try await runBatch(now: now)
            made += messages
            if events < batchSize { return made }
        }
    }
}

/// Runs ``WebhookFanOut`` every `interval` (default a quarter of a second), and at once when
/// `wakeUp` rings (this node recorded events), so a message exists soon after its event
/// commits; rings `delivered` when it made messages, so they go out at once. `serve` runs it
/// on every node.
public struct WebhookFanOutService: Service {
    let fanOut: WebhookFanOut
    let interval: Duration
    let wakeUp: Doorbell
    let made: Doorbell?
    let logger: Logger

    /// Creates the service.
    public init(
        fanOut: WebhookFanOut, interval: Duration = .milliseconds(250), wakeUp: Doorbell = Doorbell(), made: Doorbell? = nil,
        logger: Logger
    ) {
        self.fanOut = fanOut
        self.interval = interval
        self.wakeUp = wakeUp
        self.made = made
        self.logger = logger
    }

    /// A doorbell rung whenever this node records events (the local notice
    /// ``ChangeNotice/eventsRecorded`` on `changes`).
    public static func doorbell(following changes: ChangeBus) -> Doorbell {
        let bell = Doorbell()
        changes.subscribe(
            ChangeBus.Subscriber(
                receive: { notice in
                    if case .eventsRecorded = notice { bell.ring() }
                }, reset: { _ in }))
        return bell
    }

    public func run() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                if try await fanOut.drain() > 0 { made?.ring() }
            } catch {
                logger.warning(
                    "making webhook messages from events failed; will retry", metadata: ErrorDiagnostics.metadata(for: error))
            }
            await wakeUp.wait(upTo: interval)
        }
    }
}
