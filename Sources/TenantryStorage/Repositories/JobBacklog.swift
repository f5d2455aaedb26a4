public import Foundation
import SQLKit

/// What waits in the job table, per queue, for the queue metrics: a read of its own beside the
/// queue's repository (``SQLJobRepository``), which only workers change.
public struct SQLJobBacklog: Sendable {
    let sql: any SQLDatabase

    /// One queue's waiting jobs.
    public struct Queue: Sendable, Equatable {
        /// The queue (the job kind, e.g. `email`).
        public var name: String
        /// Jobs due to run now and not held by a worker (a crashed worker's jobs included).
        public var due: Int
        /// When the longest-waiting of them became due.
        public var oldestDueAt: Date
    }

    /// The queues with jobs due at `now`.
    public func due(at now: Date) async throws -> [Queue] {
        try await sql.raw(
            """
            SELECT queue, count(*) AS due, min(run_at) AS oldest FROM jobs
            WHERE (status = 'pending' AND run_at <= \(bind: now)) OR (status = 'running' AND locked_until < \(bind: now))
            GROUP BY queue
            """
        ).all().map { row in
            Queue(
                name: try row.decode(column: "queue", as: String.self),
                due: try row.decode(column: "due", as: Int.self),
                oldestDueAt: try row.decode(column: "oldest", as: Date.self))
        }
    }
}
