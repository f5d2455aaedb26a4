public import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization
public import TenantryCore

/// Counts tenant usage in memory and writes it in batches: every metered request costs one
/// uncontended lock and a few dictionary updates, never a database write. ``flush(now:)`` adds
/// the counts to each tenant's daily rows (additively, so every node's flushes sum up) and
/// records the day's active users; ``UsageFlushing`` runs it periodically and once more at
/// graceful shutdown. A crash loses at most the counts since the last flush.
///
/// It also answers "how many API calls has this tenant made this month?" for the monthly
/// allowance: the stored total (read once per tenant, then refreshed by each flush, so it
/// includes other nodes' counts as of that flush) plus what this node has not written yet.
public final class UsageMeter: Sendable {
    struct TenantDay: Hashable {
        let tenantID: TenantID
        let day: UsageDay
    }

    struct Bucket {
        var counts = UsageCounts()
        var users: Set<UserID> = []
    }

    /// A tenant's API calls this month, as far as this node knows.
    struct MonthlyCalls {
        /// The first day of the month counted.
        var month: UsageDay
        /// The total stored in the database when last read.
        var stored: Int
        /// Counted here and not yet taken by a flush.
        var unflushed = 0
        /// Taken by a flush that has not finished.
        var flushing = 0
        /// Whether a request counted since the last flush (idle tenants are forgotten).
        var touched = true

        var total: Int { stored + unflushed + flushing }
    }

    struct State {
        var buckets: [TenantDay: Bucket] = [:]
        var monthly: [TenantID: MonthlyCalls] = [:]

        /// Changes one tenant-day's bucket in place (one hash lookup, no copy).
        mutating func update(_ tenantID: TenantID, _ day: UsageDay, _ change: (inout Bucket) -> Void) {
            change(&buckets[TenantDay(tenantID: tenantID, day: day), default: Bucket()])
        }
    }

    /// What a request over the monthly allowance is told.
    public struct MonthlyAllowanceExhausted: Sendable, Equatable {
        /// The allowance (API calls per month).
        public var allowance: Int
        /// Calls counted this month.
        public var used: Int
        /// When the allowance starts again: midnight UTC on the first of next month.
        public var resetsAt: Date
    }

    private let database: any DataStore
    private let state = Mutex(State())
    /// Whether anything is counted; off only to measure metering's own cost (see the README).
    public let isEnabled: Bool

    /// Creates a meter writing to `database`.
    public init(database: any DataStore, isEnabled: Bool = true) {
        self.database = database
        self.isEnabled = isEnabled
    }

    /// Counts one tenant API request, made by `user` when a signed-in user (not a key) acts,
    /// unless the tenant's `monthlyAllowance` is used up: then nothing is counted and the
    /// answer says why. The first call for a tenant with an allowance reads its month's total
    /// from the database; later calls stay in memory.
    public func recordRequest(
        in tenantID: TenantID, by user: UserID?, monthlyAllowance: Int?, now: Date = Date()
    ) async throws -> MonthlyAllowanceExhausted? {
        guard isEnabled else { return nil }
        let day = UsageDay(now)
        guard let allowance = monthlyAllowance else {
            state.withLock { state in Self.count(&state, tenantID, day, user) }
            return nil
        }
        let month = day.firstOfMonth
        for _ in 0..<2 {
            let outcome = state.withLock { state -> MonthlyAllowanceExhausted?? in
                guard var calls = state.monthly[tenantID], calls.month == month else { return .none }
                if calls.total >= allowance {
                    return .some(
                        MonthlyAllowanceExhausted(allowance: allowance, used: calls.total, resetsAt: day.firstOfNextMonth.start))
                }
                calls.unflushed += 1
                calls.touched = true
                state.monthly[tenantID] = calls
                Self.count(&state, tenantID, day, user)
                return .some(nil)
            }
            if let outcome { return outcome }
            let stored = try await database.withTenant(tenantID) { scope in
                try await scope.usage.apiRequests(from: month, to: month.firstOfNextMonth.adding(days: -1))
            }
            state.withLock { state in
                if let calls = state.monthly[tenantID], calls.month == month { return }
                // Calls counted here but not yet flushed are still to be added to what is stored.
                let pending = state.buckets.reduce(0) { sum, entry in
                    entry.key.tenantID == tenantID && entry.key.day.firstOfMonth == month
                        ? sum + entry.value.counts.apiRequests : sum
                }
                state.monthly[tenantID] = MonthlyCalls(month: month, stored: stored, unflushed: pending)
            }
        }
        // The month's entry vanished twice in a row (concurrent flushes): count without checking.
        state.withLock { state in Self.count(&state, tenantID, day, user) }
        return nil
    }

    /// Counts a successful sign-in into a tenant (the user is active that day).
    public func recordSignIn(in tenantID: TenantID, user: UserID, now: Date = Date()) {
        guard isEnabled else { return }
        let day = UsageDay(now)
        state.withLock { state in
            state.update(tenantID, day) { bucket in
                bucket.counts.signIns += 1
                bucket.users.insert(user)
            }
        }
    }

