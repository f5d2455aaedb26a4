public import Foundation
public import TenantryCore

/// Prunes the outbox: deletes the domain events of every tenant that occurred and were
/// consumed longer ago than the retention (`TENANTRY_EVENT_RETENTION`). An event that a
/// consumer has not handled yet is never deleted, however old. Works in the platform scope, in
/// batches, each its own short transaction, until a batch comes back short; running it on
/// several nodes at once is harmless (they delete disjoint or already-deleted rows).
public struct EventRetention: Sendable {
    /// How long a consumed event is kept.
    public let retention: Duration
    /// The most events one transaction deletes.
    public let batchSize: Int
    let database: any DataStore

    /// Creates the use case.
    /// - Parameters:
    ///   - database: where the outboxes live.
    ///   - retention: how long a consumed event is kept.
    ///   - batchSize: the most events one transaction deletes.
    public init(database: any DataStore, retention: Duration, batchSize: Int = 1000) {
        self.database = database
        self.retention = retention
        self.batchSize = max(1, batchSize)
    }

    /// The moment before which consumed events are deleted, at `now`.
    public func cutoff(at now: Date) -> Date {
        let (seconds, attoseconds) = retention.components
        return now.addingTimeInterval(-(Double(seconds) + Double(attoseconds) / 1e18))
    }

    /// Deletes every consumed event older than the retention at `now`; returns how many.
    @discardableResult
    public func prune(now: Date = Date()) async throws -> Int {
        let cutoff = cutoff(at: now)
        var total = 0
        while true {
            let deleted = try await database.withPlatform { scope in
                try await scope.tenantEvents.deleteConsumed(before: cutoff, limit: batchSize)
            }
            total += deleted
            if deleted < batchSize { return total }
        }
    }
}
