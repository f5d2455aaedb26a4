public import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Handles the jobs of one queue. Handlers must be idempotent: a job whose worker crashed runs
/// again after its visibility timeout.
public protocol JobHandler: Sendable {
    /// The queue this handler serves.
    var queue: String { get }
    /// Runs one job. Throw ``JobFailure`` to say whether a retry could help; any other error is
    /// treated as temporary.
    func handle(payload: String) async throws
    /// What to keep of the payload once the job is done (e.g. drop secrets). `nil` keeps it.
    func redactedPayload(_ payload: String) -> String?
}

/// A job failed; `permanent` sends it straight to the dead letters.
public struct JobFailure: Error, Sendable {
    /// Whether retrying cannot help.
    public var permanent: Bool
    /// What happened, safe to store and log.
    public var reason: String

    /// Creates a failure.
    public init(permanent: Bool, reason: String) {
        self.permanent = permanent
        self.reason = reason
    }
}

/// Drains one queue of the durable job table: claims due jobs one at a time, runs the handler,
/// and records success, a retry with exponential back-off and jitter, or a dead letter after the
/// last attempt. Polls when idle. Stops between jobs on graceful shutdown, so an accepted job is
/// never abandoned half-way by a clean stop (a crash leaves it to the visibility timeout).
public struct JobWorker: Service {
    let database: any DataStore
    let handler: any JobHandler
    let logger: Logger
    let pollInterval: Duration
    let visibilityTimeout: TimeInterval
    let baseRetryDelay: TimeInterval

    /// Creates a worker.
    public init(
        database: any DataStore,
        handler: any JobHandler,
        logger: Logger,
        pollInterval: Duration = .milliseconds(500),
        visibilityTimeout: TimeInterval = 120,
        baseRetryDelay: TimeInterval = 5
    ) {
        self.database = database
        self.handler = handler
        self.logger = logger
        self.pollInterval = pollInterval
        self.visibilityTimeout = visibilityTimeout
        self.baseRetryDelay = baseRetryDelay
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let worked: Bool
            do {
                worked = try await runOnce()
            } catch {
                logger.warning(
                    "job worker could not reach the queue",
                    metadata: ErrorDiagnostics.metadata(for: error).merging(["queue": "\(handler.queue)"]) { $1 }
                )
                worked = false
            }
            if !worked {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
            }
        }
    }

    /// Claims and runs at most one due job; returns whether there was one.
    @discardableResult
    public func runOnce(now: Date = Date()) async throws -> Bool {
        let queue = handler.queue
        let timeout = visibilityTimeout
        guard
            let job = try await database.withGlobal({ scope in
                try await scope.jobs.claim(queue: queue, now: now, visibilityTimeout: timeout)
            })
        else { return false }
        // With tracing on, the job runs in a span under the trace of the work that enqueued it.
        try await Traces.deferred("job \(queue)", traceParent: job.traceParent) { try await run(job, queue: queue) }
        return true
    }

    /// Runs a claimed job's handler and records its outcome.
    private func run(_ job: QueuedJob, queue: String) async throws {
        do {
            try await handler.handle(payload: job.payload)
            let redacted = handler.redactedPayload(job.payload)
            try await database.withGlobal { scope in
                try await scope.jobs.complete(id: job.id, now: Date(), payload: redacted)
            }
            logger.info("job done", metadata: ["queue": "\(queue)", "job.id": "\(job.id)", "job.attempts": "\(job.attempts)"])
        } catch {
            let failure = (error as? JobFailure) ?? JobFailure(permanent: false, reason: String(reflecting: type(of: error)))
            let last = failure.permanent || job.attempts >= job.maxAttempts
            let retryAt = last ? nil : Date().addingTimeInterval(retryDelay(afterAttempt: job.attempts))
            try await database.withGlobal { scope in
                try await scope.jobs.fail(id: job.id, error: failure.reason, retryAt: retryAt, now: Date())
            }
            logger.warning(
                last ? "job dead-lettered" : "job failed; will retry",
                metadata: [
                    "queue": "\(queue)", "job.id": "\(job.id)", "job.attempts": "\(job.attempts)",
                    "error.reason": "\(failure.reason)",
                ]
            )
        }
    }

    /// Exponential back-off (base × 2^(attempt−1)) with ±50 % jitter, at most an hour.
    public func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
        let exponential = baseRetryDelay * pow(2, Double(min(max(0, attempt - 1), 30)))
        return min(3600, exponential * Double.random(in: 0.5...1.5))
    }
}
