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
/// last attempt. Polls when idle. Stops between jobs on graceful shutdown, so a claimed job
/// finishes (or, if the shutdown outlasts its timeout and cancels the worker, is released); a
/// crash leaves it to the visibility timeout, which a heartbeat keeps ahead of a running job.
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
    ///
    /// While the handler runs, a heartbeat extends the claim every third of the visibility
    /// timeout, so a long job is not taken over by another worker; every write about the job
    /// names the claim (its attempt number), so a worker whose claim did lapse changes nothing.
    /// A worker cancelled mid-job (a shutdown past its timeout) gives the job back uncounted.
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

    /// Runs a claimed job's handler, holding its claim, and records its outcome.
    private func run(_ job: QueuedJob, queue: String) async throws {
        let metadata: Logger.Metadata = ["queue": "\(queue)", "job.id": "\(job.id)", "job.attempts": "\(job.attempts)"]
        switch await runHoldingClaim(job) {
        case .lostClaim:
            logger.warning("job claim lost to another worker; stopped this run", metadata: metadata)
        case .finished(.success):
            let redacted = handler.redactedPayload(job.payload)
            let recorded = try await database.withGlobal { scope in
                try await scope.jobs.complete(id: job.id, attempt: job.attempts, now: Date(), payload: redacted)
            }
            if recorded {
                logger.info("job done", metadata: metadata)
            } else {
                logger.warning("job finished after its claim was lost; another worker has it", metadata: metadata)
            }
        case .finished(.failure(let error)) where error is CancellationError && Task.isCancelled:
            // The worker is being cancelled: hand the job back in a task of its own, which the
            // cancellation does not reach, so the release itself is not cancelled.
            let database = self.database
            let released = try await Task {
                try await database.withGlobal { scope in
                    try await scope.jobs.release(id: job.id, attempt: job.attempts, now: Date())
                }
            }.value
            logger.notice(released ? "job released at shutdown" : "job claim already lost at shutdown", metadata: metadata)
        case .finished(.failure(let error)):
            let failure = (error as? JobFailure) ?? JobFailure(permanent: false, reason: String(reflecting: type(of: error)))
            let last = failure.permanent || job.attempts >= job.maxAttempts
            let retryAt = last ? nil : Date().addingTimeInterval(retryDelay(afterAttempt: job.attempts))
            let recorded = try await database.withGlobal { scope in
                try await scope.jobs.fail(id: job.id, attempt: job.attempts, error: failure.reason, retryAt: retryAt, now: Date())
            }
            logger.warning(
                !recorded
                    ? "job failed after its claim was lost; another worker has it"
                    : last ? "job dead-lettered" : "job failed; will retry",
                metadata: metadata.merging(["error.reason": "\(failure.reason)"]) { $1 }
            )
        }
    }

    private enum RunOutcome: Sendable {
        case finished(Result<Void, any Error>)
        case lostClaim
    }

    /// Runs the handler beside a heartbeat that extends the claim; whichever ends first wins,
    /// and the other is cancelled (the handler when the claim was lost).
    private func runHoldingClaim(_ job: QueuedJob) async -> RunOutcome {
        let handler = self.handler
        let database = self.database
        let timeout = visibilityTimeout
        let beat = Duration.milliseconds(Int(max(0.05, timeout / 3) * 1000))
        return await withTaskGroup(of: RunOutcome?.self) { group in
            group.addTask {
                do {
                    try await handler.handle(payload: job.payload)
                    return .finished(.success(()))
                } catch {
                    return .finished(.failure(error))
                }
            }
            group.addTask {
                while true {
                    do { try await Task.sleep(for: beat) } catch { return nil }
                    // A failed heartbeat (the database unreachable for a moment) keeps going:
                    // only a claim that is positively lost stops the job. The write runs in a
                    // task of its own, so the handler finishing (which cancels this loop) never
                    // interrupts a transaction half-way.
                    let kept =
                        (try? await Task {
                            try await database.withGlobal { scope in
                                try await scope.jobs.extendClaim(
                                    id: job.id, attempt: job.attempts, until: Date().addingTimeInterval(timeout),
                                    now: Date())
                            }
                        }.value) ?? true
                    if !kept { return .lostClaim }
                }
            }
            var outcome = RunOutcome.lostClaim
            if let first = await group.next(), let first { outcome = first }
            group.cancelAll()
            return outcome
        }
    }

    /// Exponential back-off (base × 2^(attempt−1)) with ±50 % jitter, at most an hour.
    public func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
        let exponential = baseRetryDelay * pow(2, Double(min(max(0, attempt - 1), 30)))
        return min(3600, exponential * Double.random(in: 0.5...1.5))
    }
}
