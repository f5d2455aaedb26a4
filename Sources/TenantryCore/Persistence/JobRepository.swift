public import Foundation

/// A durable job queue in one table. Workers claim due jobs (PostgreSQL: `FOR UPDATE SKIP
/// LOCKED`, so several workers never take the same job; SQLite: one writer at a time anyway);
/// a claimed job is hidden for a visibility timeout, after which a crashed worker's job becomes
/// claimable again. Handlers must therefore be idempotent.
public protocol JobRepository: Sendable {
    /// Adds a job that runs at `runAt` (now, by default).
    @discardableResult
    func enqueue(queue: String, payload: String, maxAttempts: Int, runAt: Date) async throws -> UUID
    /// Adds a job unless `queue` already has one pending or running (for recurring sweeps);
    /// returns whether it added one. A unique index decides, so two nodes enqueueing at once
    /// add one job between them.
    @discardableResult
    func enqueueUnlessQueued(queue: String, payload: String, runAt: Date) async throws -> Bool
    /// Claims the next due job of `queue`, hiding it for `visibilityTimeout`. The claim is the
    /// job's attempt number (``QueuedJob/attempts``): every later call about this run names it,
    /// so a worker whose claim lapsed and was taken over can no longer change the job.
    func claim(queue: String, now: Date, visibilityTimeout: TimeInterval) async throws -> QueuedJob?
    /// Keeps a claimed job hidden until `until` (a worker's heartbeat while a long job runs);
    /// returns `false` when the claim was lost (the job was taken over or finished elsewhere).
    func extendClaim(id: UUID, attempt: Int, until: Date, now: Date) async throws -> Bool
    /// Marks a job done, replacing its payload with `payload` when given (to drop secrets);
    /// returns `false`, changing nothing, when the claim `attempt` is no longer the job's.
    @discardableResult
    func complete(id: UUID, attempt: Int, now: Date, payload: String?) async throws -> Bool
    /// Records a failure: the job runs again at `retryAt`, or, without one, is dead-lettered;
    /// returns `false`, changing nothing, when the claim `attempt` is no longer the job's.
    @discardableResult
    func fail(id: UUID, attempt: Int, error: String, retryAt: Date?, now: Date) async throws -> Bool
    /// Gives a claimed job back untouched (a worker stopping before it could run or finish it):
    /// it is due again at once, and the attempt is not counted. Returns `false` when the claim
    /// was already lost.
    @discardableResult
    func release(id: UUID, attempt: Int, now: Date) async throws -> Bool
    /// A job's status and attempts, for tests and operators.
    func status(id: UUID) async throws -> (status: JobStatus, attempts: Int, lastError: String?)?
}

/// A claimed job.
public struct QueuedJob: Sendable, Equatable {
    /// The job's id.
    public var id: UUID
    /// The queue it belongs to (e.g. `email`).
    public var queue: String
    /// The handler's input, as JSON text.
    public var payload: String
    /// Attempts so far, including this one.
    public var attempts: Int
    /// Attempts allowed before the job is dead-lettered.
    public var maxAttempts: Int
    /// The W3C `traceparent` of the work that enqueued it (with tracing on), the parent of the
    /// job's span.
    public var traceParent: String?

    /// Creates a value.
    public init(id: UUID, queue: String, payload: String, attempts: Int, maxAttempts: Int, traceParent: String? = nil) {
        self.id = id
        self.queue = queue
        self.payload = payload
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.traceParent = traceParent
    }
}

/// A job's state, for inspection.
public enum JobStatus: String, Sendable {
    case pending, running, done, dead
}

/// Settings every queue shares unless a job says otherwise.
public enum JobDefaults {
    /// How many times a job is tried before it is marked failed.
    public static let maxAttempts = 8
}
