import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import TenantryApplication
import Testing

@Suite("Periodic service")
struct PeriodicServiceTests {
    struct TickFailed: Error {}

    /// "At once" in these tests: far below the hour-long intervals the loops wait, far above
    /// any stall of a shared machine.
    static let patience: Duration = .seconds(60)

    /// Counts calls of the work and the final work.
    final class Calls: Sendable {
        let ticks = Mutex(0)
        let finals = Mutex(0)

        var tickCount: Int { ticks.withLock { $0 } }
        var finalCount: Int { finals.withLock { $0 } }

        func service(
            interval: Duration, runsAtStart: Bool = false, failingTicks: Int = 0
        ) -> PeriodicService {
            PeriodicService(
                name: "test loop", interval: interval, runsAtStart: runsAtStart,
                logger: Logger(label: "periodic-test"),
                work: {
                    let tick = self.ticks.withLock { count in
                        count += 1
                        return count
                    }
                    if tick <= failingTicks { throw TickFailed() }
                },
                finalWork: { self.finals.withLock { $0 += 1 } }
            )
        }
    }

    /// Waits (up to a minute: a loaded machine can stall a test process for seconds) until
    /// `condition` holds.
    func eventually(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + Self.patience
        while !condition() {
            #expect(ContinuousClock.now < deadline, "condition not met in time")
            if ContinuousClock.now >= deadline { return }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test("the work runs every interval, and at start only when asked")
    func runsAtInterval() async throws {
        let calls = Calls()
        let started = ContinuousClock.now
        let loop = Task { await calls.service(interval: .milliseconds(30)).run() }
        try await eventually { calls.tickCount >= 3 }
        #expect(ContinuousClock.now - started >= .milliseconds(90))
        loop.cancel()
        await loop.value

        let atStart = Calls()
        let waiting = Task { await atStart.service(interval: .seconds(3600), runsAtStart: true).run() }
        try await eventually { atStart.tickCount == 1 }
        let idle = Calls()
        let notAtStart = Task { await idle.service(interval: .seconds(3600)).run() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(atStart.tickCount == 1)
        #expect(idle.tickCount == 0)
        waiting.cancel()
        notAtStart.cancel()
        await waiting.value
        await notAtStart.value
    }

    @Test("a graceful shutdown ends the wait at once and runs the final work once")
    func finalWorkOnGracefulShutdown() async throws {
        let calls = Calls()
        let started = ContinuousClock.now
        try await testGracefulShutdown { trigger in
            async let running: Void = calls.service(interval: .seconds(3600), runsAtStart: true).run()
            try await eventually { calls.tickCount == 1 }
            trigger.triggerGracefulShutdown()
            await running
        }
        #expect(ContinuousClock.now - started < Self.patience)
        #expect(calls.tickCount == 1)
        #expect(calls.finalCount == 1)
    }

    @Test("a failing tick is retried at the next one")
    func keepsRunningAfterFailure() async throws {
        let calls = Calls()
        let loop = Task { await calls.service(interval: .milliseconds(10), runsAtStart: true, failingTicks: 2).run() }
        try await eventually { calls.tickCount >= 4 }
        loop.cancel()
        await loop.value
        #expect(calls.finalCount == 0)
    }

    @Test("cancellation ends the loop promptly, without the final work")
    func stopsOnCancellation() async throws {
        let calls = Calls()
        let started = ContinuousClock.now
        let loop = Task { await calls.service(interval: .seconds(3600), runsAtStart: true).run() }
        try await eventually { calls.tickCount == 1 }
        loop.cancel()
        await loop.value
        #expect(ContinuousClock.now - started < Self.patience)
        #expect(calls.tickCount == 1)
        #expect(calls.finalCount == 0)
    }
}
