import Foundation
import Synchronization
public import TenantryCore

/// What a limit applies to. The policy name appears in the `RateLimit` headers.
public enum RateLimitKey: Hashable, Sendable {
    /// A tenant: every request in it.
    case tenant(TenantID)
    /// One API key's requests.
    case apiKey(APIKeyID)
    /// One client address on the unauthenticated routes.
    case clientIP(String)

    /// The policy name shown to clients: `tenant`, `api_key` or `ip`.
    public var policyName: String {
        switch self {
        case .tenant: "tenant"
        case .apiKey: "api_key"
        case .clientIP: "ip"
        }
    }
}

/// A limit: `quota` requests per `window` seconds, of which all may come at once (the burst is
/// the quota), refilled evenly over the window.
public struct RateLimitPolicy: Sendable, Equatable {
    /// Requests per window.
    public var quota: Int
    /// The window in seconds.
    public var window: Int

    /// Creates a policy; `quota` and `window` are at least 1.
    public init(quota: Int, window: Int = 60) {
        self.quota = max(1, quota)
        self.window = max(1, window)
    }
}

/// The answer for one request under one policy.
public struct RateLimitDecision: Sendable, Equatable {
    /// Whether the request may proceed.
    public var allowed: Bool
    /// Requests still allowed right now.
    public var remaining: Int
    /// Seconds until the quota is whole again (allowed), or until the next request is allowed
    /// (refused; also the `Retry-After`).
    public var resetSeconds: Int
}

/// Decides whether a request fits its limit. Implementations keep the state: in memory for one
/// node (``GCRARateLimiter``), or, later, shared through PostgreSQL by several nodes (see
/// docs/decisions/0016). `async` so a shared implementation can reach its store; the in-memory
/// one never suspends.
public protocol RateLimiter: Sendable {
    /// Takes one request from `key`'s allowance under `policy`, or refuses it.
    func acquire(_ key: RateLimitKey, policy: RateLimitPolicy) async -> RateLimitDecision
}

/// The generic cell rate algorithm in memory: per key one number, the theoretical arrival time
/// (TAT) of the next request. A request at `now` is allowed when `TAT − now ≤ window − interval`
/// (interval = window ÷ quota), and then moves TAT by one interval. A bucket whose TAT has passed
/// is the same as no bucket, so idle buckets are dropped by ``evictIdle()`` (and when the table
/// grows past its bound), keeping memory proportional to active clients.
public final class GCRARateLimiter: RateLimiter {
    private struct Table {
        var tats: [RateLimitKey: Double] = [:]
        var sweepAt = 4096
    }

    private let table = Mutex(Table())
    private let clock: @Sendable () -> Double
    /// Most buckets held; past it, everything idle is dropped, and if that is not enough, all
    /// (forgiving clients rather than growing without bound).
    let capacity: Int

    /// Creates a limiter; `clock` gives seconds on a monotonic scale (tests inject their own).
    public init(capacity: Int = 200_000, clock: @escaping @Sendable () -> Double = { GCRARateLimiter.monotonicSeconds() }) {
        self.capacity = capacity
        self.clock = clock
    }

    /// Seconds since an arbitrary start, from the monotonic clock.
    public static func monotonicSeconds() -> Double {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    private static let start = ContinuousClock.now

    public func acquire(_ key: RateLimitKey, policy: RateLimitPolicy) async -> RateLimitDecision {
        decide(key, policy: policy)
    }

    /// The synchronous core of ``acquire(_:policy:)``.
    public func decide(_ key: RateLimitKey, policy: RateLimitPolicy) -> RateLimitDecision {
        let now = clock()
        let window = Double(policy.window)
        let interval = window / Double(policy.quota)
        let tolerance = window - interval
        return table.withLock { table in
            if table.tats.count >= table.sweepAt { Self.sweep(&table, now: now, capacity: capacity) }
            let tat = max(table.tats[key] ?? now, now)
            if tat - now > tolerance + 1e-9 {
                let wait = tat - tolerance - now
                return RateLimitDecision(allowed: false, remaining: 0, resetSeconds: max(1, Int(wait.rounded(.up))))
            }
            let next = tat + interval
            table.tats[key] = next
            let remaining = Int(((window - (next - now)) / interval + 1e-9).rounded(.down))
            return RateLimitDecision(
                allowed: true, remaining: max(0, remaining), resetSeconds: max(0, Int((next - now - 1e-9).rounded(.up))))
        }
    }

    /// Drops every bucket that is full again (its TAT has passed); returns how many remain.
    @discardableResult
    public func evictIdle() -> Int {
        let now = clock()
        return table.withLock { table in
            table.tats = table.tats.filter { $0.value > now }
            return table.tats.count
        }
    }

    /// Buckets held now.
    public var bucketCount: Int { table.withLock { $0.tats.count } }

    private static func sweep(_ table: inout Table, now: Double, capacity: Int) {
        table.tats = table.tats.filter { $0.value > now }
        if table.tats.count >= capacity { table.tats.removeAll(keepingCapacity: true) }
        table.sweepAt = min(capacity, max(4096, table.tats.count * 2))
    }
}
