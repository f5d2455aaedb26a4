import Foundation
import Synchronization
import TenantryApplication
import Testing

@Suite("Expiring cache")
struct ExpiringCacheTests {
    typealias Cache = ExpiringCache<String, Int, String>

    let start = Date(timeIntervalSince1970: 1_000_000)

    /// Stores `value` for `key` through a lookup, as a loader would.
    @discardableResult
    func fill(_ cache: Cache, _ key: String, _ value: Int, tags: [String] = [], at now: Date, expiresAt: Date? = nil) -> Bool {
        guard case .miss(let ticket) = cache.lookup(key, now: now) else { return false }
        return cache.store(value, for: key, tags: tags, expiresAt: expiresAt, ticket: ticket, now: now)
    }

    func cached(_ cache: Cache, _ key: String, at now: Date) -> Int? {
        cache.peek(key, now: now) { $0 }
    }

    @Test("an entry is served for its lifetime, or until the earlier expiry it was stored with")
    func expiry() {
        let cache = Cache(capacity: 10, lifetime: 30)
        #expect(fill(cache, "a", 1, at: start))
        #expect(fill(cache, "b", 2, at: start, expiresAt: start.addingTimeInterval(5)))
        #expect(fill(cache, "c", 3, at: start, expiresAt: start.addingTimeInterval(90)))
        #expect(cached(cache, "a", at: start.addingTimeInterval(29.9)) == 1)
        #expect(cached(cache, "a", at: start.addingTimeInterval(30)) == nil)
        #expect(cached(cache, "b", at: start.addingTimeInterval(4.9)) == 2)
        #expect(cached(cache, "b", at: start.addingTimeInterval(5)) == nil)
        // A later expiry than the lifetime does not extend it.
        #expect(cached(cache, "c", at: start.addingTimeInterval(30)) == nil)
        if case .hit = cache.lookup("a", now: start.addingTimeInterval(31)) {
            Issue.record("an expired entry was served")
        }
    }

