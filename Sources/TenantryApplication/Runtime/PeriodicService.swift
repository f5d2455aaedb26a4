public import Logging
public import ServiceLifecycle
import TenantryCore

/// A background loop: runs its work every `interval` (and, if asked, once at start-up) until
/// the service group shuts down, then optionally runs a final piece of work once.
///
/// Every background loop is one of these, so they all stop the same way:
/// - a graceful shutdown ends the wait for the next tick at once (a tick already running
///   finishes first), then the final work runs once, e.g. to write counts noted since the last
///   tick;
/// - cancellation ends the loop promptly and skips the final work (the process is going away
///   without ceremony);
/// - a failing tick is logged as a warning, with ``ErrorDiagnostics/metadata(for:)``, and the
///   work is tried again at the next tick.
public struct PeriodicService: Service {
    /// Names the loop in logs (`service.name`).
    public let name: String
    /// The wait between the end of one tick and the start of the next.
    public let interval: Duration
    /// Whether the work also runs once at start-up, before the first wait.
    public let runsAtStart: Bool
    let logger: Logger
    let failureMessage: Logger.Message
    let work: @Sendable () async throws -> Void
    let finalWork: (@Sendable () async throws -> Void)?

    /// Creates the loop.
    /// - Parameters:
    ///   - name: names the loop in logs.
    ///   - interval: the wait between ticks.
    ///   - runsAtStart: whether the work also runs once before the first wait.
    ///   - logger: where failures are logged.
    ///   - failureMessage: the warning logged when a tick fails; `"<name> failed; will retry"`
    ///     when `nil`.
    ///   - work: one tick's work.
    ///   - finalWork: work run once after a graceful shutdown ended the loop; none when `nil`.
    public init(
        name: String,
        interval: Duration,
        runsAtStart: Bool = false,
        logger: Logger,
        failureMessage: Logger.Message? = nil,
        work: @escaping @Sendable () async throws -> Void,
        finalWork: (@Sendable () async throws -> Void)? = nil
    ) {
        self.name = name
        self.interval = interval
        self.runsAtStart = runsAtStart
        self.logger = logger
        self.failureMessage = failureMessage ?? "\(name) failed; will retry"
        self.work = work
        self.finalWork = finalWork
    }

    /// Runs ticks until graceful shutdown or cancellation, then the final work after a
    /// graceful shutdown.
    public func run() async {
        await cancelWhenGracefulShutdown { await loop() }
        guard let finalWork, !Task.isCancelled else { return }
        await attempt(finalWork)
    }

    private func loop() async {
        if runsAtStart, !Task.isCancelled { await attempt(work) }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            await attempt(work)
        }
    }

    private func attempt(_ operation: @Sendable () async throws -> Void) async {
        do {
            try await operation()
        } catch {
            // A tick interrupted by shutdown did not fail.
            if error is CancellationError, Task.isCancelled { return }
            var metadata = ErrorDiagnostics.metadata(for: error)
            metadata["service.name"] = .string(name)
            logger.warning(failureMessage, metadata: metadata)
        }
    }
}
