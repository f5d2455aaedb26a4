public import ServiceLifecycle
import Synchronization

/// Whether the server is draining: set as soon as a graceful shutdown begins, so
/// `/health/ready` answers 503 and a load balancer stops sending requests while the listener
/// still accepts them (for ``DrainSignal``'s delay).
public final class DrainState: Sendable {
    private let draining = Atomic<Bool>(false)

    /// Creates a state that is not draining.
    public init() {}

    /// Marks the server draining.
    public func begin() { draining.store(true, ordering: .releasing) }

    /// Whether a graceful shutdown has begun.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }
}

/// The first service a graceful shutdown reaches (it is listed last in the group): it marks the
/// server draining, then waits `delay` before the HTTP listener (listed before it) is told to
/// stop, so readiness turns to 503 while connections are still accepted.
public struct DrainSignal: Service {
    let state: DrainState
    let delay: Duration

    /// Creates the service.
    public init(state: DrainState, delay: Duration) {
        self.state = state
        self.delay = delay
    }

    public func run() async throws {
        // Suspends until the group begins its graceful shutdown (or is cancelled).
        try? await gracefulShutdown()
        state.begin()
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}
