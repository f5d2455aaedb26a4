import Synchronization

/// How busy a database client's connections are, for metrics: how many callers hold a
/// connection (PostgreSQL) or the one connection's lock (SQLite) now, how many wait for one, and
/// how long each waited. Counted by the client around every unit of work; metrics read the two
/// counts when scraped and hear each wait as it ends.
public final class DatabasePoolActivity: Sendable {
    private let inUse = Atomic<Int>(0)
    private let waiting = Atomic<Int>(0)
    private let waitObservers = Mutex<[@Sendable (Duration) -> Void]>([])

    /// Creates idle counts.
    public init() {}

    /// Callers holding a connection now.
    public var connectionsInUse: Int { inUse.load(ordering: .relaxed) }

    /// Callers waiting for a connection now.
    public var waiters: Int { waiting.load(ordering: .relaxed) }

    /// Calls `observer` with each wait for a connection, once it ends.
    public func observeWaits(_ observer: @escaping @Sendable (Duration) -> Void) {
        waitObservers.withLock { $0.append(observer) }
    }

    /// A caller began to wait for a connection.
    struct Wait {
        let started: ContinuousClock.Instant
        /// Set once the caller holds the connection.
        var holding = false
    }

    /// Counts a caller that starts waiting for a connection.
    func beginWait() -> Wait {
        waiting.add(1, ordering: .relaxed)
        return Wait(started: .now)
    }

    /// The caller got its connection: it stops waiting and holds one.
    func acquired(_ wait: inout Wait) {
        wait.holding = true
        waiting.subtract(1, ordering: .relaxed)
        inUse.add(1, ordering: .relaxed)
        let waited = ContinuousClock.now - wait.started
        for observer in waitObservers.withLock({ $0 }) { observer(waited) }
    }

    /// The caller is done: it gives its connection back, or gives up waiting.
    func end(_ wait: Wait) {
        if wait.holding {
            inUse.subtract(1, ordering: .relaxed)
        } else {
            waiting.subtract(1, ordering: .relaxed)
        }
    }
}
