public import Foundation
import SQLKit
public import TenantryCore

/// A durable job queue in one table. Workers claim due jobs (PostgreSQL: `FOR UPDATE SKIP
/// LOCKED`, so several workers never take the same job; SQLite: one writer at a time anyway);
/// a claimed job is hidden for a visibility timeout, after which a crashed worker's job becomes
/// claimable again. Handlers must therefore be idempotent.
public struct SQLJobRepository: JobRepository {
    let sql: any SQLDatabase

    /// Adds a job that runs at `runAt` (now, by default).
    @discardableResult
    public func enqueue(queue: String, payload: String, maxAttempts: Int = JobDefaults.maxAttempts, runAt: Date = Date())
        async throws -> UUID
    {
        let id = UUID.version7()
        _ = try await insert(id: id, queue: queue, payload: payload, maxAttempts: maxAttempts, runAt: runAt, singleton: false)
        return id
    }

    /// Adds a job unless `queue` already has one pending or running (for recurring sweeps);
    /// returns whether it added one. The partial unique index `jobs_singleton_idx` decides, so
    /// two nodes enqueueing at once add one job between them.
    @discardableResult
    public func enqueueUnlessQueued(queue: String, payload: String, runAt: Date = Date()) async throws -> Bool {
        try await insert(
            id: UUID.version7(), queue: queue, payload: payload, maxAttempts: JobDefaults.maxAttempts, runAt: runAt,
            singleton: true)
    }

    private func insert(id: UUID, queue: String, payload: String, maxAttempts: Int, runAt: Date, singleton: Bool)
        async throws -> Bool
    {
        let now = Date()
        let rows = try await sql.raw(
            """
            INSERT INTO jobs (id, queue, payload, status, attempts, max_attempts, run_at, locked_until, last_error,
                              created_at, updated_at, singleton, trace_parent)
            VALUES (\(bind: id), \(bind: queue), \(bind: payload), 'pending', 0, \(bind: maxAttempts), \(bind: runAt),
                    NULL, NULL, \(bind: now), \(bind: now), \(bind: singleton), \(bind: Traces.currentTraceParent()))
            ON CONFLICT DO NOTHING
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    /// Claims the next due job of `queue`, hiding it for `visibilityTimeout`.
    public func claim(queue: String, now: Date, visibilityTimeout: TimeInterval) async throws -> QueuedJob? {
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        let rows = try await sql.raw(
            """
            UPDATE jobs SET status = 'running', attempts = attempts + 1,
                locked_until = \(bind: now.addingTimeInterval(visibilityTimeout)), updated_at = \(bind: now)
            WHERE id = (
                SELECT id FROM jobs
                WHERE queue = \(bind: queue)
                  AND ((status = 'pending' AND run_at <= \(bind: now)) OR (status = 'running' AND locked_until < \(bind: now)))
                ORDER BY run_at, id LIMIT 1\(lock)
            )
            RETURNING id, queue, payload, attempts, max_attempts, trace_parent
            """
        ).all()
        return try rows.first.map { row in
            QueuedJob(
                id: try row.decode(column: "id", as: UUID.self),
                queue: try row.decode(column: "queue", as: String.self),
                payload: try row.decode(column: "payload", as: String.self),
                attempts: try row.decode(column: "attempts", as: Int.self),
                maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
                traceParent: try row.decode(column: "trace_parent", as: String?.self)
            )
        }
    }

    /// Keeps a claimed job hidden until `until`; `false` when the claim was lost.
    public func extendClaim(id: UUID, attempt: Int, until: Date, now: Date) async throws -> Bool {
        try await updateClaimed(
            id: id, attempt: attempt, "locked_until = \(bind: until), updated_at = \(bind: now)")
    }

    /// Marks a job done, replacing its payload with `payload` when given (to drop secrets);
    /// `false`, changing nothing, when the claim `attempt` is no longer the job's.
    @discardableResult
    public func complete(id: UUID, attempt: Int, now: Date, payload: String? = nil) async throws -> Bool {
        if let payload {
            return try await updateClaimed(
                id: id, attempt: attempt,
                "status = 'done', locked_until = NULL, payload = \(bind: payload), updated_at = \(bind: now)")
        }
        return try await updateClaimed(
            id: id, attempt: attempt, "status = 'done', locked_until = NULL, updated_at = \(bind: now)")
    }

    /// Records a failure: the job runs again at `retryAt`, or, without one, is dead-lettered;
    /// `false`, changing nothing, when the claim `attempt` is no longer the job's.
    @discardableResult
    public func fail(id: UUID, attempt: Int, error: String, retryAt: Date?, now: Date) async throws -> Bool {
        if let retryAt {
            return try await updateClaimed(
                id: id, attempt: attempt,
                """
                status = 'pending', run_at = \(bind: retryAt), locked_until = NULL, last_error = \(bind: error),
                updated_at = \(bind: now)
                """)
        }
        return try await updateClaimed(
            id: id, attempt: attempt,
            "status = 'dead', locked_until = NULL, last_error = \(bind: error), updated_at = \(bind: now)")
    }

    /// Gives a claimed job back untouched: due at once, the attempt not counted.
    @discardableResult
    public func release(id: UUID, attempt: Int, now: Date) async throws -> Bool {
        try await updateClaimed(
            id: id, attempt: attempt,
            """
            status = 'pending', attempts = attempts - 1, run_at = \(bind: now), locked_until = NULL,
            updated_at = \(bind: now)
            """)
    }

    /// Applies `assignments` to the job only while it is running under the claim `attempt`.
    private func updateClaimed(id: UUID, attempt: Int, _ assignments: SQLQueryString) async throws -> Bool {
        let rows = try await sql.raw(
            """
            UPDATE jobs SET \(assignments)
            WHERE id = \(bind: id) AND status = 'running' AND attempts = \(bind: attempt)
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    /// A job's status and attempts, for tests and operators.
    public func status(id: UUID) async throws -> (status: JobStatus, attempts: Int, lastError: String?)? {
        guard let row = try await sql.raw("SELECT status, attempts, last_error FROM jobs WHERE id = \(bind: id)").first() else {
            return nil
        }
        return (
            try row.enumeration("status", as: JobStatus.self),
            try row.decode(column: "attempts", as: Int.self),
            try row.decode(column: "last_error", as: String?.self)
        )
    }
}