    /// Counts an email delivered for a tenant.
    public func recordEmailSent(in tenantID: TenantID, now: Date = Date()) {
        guard isEnabled else { return }
        let day = UsageDay(now)
        state.withLock { state in state.update(tenantID, day) { $0.counts.emailsSent += 1 } }
    }

    /// API calls counted for a tenant this month, as far as this node knows (`nil` when it has
    /// not read the tenant's total).
    public func monthlyCalls(of tenantID: TenantID, now: Date = Date()) -> Int? {
        let month = UsageDay(now).firstOfMonth
        return state.withLock { state in state.monthly[tenantID].flatMap { $0.month == month ? $0.total : nil } }
    }

    /// Whether counts are waiting to be written.
    public var hasUnflushedCounts: Bool { state.withLock { !$0.buckets.isEmpty } }

    /// Writes everything counted so far: one transaction per tenant that adds the counts to
    /// the daily rows, records the active users and re-reads the month's API calls. Counts that
    /// cannot be written stay in memory for the next flush, unless their tenant was purged
    /// meanwhile (they are dropped); the first error is rethrown after every tenant was tried.
    public func flush(now: Date = Date()) async throws {
        let month = UsageDay(now).firstOfMonth
        let taken = state.withLock { state -> [TenantDay: Bucket] in
            let buckets = state.buckets
            state.buckets.removeAll(keepingCapacity: true)
            for (tenantID, var calls) in state.monthly {
                // Tenants idle since the last flush are read again when they return.
                guard calls.touched, calls.month == month else {
                    state.monthly[tenantID] = nil
                    continue
                }
                calls.flushing += calls.unflushed
                calls.unflushed = 0
                calls.touched = false
                state.monthly[tenantID] = calls
            }
            return buckets
        }
        var byTenant: [TenantID: [(UsageDay, Bucket)]] = [:]
        for (key, bucket) in taken { byTenant[key.tenantID, default: []].append((key.day, bucket)) }
        var failure: (any Error)?
        for (tenantID, days) in byTenant {
            do {
                let total = try await database.withTenant(tenantID) { scope -> Int in
                    for (day, bucket) in days {
                        try await scope.usage.add(bucket.counts, on: day)
                        try await scope.usage.markActive(bucket.users, on: day)
                    }
                    return try await scope.usage.apiRequests(from: month, to: month.firstOfNextMonth.adding(days: -1))
                }
                state.withLock { state in
                    guard var calls = state.monthly[tenantID], calls.month == month else { return }
                    calls.stored = total
                    calls.flushing = 0
                    state.monthly[tenantID] = calls
                }
            } catch {
                // A purged tenant's last counts have nowhere to go; keeping them would fail
                // every flush from now on.
                if await tenantIsGone(tenantID) {
                    state.withLock { state in state.monthly[tenantID] = nil }
                    continue
                }
                failure = failure ?? error
                state.withLock { state in
                    for (day, taken) in days {
                        state.update(tenantID, day) { bucket in
                            bucket.counts += taken.counts
                            bucket.users.formUnion(taken.users)
                        }
                    }
                    if var calls = state.monthly[tenantID] {
                        calls.unflushed += calls.flushing
                        calls.flushing = 0
                        state.monthly[tenantID] = calls
                    }
                }
            }
        }
        if let failure { throw failure }
    }

    /// True only when the database answers that the tenant does not exist (any more); a
    /// database that cannot be asked keeps the counts.
    private func tenantIsGone(_ tenantID: TenantID) async -> Bool {
        do {
            return try await database.readGlobal { scope in try await scope.tenants.find(id: tenantID) } == nil
        } catch {
            return false
        }
    }

    private static func count(_ state: inout State, _ tenantID: TenantID, _ day: UsageDay, _ user: UserID?) {
        state.update(tenantID, day) { bucket in
            bucket.counts.apiRequests += 1
            if let user { bucket.users.insert(user) }
        }
    }
}

/// Flushes a ``UsageMeter`` every `interval` and once more when the service group shuts down
/// gracefully (after the HTTP server and the workers have stopped, so nothing they counted is
/// lost). Failed flushes are logged and retried at the next tick.
public struct UsageFlushing: Service {
    let meter: UsageMeter
    let interval: Duration
    let logger: Logger
    let onTick: @Sendable () -> Void

    /// Creates the service; `onTick` runs after each periodic flush (e.g. to evict idle rate
    /// limit buckets).
    public init(meter: UsageMeter, interval: Duration, logger: Logger, onTick: @escaping @Sendable () -> Void = {}) {
        self.meter = meter
        self.interval = interval
        self.logger = logger
        self.onTick = onTick
    }

    public func run() async {
        let meter = meter
        let onTick = onTick
        await PeriodicService(
            name: "usage flush", interval: interval, logger: logger,
            failureMessage: "writing usage counts failed; will retry",
            work: {
                // Runs even when the flush failed, as every tick's upkeep.
                defer { onTick() }
                try await meter.flush()
            },
            finalWork: { try await meter.flush() }
        ).run()
    }
}
