public import Foundation
public import Logging
import ServiceLifecycle
import Synchronization
public import TenantryApplication
import TenantryCore
public import TenantryStorage

/// Rate limits that hold across nodes: each node decides its requests at once from its own
/// ``GCRARateLimiter`` (no database round trip on the request path), and every
/// `TENANTRY_RATE_LIMIT_SYNC_INTERVAL` merges what it admitted into the shared arrival times in
/// PostgreSQL (``RateLimitBucketStore``) and takes in what the other nodes admitted. A key this
/// node has not seen lately is read from the shared state before its first decision, so a new
/// node does not hand out a fresh burst. A request that leaves less than a tenth of a quota
/// starts a merge at once, so near a limit the nodes see each other within a round trip.
///
/// The error is bounded: a node misses at most the other nodes' admissions of one interval plus
/// a merge's round trip. With `n` nodes and a limit of `r` requests a second, a window can admit
/// about `(n − 1) × r × interval` requests too many (0.2 % of a minute's quota per extra node at
/// the default 0.1 s). When the database cannot be reached, each node goes on limiting alone
/// and merges what it admitted once it can (docs/decisions/0023-shared-rate-limits.md).
public final class SharedRateLimiter: RateLimiter {
    private struct Ledger {
        /// Allowance (seconds) admitted here and not yet merged, per key.
        var pending: [RateLimitKey: Double] = [:]
        /// When each key's shared state was last taken in.
        var seenAt: [RateLimitKey: Double] = [:]
        /// Reads of keys' shared state in progress, so concurrent first requests wait for one.
        var loading: [RateLimitKey: Task<Void, Never>] = [:]
        var merges = 0
    }

    /// This node's decisions, on the wall clock (shared times must mean the same on every node).
    let local: GCRARateLimiter
    private let ledger = Mutex(Ledger())
    /// Whether a merge started by a request near its limit is under way.
    private let merging = Atomic<Bool>(false)
    private let store: RateLimitBucketStore
    private let clock: @Sendable () -> Double
    private let logger: Logger
    /// Seconds a key's shared state counts as current without a merge.
    let freshness: Double
    /// Most keys merged at once; more active keys are merged over several intervals.
    let batchLimit: Int

    /// Creates a limiter over the shared state in `store`. `clock` gives seconds since 1970
    /// (tests inject their own).
    public init(
        store: RateLimitBucketStore,
        logger: Logger,
        freshness: Double = 1,
        batchLimit: Int = 5_000,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.store = store
        self.logger = logger
        self.freshness = freshness
        self.batchLimit = batchLimit
        self.clock = clock
        self.local = GCRARateLimiter(clock: clock)
    }

    public func acquire(_ checks: [RateLimitCheck]) async -> [RateLimitDecision] {
        let now = clock()
        let unseen = ledger.withLock { ledger in
            checks.map(\.key).filter { (ledger.seenAt[$0] ?? -.infinity) < now - freshness }
        }
        if !unseen.isEmpty { await load(unseen) }
        let decisions = local.decide(checks)
        if decisions.allSatisfy(\.allowed) {
            ledger.withLock { ledger in
                for check in checks { ledger.pending[check.key, default: 0] += check.policy.interval }
            }
            // Close to a limit, the other nodes' last interval matters: merge now rather than
            // at the next tick, so a quota that runs out is seen everywhere within a round trip.
            if zip(checks, decisions).contains(where: { $1.remaining * 10 < $0.policy.quota }) { mergeSoon() }
        }
        return decisions
    }

    /// Starts a merge unless one started this way is under way (a request never waits for it).
    private func mergeSoon() {
        guard merging.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return }
        Task.detached { [self] in
            defer { merging.store(false, ordering: .releasing) }
            do {
                try await synchronize()
            } catch {
                logger.warning(
                    "merging the shared rate limits failed; will retry", metadata: ErrorDiagnostics.metadata(for: error))
            }
        }
    }

    /// Reads the shared state of `keys`, joining reads already under way for any of them.
    private func load(_ keys: [RateLimitKey]) async {
        let reads: [Task<Void, Never>] = ledger.withLock { ledger in
            var reads = keys.compactMap { ledger.loading[$0] }
            let missing = keys.filter { ledger.loading[$0] == nil }
            if !missing.isEmpty {
                let read = Task { await self.read(missing) }
                for key in missing { ledger.loading[key] = read }
                reads.append(read)
            }
            return reads
        }
        for read in reads { await read.value }
    }

    private func read(_ keys: [RateLimitKey]) async {
        let now = clock()
        do {
            let shared = try await store.read(keys.map(\.storageKey))
            let byName = Dictionary(keys.map { ($0.storageKey, $0) }, uniquingKeysWith: { first, _ in first })
            local.raise(Dictionary(shared.compactMap { name, tat in byName[name].map { ($0, tat) } }) { max($0, $1) })
        } catch {
            logger.warning(
                "reading the shared rate limits failed; this node decides alone until it can",
                metadata: ErrorDiagnostics.metadata(for: error))
        }
        ledger.withLock { ledger in
            for key in keys {
                ledger.seenAt[key] = now
                ledger.loading[key] = nil
            }
        }
    }

    /// Merges what this node admitted since the last merge into the shared state and takes in
    /// the other nodes' admissions for every key active here. On failure the admissions are
    /// kept for the next merge. Every 600th merge also deletes shared rows without debt.
    public func synchronize() async throws {
        let now = clock()
        let (charges, merges) = ledger.withLock { ledger in
            let charges = ledger.pending
            ledger.pending = [:]
            ledger.merges += 1
            // Forget when idle keys were seen; they are read again on their next request.
            if ledger.merges % 50 == 0 { ledger.seenAt = ledger.seenAt.filter { $0.value >= now - freshness } }
            return (charges, ledger.merges)
        }
        var batch = charges
        for key in local.activeKeys() where batch.count < batchLimit && batch[key] == nil { batch[key] = 0 }
        guard !batch.isEmpty else { return }
        let byName = Dictionary(batch.keys.map { ($0.storageKey, $0) }, uniquingKeysWith: { first, _ in first })
        let merged: [String: Double]
        do {
            merged = try await store.merge(
                Dictionary(batch.map { ($0.key.storageKey, $0.value) }, uniquingKeysWith: +), now: now)
        } catch {
            ledger.withLock { ledger in
                for (key, charge) in charges { ledger.pending[key, default: 0] += charge }
            }
            throw error
        }
        ledger.withLock { ledger in
            var tats: [RateLimitKey: Double] = [:]
            for (name, tat) in merged {
                guard let key = byName[name] else { continue }
                // What this node admitted while the merge was under way is not in the shared
                // time yet.
                tats[key] = tat + (ledger.pending[key] ?? 0)
                ledger.seenAt[key] = now
            }
            local.raise(tats)
        }
        if merges % 600 == 0 { try await store.prune(before: now - 1) }
    }

    /// Drops this node's idle buckets (the shared rows are pruned by ``synchronize()``).
    public func evictIdle() {
        local.evictIdle()
    }

    /// The background service that merges every `interval` and once more at graceful
    /// shutdown, so a stopping node's last admissions still count.
    public func synchronizing(interval: Duration, logger: Logger) -> PeriodicService {
        PeriodicService(
            name: "rate limit sync", interval: interval, logger: logger,
            failureMessage: "merging the shared rate limits failed; will retry",
            work: { try await self.synchronize() },
            finalWork: { try await self.synchronize() }
        )
    }
}
