import Synchronization

/// Wakes a background loop early: `ring()` from anywhere, `wait(upTo:)` in the loop, which
/// returns at the first ring or when the time is up, whichever comes first. A ring while
/// nobody waits is kept for the next wait (one at most), so a wake-up is never lost; a spurious
/// one only costs the loop one early look. One loop waits on a doorbell at a time.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Creates a doorbell that has not rung.
    public init() {}

    /// Wakes the waiting loop, or the next one to wait.
    public func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when the doorbell rings, or after `timeout`.
    public func wait(upTo timeout: Duration) async {
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { ring() }
        }
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
        timer.cancel()
    }
}
