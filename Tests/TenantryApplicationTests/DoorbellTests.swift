import TenantryApplication
import Testing

@Suite("Doorbell")
struct DoorbellTests {
    @Test("a ring wakes the waiting loop at once; a ring with nobody waiting is kept for the next wait; silence times out")
    func wakeUps() async throws {
        let bell = Doorbell()
        let clock = ContinuousClock()
        // Kept for the next wait: returns at once, though the timeout is an hour.
        bell.ring()
        var started = clock.now
        await bell.wait(upTo: .seconds(3600))
        #expect(started.duration(to: clock.now) < .seconds(30))
        // Rung while waiting.
        started = clock.now
        let ringer = Task {
            try await Task.sleep(for: .milliseconds(50))
            bell.ring()
        }
        await bell.wait(upTo: .seconds(3600))
        try await ringer.value
        #expect(started.duration(to: clock.now) < .seconds(30))
        // Nobody rings: the timeout ends the wait, and no ring is left over afterwards.
        started = clock.now
        await bell.wait(upTo: .milliseconds(100))
        #expect(started.duration(to: clock.now) >= .milliseconds(100))
        started = clock.now
        await bell.wait(upTo: .milliseconds(100))
        #expect(started.duration(to: clock.now) >= .milliseconds(100))
    }
}
