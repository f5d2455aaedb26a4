import Synchronization
import TenantryApplication
import TenantryCore
import TenantryHTTP
import Testing

/// A clock the test moves by hand.
extension ManualClock {
    /// A limiter reading this clock.
    func limiter(capacity: Int = 200_000) -> GCRARateLimiter {
        GCRARateLimiter(capacity: capacity) { [self] in seconds }
    }
}

@Suite("Rate limiter (GCRA)")
struct RateLimiterTests {
    let key = RateLimitKey.tenant(.generate())

    @Test("a request that one of its limits refuses uses up nothing of the others")
    func allOrNothing() {
        let limiter = ManualClock().limiter()
        let tenant = RateLimitCheck(key, RateLimitPolicy(quota: 5))
        let apiKey = RateLimitCheck(.apiKey(.generate()), RateLimitPolicy(quota: 2))
        for expected in [4, 3] {
            let decisions = limiter.decide([tenant, apiKey])
            #expect(decisions.map(\.allowed) == [true, true])
            #expect(decisions[0].remaining == expected)
        }
        for _ in 0..<10 {
            let decisions = limiter.decide([tenant, apiKey])
            #expect(!decisions[1].allowed && decisions[1].remaining == 0)
            // The tenant's limit would allow it, and reports its allowance untouched.
            #expect(decisions[0].allowed && decisions[0].remaining == 3)
        }
        #expect(limiter.decide([tenant]).first?.remaining == 2)
    }

    @Test("a burst of the whole quota passes, the next request waits one interval")
    func burstThenRefusal() {
        let clock = ManualClock()
        let limiter = clock.limiter()
        let policy = RateLimitPolicy(quota: 6, window: 60)
        let decisions = (0..<6).map { _ in limiter.decide(key, policy: policy) }
        #expect(decisions.map(\.allowed) == Array(repeating: true, count: 6))
        #expect(decisions.map(\.remaining) == [5, 4, 3, 2, 1, 0])
        let refused = limiter.decide(key, policy: policy)
        #expect(!refused.allowed && refused.remaining == 0)
        #expect(refused.resetSeconds == 10)
        // The quota refills evenly: one request per 10 seconds.
        clock.advance(by: 9)
        #expect(!limiter.decide(key, policy: policy).allowed)
        clock.advance(by: 1)
        let again = limiter.decide(key, policy: policy)
        #expect(again.allowed && again.remaining == 0)
        clock.advance(by: 60)
        #expect(limiter.decide(key, policy: policy).remaining == 5)
    }

    @Test("the reset of an allowed request is the time until the quota is whole again")
    func resetUntilFull() {
        let clock = ManualClock()
        let limiter = clock.limiter()
        let policy = RateLimitPolicy(quota: 60, window: 60)
        #expect(limiter.decide(key, policy: policy).resetSeconds == 1)
        #expect(limiter.decide(key, policy: policy).resetSeconds == 2)
        clock.advance(by: 0.5)
        #expect(limiter.decide(key, policy: policy).resetSeconds == 3)
    }

    @Test("keys are limited independently")
    func independentKeys() {
        let limiter = ManualClock().limiter()
        let policy = RateLimitPolicy(quota: 1, window: 60)
        #expect(limiter.decide(.clientIP("10.0.0.1"), policy: policy).allowed)
        #expect(!limiter.decide(.clientIP("10.0.0.1"), policy: policy).allowed)
        #expect(limiter.decide(.clientIP("10.0.0.2"), policy: policy).allowed)
        #expect(limiter.decide(.apiKey(.generate()), policy: policy).allowed)
    }

    @Test("idle buckets are evicted, busy ones kept, and the table never outgrows its capacity")
    func eviction() {
        let clock = ManualClock()
        let limiter = clock.limiter(capacity: 5000)
        let policy = RateLimitPolicy(quota: 10, window: 60)
        for index in 0..<100 { _ = limiter.decide(.clientIP("10.0.0.\(index)"), policy: policy) }
        #expect(limiter.bucketCount == 100)
        clock.advance(by: 3)
        // Six seconds is a full bucket for a 10-per-minute policy after one request: still busy.
        #expect(limiter.evictIdle() == 100)
        clock.advance(by: 4)
        #expect(limiter.evictIdle() == 0)
        for index in 0..<20_000 { _ = limiter.decide(.clientIP("ip-\(index)"), policy: policy) }
        #expect(limiter.bucketCount <= 5000)
    }
}
