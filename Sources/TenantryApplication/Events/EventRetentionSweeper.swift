public import Logging
public import ServiceLifecycle

/// Runs ``EventRetention`` every `interval` (default an hour) and once at start-up: consumed
/// domain events older than the retention leave the outbox, unconsumed ones stay. `serve` runs
/// it on every node; nodes sweeping at once delete disjoint or already-deleted rows.
public struct EventRetentionSweeper: Service {
    let retention: EventRetention
    let interval: Duration
    let logger: Logger

    /// Creates the sweeper.
    public init(retention: EventRetention, interval: Duration = .seconds(3600), logger: Logger) {
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    public func run() async {
        await PeriodicService(
            name: "domain event retention", interval: interval, runsAtStart: true, logger: logger,
            failureMessage: "pruning consumed domain events failed; will retry"
        ) {
            let removed = try await retention.prune()
            if removed > 0 { logger.info("consumed domain events pruned", metadata: ["events.removed": "\(removed)"]) }
        }.run()
    }
}
