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
import Testing

/// The data store a test route writes through, filled in once the application runs.
final class StoreBox: Sendable {
    let store = Mutex<SQLDataStore?>(nil)
}

@Suite("Idempotency fence")
struct IdempotencyFenceTests {
    /// `POST /test/write`: with `"hold": "before"` it waits at the gate before writing, with
    /// `"hold": "after"` after its write committed (where a node that dies loses the response);
    /// the write is one job in queue `fence-<n>`.
    static func addWritingRoute(_ router: APIRouter, gate: Gate, box: StoreBox) {
        router.router.group("/test").add(middleware: router.idempotency.middleware).post("/write") {
            request, context -> Response in
            let body = try await request.decode(as: [String: String].self, context: context)
            guard let store = box.store.withLock({ $0 }) else { throw TenantryError(.internalError, "no store") }
            let queue = "fence-\(body["n"] ?? "")"
            if body["hold"] == "before" { _ = await gate.pass() }
            try await store.withGlobal { scope in
                _ = try await scope.jobs.enqueue(queue: queue, payload: "{}", maxAttempts: 8, runAt: Date())
            }
            if body["hold"] == "after" { _ = await gate.pass() }
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .created, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
    }

    private static func jobs(_ context: TestApplicationContext, queue: String) async throws -> Int {
        try await context.database.database.withGlobal { scope in
            try await scope.sql.raw("SELECT count(*) AS n FROM jobs WHERE queue = \(bind: queue)").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }

    @Test(
        "a request whose node stopped after its write committed is not run again: a retry after the lock gets idempotency_outcome_lost",
        arguments: TestDatabase.all)
    func committedRequestIsNotRunAgain(engine: TestDatabase) async throws {
        let gate = Gate()
        let clock = ManualClock()
        let box = StoreBox()
        try await withTestApplication(
            engine, idempotency: .init(now: { clock.now }), routes: { Self.addWritingRoute($0, gate: gate, box: box) }
        ) { client, context in
            box.store.withLock { $0 = SQLDataStore(context.database.database) }
            let headers = IdempotencyTests.keyed("lost-\(UUID().uuidString)")
            let body = ["n": "lost", "hold": "after"]
            // The first request commits its write, then stands for a node that dies before
            // storing the response.
            async let first = client.json(.post, "/test/write", body, headers: headers)
            await gate.waitUntilEntered(count: 1)
            #expect(try await Self.jobs(context, queue: "fence-lost") == 1)
            let waiting = try await client.json(.post, "/test/write", body, headers: headers)
            #expect(problemCode(waiting.body) == "idempotency_in_progress")
            clock.advance(by: IdempotencyPolicy().lockTimeout + 1)
            let retry = try await client.json(.post, "/test/write", body, headers: headers)
            #expect(retry.status == .conflict, "\(retry.raw)")
            #expect(problemCode(retry.body) == "idempotency_outcome_lost")
            #expect(try await Self.jobs(context, queue: "fence-lost") == 1)
            #expect(await gate.entered == 1)
            await gate.open()
            _ = try await first
        }
    }

    @Test(
        "a request whose reservation was taken over by its retry cannot commit beside it: the write is done once",
        arguments: TestDatabase.all)
    func takenOverRequestRollsBack(engine: TestDatabase) async throws {
        let gate = Gate()
        let clock = ManualClock()
        let box = StoreBox()
        try await withTestApplication(
            engine, idempotency: .init(now: { clock.now }), routes: { Self.addWritingRoute($0, gate: gate, box: box) }
        ) { client, context in
            box.store.withLock { $0 = SQLDataStore(context.database.database) }
            let headers = IdempotencyTests.keyed("over-\(UUID().uuidString)")
            let body = ["n": "over", "hold": "before"]
            async let first = client.json(.post, "/test/write", body, headers: headers)
            await gate.waitUntilEntered(count: 1)
            // Its lock runs out before it writes; a retry takes the key over.
            clock.advance(by: IdempotencyPolicy().lockTimeout + 1)
            async let second = client.json(.post, "/test/write", body, headers: headers)
            await gate.waitUntilEntered(count: 2)
            await gate.open()
            let (firstResponse, secondResponse) = (try await first, try await second)
            let statuses = Set([firstResponse.status, secondResponse.status])
            #expect(statuses == [.created, .conflict], "\(firstResponse.raw) \(secondResponse.raw)")
            #expect(try await Self.jobs(context, queue: "fence-over") == 1)
            // The one that committed holds the key: its response replays.
            let replay = try await client.json(.post, "/test/write", body, headers: headers)
            #expect(replay.status == .created)
            #expect(replay.headers[IdempotencyTests.replayed] == "true")
        }
    }

    @Test("writes without an Idempotency-Key, and after the response, are not fenced", arguments: TestDatabase.all)
    func unfencedWrites(engine: TestDatabase) async throws {
        let gate = Gate()
        await gate.open()
        let box = StoreBox()
        try await withTestApplication(engine, routes: { Self.addWritingRoute($0, gate: gate, box: box) }) { client, context in
            box.store.withLock { $0 = SQLDataStore(context.database.database) }
            for _ in 0..<2 {
                let plain = try await client.json(.post, "/test/write", ["n": "plain"])
                #expect(plain.status == .created)
            }
            #expect(try await Self.jobs(context, queue: "fence-plain") == 2)
            // A write under a reservation that was released (a task the request left behind)
            // still commits.
            try await IdempotencyFence.$current.withValue(.init(scopeHash: "released", ownerToken: UUID())) {
                try await SQLDataStore(context.database.database).withGlobal { scope in
                    _ = try await scope.jobs.enqueue(queue: "fence-plain", payload: "{}", maxAttempts: 8, runAt: Date())
                }
            }
            #expect(try await Self.jobs(context, queue: "fence-plain") == 3)
        }
    }
}
