import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import TenantryWorkers
import Testing

/// Records what it was asked to send; can be told to fail.
final class RecordingTransport: EmailTransport, Sendable {
    let sent = Mutex<[EmailMessage]>([])
    let failures = Mutex<[EmailDeliveryError]>([])

    func send(_ message: EmailMessage) async throws {
        if let failure = failures.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { throw failure }
        sent.withLock { $0.append(message) }
    }
}

@Suite("Email delivery")
struct EmailDeliveryTests {
    @Test("the worker sends a queued email once and removes its link from the stored job", arguments: TestDatabase.all)
    func deliversOnce(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let transport = RecordingTransport()
            let worker = JobWorker(
                database: SQLDataStore(context.database.database), handler: EmailDeliveryJob(transport: transport),
                logger: TestLogging.logger)
            #expect(try await worker.runOnce())
            #expect(try await worker.runOnce() == false)
            let sent = transport.sent.withLock { $0 }
            #expect(sent.count == 1)
            #expect(sent.first?.to.rawValue == owner.email.lowercased())
            #expect(sent.first?.textBody.contains("/verify-email?token=") == true)
            let stored = try await context.database.database.withGlobal { scope in
                try await scope.sql.raw("SELECT payload, status FROM jobs").all()
            }
            #expect(try stored.first?.decode(column: "status", as: String.self) == "done")
            #expect(try stored.first?.decode(column: "payload", as: String.self).contains("token=") == false)
        }
    }

    @Test(
        "a worker that died after claiming leaves the email to the next worker, which sends it exactly once",
        arguments: TestDatabase.all)
    func crashBetweenClaimAndSend(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            _ = try await client.register()
            let database = context.database.database
            // A worker claims the job and dies before sending (nothing completes it).
            let claimed = try await database.withGlobal { scope in
                try await scope.jobs.claim(queue: EmailMessage.outboxQueue, now: Date(), visibilityTimeout: 60)
            }
            #expect(claimed != nil)
            let transport = RecordingTransport()
            let successor = JobWorker(
                database: SQLDataStore(database), handler: EmailDeliveryJob(transport: transport), logger: TestLogging.logger)
            // While the claim is fresh the job is invisible…
            #expect(try await successor.runOnce() == false)
            // …and after the visibility timeout it runs, once.
            let later = Date().addingTimeInterval(61)
            #expect(try await successor.runOnce(now: later))
            #expect(try await successor.runOnce(now: later) == false)
            #expect(transport.sent.withLock { $0.count } == 1)
        }
    }

    @Test("temporary failures retry with back-off; permanent ones and the last attempt dead-letter", arguments: TestDatabase.all)
    func retries(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let database = context.database
            let message = EmailMessage(to: try EmailAddress("r@example.org"), subject: "S", textBody: "B")
            let payload = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
            let id = try await database.withGlobal { scope in
                try await scope.jobs.enqueue(queue: EmailMessage.outboxQueue, payload: payload, maxAttempts: 3)
            }
            let transport = RecordingTransport()
            transport.failures.withLock {
                $0 = [
                    EmailDeliveryError(isPermanent: false, reason: "421 busy"),
                    EmailDeliveryError(isPermanent: false, reason: "421 busy"),
                ]
            }
            let worker = JobWorker(
                database: SQLDataStore(database), handler: EmailDeliveryJob(transport: transport), logger: TestLogging.logger,
                baseRetryDelay: 10)
            #expect(try await worker.runOnce())
            let first = try await database.withGlobal { try await $0.jobs.status(id: id) }
            #expect(first?.status == .pending)
            #expect(first?.lastError == "421 busy")
            // Not due yet: the back-off holds it back.
            #expect(try await worker.runOnce() == false)
            #expect(try await worker.runOnce(now: Date().addingTimeInterval(3600)))
            #expect(try await worker.runOnce(now: Date().addingTimeInterval(7200)))
            #expect(try await database.withGlobal { try await $0.jobs.status(id: id) }?.status == .done)
            #expect(transport.sent.withLock { $0.count } == 1)

            let doomed = try await database.withGlobal { scope in
                try await scope.jobs.enqueue(queue: EmailMessage.outboxQueue, payload: payload, maxAttempts: 3)
            }
            transport.failures.withLock { $0 = [EmailDeliveryError(isPermanent: true, reason: "550 no such user")] }
            #expect(try await worker.runOnce())
            let dead = try await database.withGlobal { try await $0.jobs.status(id: doomed) }
            #expect(dead?.status == .dead)
            #expect(dead?.attempts == 1)
        }
    }

    @Test("retry delays grow exponentially with jitter and are capped")
    func backoff() async throws {
        try await withTestDatabase(.sqlite) { context in
            let worker = JobWorker(
                database: SQLDataStore(context.database), handler: EmailDeliveryJob(transport: RecordingTransport()),
                logger: TestLogging.logger,
                baseRetryDelay: 10
            )
            for attempt in 1...6 {
                let delay = worker.retryDelay(afterAttempt: attempt)
                let nominal = 10 * pow(2, Double(attempt - 1))
                #expect(delay >= nominal * 0.5 && delay <= nominal * 1.5)
            }
            #expect(worker.retryDelay(afterAttempt: 40) <= 3600)
        }
    }
}
