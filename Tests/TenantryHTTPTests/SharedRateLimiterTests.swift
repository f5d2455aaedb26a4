import Foundation
import Synchronization
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

/// Wall-clock seconds that move only when the test moves them.
private final class SteppedClock: Sendable {
    private let value = Mutex<Double>(1_800_000_000)
    var seconds: Double { value.withLock { $0 } }
    func advance(by seconds: Double) { value.withLock { $0 += seconds } }
}

@Suite("Shared rate limits")
struct SharedRateLimiterTests {
    private func nodes(_ count: Int, database: any DatabaseClient, clock: SteppedClock) -> [SharedRateLimiter] {
        (0..<count).map { _ in
            SharedRateLimiter(store: RateLimitBucketStore(database: database), logger: TestLogging.logger) { clock.seconds }
        }
    }

    @Test(
        "three nodes that merge every 0.1 s admit one quota between them, within 10 % of burst plus rate",
        arguments: TestDatabase.all)
    func nodesShareOneQuota(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let clock = SteppedClock()
            let limiters = nodes(3, database: context.database, clock: clock)
            let check = RateLimitCheck(.tenant(.generate()), RateLimitPolicy(quota: 60, window: 60))
            var admitted = 0
            // 20 simulated seconds; each node sees 20 requests a second (60 in all), and every
            // node merges every 0.1 s.
            for step in 1...400 {
                clock.advance(by: 0.05)
                for limiter in limiters where await limiter.acquire([check])[0].allowed { admitted += 1 }
                if step % 2 == 0 { for limiter in limiters { try await limiter.synchronize() } }
            }
            // Burst 60, then one a second for 20 s: 80. Alone, each node would admit 80 (240).
            #expect(admitted >= 72 && admitted <= 88, "admitted \(admitted), expected 80 ± 10 %")
        }
    }

    @Test("a node new to a key takes in what the other nodes admitted before its first decision", arguments: TestDatabase.all)
    func newNodeSeesSharedDebt(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let clock = SteppedClock()
            let limiters = nodes(2, database: context.database, clock: clock)
            let check = RateLimitCheck(.apiKey(.generate()), RateLimitPolicy(quota: 10, window: 60))
            for _ in 0..<10 { #expect(await limiters[0].acquire([check])[0].allowed) }
            #expect(await limiters[0].acquire([check])[0].allowed == false)
            try await limiters[0].synchronize()
            let refused = await limiters[1].acquire([check])[0]
            #expect(refused.allowed == false)
            #expect(refused.resetSeconds >= 5)
            // After one interval's refill (6 s) either node may admit one request, not one each.
            clock.advance(by: 6)
            #expect(await limiters[1].acquire([check])[0].allowed)
            try await limiters[1].synchronize()
            try await limiters[0].synchronize()
            #expect(await limiters[0].acquire([check])[0].allowed == false)
        }
    }

    @Test(
        "the shared store adds charges as GCRA does, from now when idle, and prunes rows without debt",
        arguments: TestDatabase.all)
    func pruneIdleRows(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let store = RateLimitBucketStore(database: context.database)
            let merged = try await store.merge(["ip:192.0.2.1": 2, "tenant:x": 0], now: 100)
            #expect(merged == ["ip:192.0.2.1": 102, "tenant:x": 100])
            // tat = max(tat, now) + charge: a debt carries over, an idle bucket starts from now.
            #expect(try await store.merge(["ip:192.0.2.1": 1], now: 101) == ["ip:192.0.2.1": 103])
            #expect(try await store.merge(["ip:192.0.2.1": 1], now: 200) == ["ip:192.0.2.1": 201])
            #expect(try await store.read(["ip:192.0.2.1", "api_key:none"]) == ["ip:192.0.2.1": 201])
            #expect(try await store.prune(before: 150) == 1)
            #expect(try await store.read(["tenant:x"]).isEmpty)
        }
    }
}
