public import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Deletes expired `Idempotency-Key` records. Expiry is also checked on every use of a key, so
/// the sweep only keeps the table small: every five minutes it deletes expired rows in batches,
/// each batch its own short transaction, until a batch comes back short. Running it on several
/// nodes at once is harmless (they delete disjoint or already-deleted rows).
public struct IdempotencyRecordSweeper: Service {
    let database: any DataStore
    let logger: Logger
    let interval: Duration
    let batchSize: Int
    let now: @Sendable () -> Date

    /// Creates a sweeper.
    public init(
        database: any DataStore,
        logger: Logger,
        interval: Duration = .seconds(300),
        batchSize: Int = 1000,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.logger = logger
        self.interval = interval
        self.batchSize = batchSize
        self.now = now
    }

    public func run() async {
        await PeriodicService(
            name: "idempotency record sweep", interval: interval, logger: logger,
            failureMessage: "sweeping expired idempotency records failed; will retry"
        ) {
            _ = try await runOnce()
        }.run()
    }

    /// Deletes every record expired by now; returns how many.
    @discardableResult
    public func runOnce() async throws -> Int {
        var total = 0
        while true {
            let cutoff = now()
            let deleted = try await database.withGlobal { scope in
                try await scope.idempotencyRecords.deleteExpired(before: cutoff, limit: batchSize)
            }
            total += deleted
            if deleted < batchSize { break }
        }
        if total > 0 { logger.debug("expired idempotency records deleted", metadata: ["count": "\(total)"]) }
        return total
    }
}
