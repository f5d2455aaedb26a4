import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Queues one job every `interval` (and at start-up when `runsAtStart`), unless one of its
/// queue is already waiting or running: several nodes may each queue one, so the job it
/// queues must be idempotent. The one way a periodic sweep becomes a job.
public struct JobSchedule: Service {
    let name: String
    let queue: String
    let payload: String
    let database: any DataStore
    let interval: Duration
    let runsAtStart: Bool
    let failureMessage: Logger.Message
    let logger: Logger

    /// Creates the schedule of `queue`'s job with `payload`.
    public init(
        name: String, queue: String, payload: String = "{}", database: any DataStore, interval: Duration,
        runsAtStart: Bool, failureMessage: Logger.Message, logger: Logger
    ) {
        self.name = name
        self.queue = queue
        self.payload = payload
        self.database = database
        self.interval = interval
        self.runsAtStart = runsAtStart
        self.failureMessage = failureMessage
        self.logger = logger
    }

    public func run() async {
        await PeriodicService(
            name: name, interval: interval, runsAtStart: runsAtStart, logger: logger, failureMessage: failureMessage
        ) {
            _ = try await enqueue()
        }.run()
    }

    /// Queues one job unless one is pending or running; returns whether it queued one.
    @discardableResult
    public func enqueue() async throws -> Bool {
        try await database.withGlobal { scope in
            try await scope.jobs.enqueueUnlessQueued(queue: queue, payload: payload, runAt: Date())
        }
    }
}
