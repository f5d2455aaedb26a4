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

    /// The key in the shared state (``SharedRateLimiter``): the policy name and the id or
    /// address, e.g. `tenant:7f0c…`.
    var storageKey: String {
        switch self {
        case .tenant(let id): "tenant:\(id)"
        case .apiKey(let id): "api_key:\(id)"
        case .clientIP(let address): "ip:\(address)"
        }
    }

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

extension RateLimitPolicy {
    /// Seconds between two requests at the sustained rate.
    var interval: Double { Double(window) / Double(quota) }
    /// How far ahead of now the next arrival time may run while a request still fits.
    fileprivate var tolerance: Double { Double(window) - interval }
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

/// One limit a request must fit: whose allowance, under which policy.
public struct RateLimitCheck: Sendable, Equatable {
    /// Whose allowance.
    public var key: RateLimitKey
    /// The limit.
    public var policy: RateLimitPolicy

    /// Creates a check.
    public init(_ key: RateLimitKey, _ policy: RateLimitPolicy) {
        self.key = key
        self.policy = policy
    }
}

/// Decides whether a request fits its limits. Implementations keep the state: in memory for one
/// node (``GCRARateLimiter``), or shared through PostgreSQL by several nodes
/// (``SharedRateLimiter``; docs/decisions/0016 and 0023). `async` so a shared implementation can reach its store; the in-memory
/// one never suspends.
public protocol RateLimiter: Sendable {
    /// Decides one request against all of its limits at once: it takes one request from every
    /// allowance when each allows it, and from none when any refuses, so a request that one
    /// limit refuses (an API key over its own limit) uses up nothing of another (its tenant's).
    /// Returns one decision per check, in order.
    func acquire(_ checks: [RateLimitCheck]) async -> [RateLimitDecision]
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

    public func acquire(_ checks: [RateLimitCheck]) async -> [RateLimitDecision] {
        decide(checks)
    }

    /// One request under one limit (the synchronous core, for a single check).
    public func decide(_ key: RateLimitKey, policy: RateLimitPolicy) -> RateLimitDecision {
        decide([RateLimitCheck(key, policy)])[0]
    }

    /// The synchronous core of ``acquire(_:)``: all checks are decided under one lock, and
    /// the request is taken from each allowance only when every check allows it.
    public func decide(_ checks: [RateLimitCheck]) -> [RateLimitDecision] {
        let now = clock()
        return table.withLock { table in
            if table.tats.count >= table.sweepAt { Self.sweep(&table, now: now, capacity: capacity) }
            let tats = checks.map { max(table.tats[$0.key] ?? now, now) }
            let admitted = zip(checks, tats).allSatisfy { check, tat in tat - now <= check.policy.tolerance + 1e-9 }
            return zip(checks, tats).map { check, tat in
                let policy = check.policy
                if tat - now > policy.tolerance + 1e-9 {
                    let wait = tat - policy.tolerance - now
                    return RateLimitDecision(allowed: false, remaining: 0, resetSeconds: max(1, Int(wait.rounded(.up))))
                }
                // Refused by another limit: nothing is taken, and this one reports its state as
                // it stays.
                guard admitted else { return Self.state(after: tat, now: now, policy: policy) }
                table.tats[check.key] = tat + policy.interval
                return Self.state(after: tat + policy.interval, now: now, policy: policy)
            }
        }
    }

    /// An allowance's state once its theoretical arrival time is `tat`: the requests still
    /// allowed now, and the seconds until it is whole again.
    private static func state(after tat: Double, now: Double, policy: RateLimitPolicy) -> RateLimitDecision {
        let remaining = Int(((Double(policy.window) - (tat - now)) / policy.interval + 1e-9).rounded(.down))
        return RateLimitDecision(
            allowed: true, remaining: max(0, remaining), resetSeconds: max(0, Int((tat - now - 1e-9).rounded(.up))))
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

    /// Moves keys' arrival times forward to the given ones (never back): how a node takes in
    /// what the other nodes admitted. A time already past leaves no bucket.
    func raise(_ tats: [RateLimitKey: Double]) {
        let now = clock()
        table.withLock { table in
            for (key, tat) in tats where tat > now {
                if let current = table.tats[key], current >= tat { continue }
                table.tats[key] = tat
            }
        }
    }

    /// The keys whose buckets are not full again: the clients active within their windows.
    func activeKeys() -> [RateLimitKey] {
        let now = clock()
        return table.withLock { table in table.tats.compactMap { $0.value > now ? $0.key : nil } }
    }

    /// Buckets held now.
    public var bucketCount: Int { table.withLock { $0.tats.count } }

    private static func sweep(_ table: inout Table, now: Double, capacity: Int) {
        table.tats = table.tats.filter { $0.value > now }
        if table.tats.count >= capacity { table.tats.removeAll(keepingCapacity: true) }
        table.sweepAt = min(capacity, max(4096, table.tats.count * 2))
    }
}