    @Test("value(for:) loads on a miss only, and a failed load stores nothing")
    func valueLoadsOnMiss() async throws {
        struct LoadFailed: Error {}
        let cache = Cache(capacity: 10, lifetime: 30)
        let loads = Mutex(0)
        func value(at now: Date) async -> Int {
            await cache.value(for: "k", now: now) {
                loads.withLock { $0 += 1 }
                return 7
            }
        }
        #expect(await value(at: start) == 7)
        #expect(await value(at: start.addingTimeInterval(10)) == 7)
        #expect(loads.withLock { $0 } == 1)
        #expect(await value(at: start.addingTimeInterval(40)) == 7)
        #expect(loads.withLock { $0 } == 2)

        await #expect(throws: LoadFailed.self) {
            try await cache.value(for: "failing", now: start) { throw LoadFailed() }
        }
        #expect(cached(cache, "failing", at: start) == nil)
        #expect(cache.statistics == CacheStatistics(hits: 1, misses: 3, evictions: 0, count: 1))
    }

    @Test("a full cache drops expired entries first")
    func boundDropsExpiredFirst() {
        let cache = Cache(capacity: 4, lifetime: 30)
        fill(cache, "old1", 1, at: start)
        fill(cache, "old2", 2, at: start)
        let later = start.addingTimeInterval(20)
        fill(cache, "new1", 3, at: later)
        fill(cache, "new2", 4, at: later)
        let now = start.addingTimeInterval(35)
        fill(cache, "new3", 5, at: now)
        #expect(cache.count == 3)
        #expect(cached(cache, "new1", at: now) == 3)
        #expect(cached(cache, "new2", at: now) == 4)
        #expect(cached(cache, "new3", at: now) == 5)
        #expect(cache.statistics.evictions == 0)
    }

    @Test("a full cache keeps the most recent three quarters of its capacity's stores")
    func boundEvictsOldestStores() {
        let cache = Cache(capacity: 8, lifetime: 30)
        for number in 1...8 { fill(cache, "k\(number)", number, at: start) }
        #expect(cache.count == 8)
        // Storing a key again moves it to the newest.
        fill(cache, "k1", 100, at: start.addingTimeInterval(31))
        #expect(cache.count == 8)
        fill(cache, "k9", 9, at: start)
        // Kept: the last six stores (k4 to k8, k1), then k9.
        #expect(cache.count == 7)
        #expect(cache.statistics.evictions == 2)
        for number in [2, 3] { #expect(cached(cache, "k\(number)", at: start) == nil) }
        for number in 4...9 { #expect(cached(cache, "k\(number)", at: start) == number) }
        #expect(cached(cache, "k1", at: start) == 100)

        for number in 10..<200 { fill(cache, "k\(number)", number, at: start) }
        #expect(cache.count <= 8)
        #expect(cached(cache, "k199", at: start) == 199)

        let single = Cache(capacity: 1, lifetime: 30)
        fill(single, "a", 1, at: start)
        fill(single, "b", 2, at: start)
        #expect(single.count == 1)
        #expect(cached(single, "b", at: start) == 2)
    }

    @Test("invalidation by key, by tag, by predicate and of everything")
    func invalidation() {
        let cache = Cache(capacity: 100, lifetime: 30)
        fill(cache, "alice", 1, tags: ["acme", "globex"], at: start)
        fill(cache, "bob", 2, tags: ["acme"], at: start)
        fill(cache, "carol", 3, tags: ["globex"], at: start)
        fill(cache, "dave", 4, at: start)

        cache.invalidate("dave")
        #expect(cached(cache, "dave", at: start) == nil)
        #expect(cache.count == 3)

        cache.invalidate(tag: "acme")
        #expect(cached(cache, "alice", at: start) == nil)
        #expect(cached(cache, "bob", at: start) == nil)
        #expect(cached(cache, "carol", at: start) == 3)
        // Alice left the "globex" group with her entry: storing her again without it keeps her
        // out of its invalidation.
        fill(cache, "alice", 1, at: start)
        cache.invalidate(tag: "globex")
        #expect(cached(cache, "alice", at: start) == 1)
        #expect(cached(cache, "carol", at: start) == nil)
        cache.invalidate(tag: "nobody")
        #expect(cache.count == 1)

        // Storing a key again replaces its tags.
        fill(cache, "erin", 5, tags: ["acme"], at: start)
        cache.invalidate("erin")
        fill(cache, "erin", 5, tags: ["initech"], at: start)
        cache.invalidate(tag: "acme")
        #expect(cached(cache, "erin", at: start) == 5)

        cache.invalidate { _, value in value == 1 }
        #expect(cached(cache, "alice", at: start) == nil)
        #expect(cached(cache, "erin", at: start) == 5)

        fill(cache, "frank", 6, at: start)
        cache.invalidateAll()
        #expect(cache.count == 0)
        #expect(cached(cache, "frank", at: start) == nil)
    }

    @Test("a load that began before an invalidation is answered but not stored")
    func staleLoadIsNotStored() async throws {
        let cache = Cache(capacity: 10, lifetime: 30)

        // With tickets: any invalidation in between, of this key or another, voids the ticket.
        guard case .miss(let ticket) = cache.lookup("a", now: start) else {
            Issue.record("expected a miss")
            return
        }
        cache.invalidate("unrelated")
        #expect(!cache.store(1, for: "a", ticket: ticket, now: start))
        #expect(cached(cache, "a", at: start) == nil)

        // Through value(for:): the invalidation happens while the load is out.
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let now = start
        let first = Task {
            await cache.value(for: "a", now: now) {
                startedContinuation.yield()
                for await _ in release { break }
                return 1
            }
        }
        for await _ in started { break }
        cache.invalidate("a")
        releaseContinuation.yield()
        #expect(await first.value == 1)
        #expect(cache.count == 0)
        _ = await cache.value(for: "a", now: start) { 2 }
        #expect(cached(cache, "a", at: start) == 2)
    }

    @Test("a value set by a committed change is not overwritten by a load in flight")
    func setWinsOverLoadInFlight() {
        let cache = Cache(capacity: 10, lifetime: 30)
        guard case .miss(let ticket) = cache.lookup("session", now: start) else {
            Issue.record("expected a miss")
            return
        }
        cache.set(0, for: "session", until: .distantFuture, now: start)
        #expect(!cache.store(1, for: "session", ticket: ticket, now: start))
        #expect(cached(cache, "session", at: start.addingTimeInterval(86_400)) == 0)
    }

    @Test("concurrent loads and invalidations keep the cache bounded and consistent")
    func concurrentUse() async throws {
        let cache = ExpiringCache<Int, Int, Int>(capacity: 64, lifetime: 30)
        let now = start
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for step in 0..<500 {
                        let key = (worker * 31 + step) % 200
                        let value = await cache.value(for: key, now: now, tags: { [$0 % 5] }) { key * 2 }
                        #expect(value == key * 2)
                        if step % 50 == 0 { cache.invalidate(tag: step % 5) }
                    }
                }
            }
            await group.waitForAll()
        }
        #expect(cache.count <= 64)
        let statistics = cache.statistics
        #expect(statistics.hits + statistics.misses == 4_000)
    }
}
