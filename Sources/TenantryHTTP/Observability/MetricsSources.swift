public import Foundation
public import Logging
public import TenantryApplication
public import TenantryStorage

extension TenantryMetrics {
    /// Follows a database client's connections: each wait is recorded as it ends, the counts
    /// of connections in use and of waiters are read at each scrape.
    public func follow(_ pool: DatabasePoolActivity) {
        let acquireDuration = databaseAcquireDuration
        pool.observeWaits { waited in acquireDuration.record(waited) }
        let (inUse, waiters) = (databaseConnectionsInUse, databaseWaiters)
        addCollector {
            inUse.set(to: Double(pool.connectionsInUse))
            waiters.set(to: Double(pool.waiters))
        }
    }
}

/// Keeps `tenantry_jobs_queued` and `tenantry_jobs_oldest_age_seconds` current: reads the job
/// table's backlog every `interval` (a scrape never waits for the database).
public struct JobBacklogMetrics: Sendable {
    let database: any DatabaseClient
    let metrics: TenantryMetrics

    /// Creates the reader of `database`'s job table into `metrics`.
    public init(database: any DatabaseClient, metrics: TenantryMetrics) {
        self.database = database
        self.metrics = metrics
    }

    /// Reads the backlog once and sets the gauges.
    public func refresh(now: Date = Date()) async throws {
        let queues = try await database.readGlobal { scope in try await scope.jobBacklog.due(at: now) }
        metrics.jobBacklog(
            queues.map { (kind: $0.name, queued: $0.due, oldestAgeSeconds: max(0, now.timeIntervalSince($0.oldestDueAt))) })
    }

    /// The loop that refreshes the gauges every `interval`, the first time at start-up.
    public func service(interval: Duration = .seconds(15), logger: Logger) -> PeriodicService {
        let reader = self
        return PeriodicService(
            name: "job queue metrics", interval: interval, runsAtStart: true, logger: logger,
            failureMessage: "reading the job queue for metrics failed; will retry"
        ) { try await reader.refresh() }
    }
}
