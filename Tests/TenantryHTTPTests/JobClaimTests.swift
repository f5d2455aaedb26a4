import Foundation
import Logging
import Synchronization
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// A job handler that counts its runs and does what the test tells it to.
private final class ScriptedHandler: JobHandler {
    let queue = "scripted"
    let runs = Mutex(0)
    let body: @Sendable () async throws -> Void

    init(_ body: @escaping @Sendable () async throws -> Void) { self.body = body }

    func handle(payload: String) async throws {
        runs.withLock { $0 += 1 }
        try await body()
    }

    func redactedPayload(_ payload: String) -> String? { nil }
}

@Suite("Job claims")
struct JobClaimTests {
    @Test(
        "a long job's heartbeat keeps its claim past the visibility timeout, so no other worker runs it",
        arguments: TestDatabase.all)
    func heartbeatKeepsClaim(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let db = context.database
            let store = SQLDataStore(db)
            let id = try await db.withGlobal { try await $0.jobs.enqueue(queue: "scripted", payload: "{}") }
            let handler = ScriptedHandler { try await Task.sleep(for: .seconds(4)) }
            // A 1.5 s visibility timeout, extended every 0.5 s: a loaded machine may delay a
            // heartbeat by up to a second without losing the claim.
            let first = JobWorker(database: store, handler: handler, logger: TestLogging.logger, visibilityTimeout: 1.5)
            let second = JobWorker(database: store, handler: handler, logger: TestLogging.logger, visibilityTimeout: 1.5)
            async let running = first.runOnce()
            // Twice the visibility timeout later, the job is still claimed by the first worker.
            try await Task.sleep(for: .seconds(3))
            #expect(try await second.runOnce() == false)
            #expect(try await running)
            #expect(handler.runs.withLock { $0 } == 1)
            let status = try await db.withGlobal { try await $0.jobs.status(id: id) }
            #expect(status?.status == .done)
            #expect(status?.attempts == 1)
        }
    }

    @Test(
        "a worker whose claim lapsed and was taken over can neither complete, fail nor release the job",
        arguments: TestDatabase.all)
    func lapsedClaimIsFenced(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let db = context.database
            let id = try await db.withGlobal { try await $0.jobs.enqueue(queue: "scripted", payload: "{}") }
            let stale = try #require(
                try await db.withGlobal { try await $0.jobs.claim(queue: "scripted", now: Date(), visibilityTimeout: 60) })
            let current = try #require(
                try await db.withGlobal {
                    try await $0.jobs.claim(queue: "scripted", now: Date().addingTimeInterval(61), visibilityTimeout: 60)
                })
            #expect(stale.id == id && current.id == id)
            #expect(current.attempts == stale.attempts + 1)
            let jobs = { @Sendable (_ body: @Sendable (any JobRepository) async throws -> Bool) async throws -> Bool in
                try await db.withGlobal { scope in try await body(scope.jobs) }
            }
            #expect(try await jobs { try await $0.complete(id: id, attempt: stale.attempts, now: Date(), payload: nil) } == false)
            #expect(
                try await jobs { try await $0.fail(id: id, attempt: stale.attempts, error: "x", retryAt: nil, now: Date()) }
                    == false)
            #expect(try await jobs { try await $0.release(id: id, attempt: stale.attempts, now: Date()) } == false)
            #expect(
                try await jobs { try await $0.extendClaim(id: id, attempt: stale.attempts, until: Date(), now: Date()) } == false)
            #expect(try await db.withGlobal { try await $0.jobs.status(id: id) }?.status == .running)
            #expect(try await jobs { try await $0.complete(id: id, attempt: current.attempts, now: Date(), payload: nil) })
            #expect(try await db.withGlobal { try await $0.jobs.status(id: id) }?.status == .done)
        }
    }

    @Test("a running job whose claim is taken over is stopped, and its worker records nothing", arguments: TestDatabase.all)
    func lostClaimStopsTheRun(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let db = context.database
            let store = SQLDataStore(db)
            let id = try await db.withGlobal { try await $0.jobs.enqueue(queue: "scripted", payload: "{}") }
            let stopped = Mutex(false)
            let handler = ScriptedHandler {
                do { try await Task.sleep(for: .seconds(30)) } catch {
                    stopped.withLock { $0 = true }
                    throw error
                }
            }
            let worker = JobWorker(database: store, handler: handler, logger: TestLogging.logger, visibilityTimeout: 0.3)
            async let running = worker.runOnce()
            try await Task.sleep(for: .milliseconds(150))
            // Another worker takes the job over as if the claim had lapsed.
            let takeover = try await db.withGlobal {
                try await $0.jobs.claim(queue: "scripted", now: Date().addingTimeInterval(3600), visibilityTimeout: 3600)
            }
            #expect(takeover?.attempts == 2)
            #expect(try await running)
            #expect(stopped.withLock { $0 })
            let status = try await db.withGlobal { try await $0.jobs.status(id: id) }
            #expect(status?.status == .running)
            #expect(status?.attempts == 2)
            #expect(status?.lastError == nil)
        }
    }

    @Test(
        "a worker cancelled in the middle of a job gives it back, due at once and its attempt uncounted",
        arguments: TestDatabase.all)
    func cancelledWorkerReleasesJob(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let db = context.database
            let store = SQLDataStore(db)
            let id = try await db.withGlobal { try await $0.jobs.enqueue(queue: "scripted", payload: "{}") }
            let started = Mutex(false)
            let handler = ScriptedHandler {
                started.withLock { $0 = true }
                try await Task.sleep(for: .seconds(30))
            }
            let worker = JobWorker(database: store, handler: handler, logger: TestLogging.logger)
            let run = Task { try await worker.runOnce() }
            while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try await db.withGlobal { try await $0.jobs.status(id: id) }?.status == .running)
            run.cancel()
            #expect(try await run.value)
            let status = try await db.withGlobal { try await $0.jobs.status(id: id) }
            #expect(status?.status == .pending)
            #expect(status?.attempts == 0)
            // It is due again at once: another worker runs it.
            let next = JobWorker(database: store, handler: ScriptedHandler {}, logger: TestLogging.logger)
            #expect(try await next.runOnce())
            #expect(try await db.withGlobal { try await $0.jobs.status(id: id) }?.status == .done)
        }
    }

    @Test("nodes enqueueing the same recurring sweep at once add one job between them", arguments: TestDatabase.all)
    func singletonEnqueue(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let db = context.database
            let store = SQLDataStore(db)
            let added = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await db.withGlobal {
                            try await $0.jobs.enqueueUnlessQueued(queue: "sweep", payload: "{}", runAt: Date())
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(added == 1)
            // Once that one is done, the next sweep may be queued.
            let worker = JobWorker(
                database: store, handler: SweepHandler(), logger: TestLogging.logger)
            #expect(try await worker.runOnce())
            #expect(
                try await db.withGlobal { try await $0.jobs.enqueueUnlessQueued(queue: "sweep", payload: "{}", runAt: Date()) })
            #expect(
                try await db.withGlobal { try await $0.jobs.enqueueUnlessQueued(queue: "sweep", payload: "{}", runAt: Date()) }
                    == false)
            // Ordinary jobs of any queue are never held back.
            try await db.withGlobal { scope in
                try await scope.jobs.enqueue(queue: "sweep", payload: "{}")
                try await scope.jobs.enqueue(queue: "sweep", payload: "{}")
            }
            let rows = try await db.withGlobal { scope in
                try await scope.sql.raw("SELECT count(*) AS n FROM jobs WHERE queue = 'sweep' AND status = 'pending'").first()
            }
            #expect(try rows?.decode(column: "n", as: Int.self) == 3)
        }
    }
}

private struct SweepHandler: JobHandler {
    let queue = "sweep"
    func handle(payload: String) async throws {}
    func redactedPayload(_ payload: String) -> String? { nil }
}
