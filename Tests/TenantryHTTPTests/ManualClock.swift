import Foundation
import Synchronization

/// A clock the test moves by hand: `now` is the wall clock plus the moves, `seconds` a
/// monotonic reading (as the rate limiter takes it) that moves only when the test moves it.
final class ManualClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)

    /// The wall clock, moved by every ``advance(by:)`` so far.
    var now: Date { Date().addingTimeInterval(offset.withLock { $0 }) }

    /// Seconds on a clock that stands still between moves (starting at 1,000).
    var seconds: Double { 1000 + offset.withLock { $0 } }

    /// Moves the clock forward.
    func advance(by seconds: TimeInterval) {
        offset.withLock { $0 += seconds }
    }
}
