public import Foundation
import Synchronization
import TenantryCore

/// Counts attempts per key in fixed windows and says when a key is over its limit: used for
/// failed sign-ins (per account and per IP), registrations and recovery emails (per IP).
/// In memory: one node's counts; losing them on restart only forgives attempts.
public final class AttemptLimiter: Sendable {
    /// Attempts allowed per window.
    public let limit: Int
    /// The window length in seconds.
    public let window: TimeInterval
    private let counts = Mutex<[String: (start: Date, count: Int)]>([:])

    /// Creates a limiter of `limit` attempts per `window` seconds.
    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until `key` may try again, or `nil` when it is under the limit.
    public func retryAfter(_ key: String, now: Date = Date()) -> Int? {
        counts.withLock { counts in
            guard let entry = counts[key], now.timeIntervalSince(entry.start) < window, entry.count >= limit else { return nil }
            return max(1, Int((entry.start.addingTimeInterval(window).timeIntervalSince(now)).rounded(.up)))
        }
    }

    /// Records an attempt for `key`.
    public func record(_ key: String, now: Date = Date()) {
        counts.withLock { counts in
            if let entry = counts[key], now.timeIntervalSince(entry.start) < window {
                counts[key] = (entry.start, entry.count + 1)
            } else {
                counts[key] = (now, 1)
            }
            if counts.count > 100_000 {
                counts = counts.filter { now.timeIntervalSince($0.value.start) < window }
            }
        }
    }

    /// Forgets `key` (e.g. after a successful sign-in).
    public func reset(_ key: String) {
        _ = counts.withLock { $0.removeValue(forKey: key) }
    }

    /// Throws 429 `rate_limited` with the wait when any of `keys` is over the limit.
    public func check(_ keys: [String], now: Date = Date()) throws {
        let waits = keys.compactMap { retryAfter($0, now: now) }
        if let wait = waits.max() {
            throw TenantryError(
                .rateLimited,
                "Too many attempts; retry in \(wait) seconds.",
                detail: .retryAfter(seconds: wait)
            )
        }
    }
}
