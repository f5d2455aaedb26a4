import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Synchronization
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import TenantryWorkers
import Testing

@Suite("Idempotency keys")
struct IdempotencyTests {
    static let key = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    static func keyed(_ key: String) -> HTTPFields { [IdempotencyTests.key: key] }

    @Test("a replay returns the identical response, marked replayed, with no second audit event", arguments: TestDatabase.all)
    func replayTeamCreation(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let headers = Self.keyed(UUID().uuidString)
            let first = try await client.json(
                .post, "/api/v1/teams", ["name": "Support"], token: owner.accessToken, headers: headers)
            #expect(first.status == .created, "\(first.raw)")
            #expect(first.headers[Self.replayed] == nil)
            let second = try await client.json(
                .post, "/api/v1/teams", ["name": "Support"], token: owner.accessToken, headers: headers)
            #expect(second.status == .created)
            #expect(second.raw == first.raw)
            #expect(second.headers[.contentType] == first.headers[.contentType])
            #expect(second.headers[.location] == first.headers[.location])
            #expect(second.headers[.eTag] == first.headers[.eTag])
            #expect(second.headers[Self.replayed] == "true")
            #expect(second.headers[.xRequestID] != first.headers[.xRequestID])

            try await Self.expectOneTeamCreated(client, owner, context)
        }
    }

    @Test("an invitation replayed sends one email and records one event", arguments: TestDatabase.all)
    func invitationSendsOneEmail(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let email = "invitee-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let headers = Self.keyed("invite-\(UUID().uuidString)")
            let body: [String: Any] = ["email": email, "role": "member"]
            let first = try await client.json(.post, "/api/v1/invitations", body, token: owner.accessToken, headers: headers)
            #expect(first.status == .created, "\(first.raw)")
            let second = try await client.json(.post, "/api/v1/invitations", body, token: owner.accessToken, headers: headers)
            #expect(second.status == .created)
            #expect(second.raw == first.raw)
            #expect(second.headers[Self.replayed] == "true")
            #expect(try await queuedEmails(context).filter { $0.to.rawValue == email }.count == 1)
            #expect(try await auditEvents("invitation.created", in: owner.tenantID, context).count == 1)
        }
    }

    @Test("a replayed API key creation returns the same secret, which is not stored in clear", arguments: TestDatabase.all)
    func apiKeySecretIsSealed(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let headers = Self.keyed(UUID().uuidString)
            let body: [String: Any] = ["name": "ci", "scopes": ["teams:read"]]
            let first = try await client.json(.post, "/api/v1/api-keys", body, token: owner.accessToken, headers: headers)
            #expect(first.status == .created, "\(first.raw)")
            let secret = try #require(first.body["secret"] as? String)
            let second = try await client.json(.post, "/api/v1/api-keys", body, token: owner.accessToken, headers: headers)
            #expect(second.status == .created)
            #expect(second.body["secret"] as? String == secret)
            #expect(second.raw == first.raw)
            #expect(second.headers[Self.replayed] == "true")
            #expect(try await auditEvents("api_key.created", in: owner.tenantID, context).count == 1)

            let rows = try await storedRecords(context)
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row.sealedResponse?.hasPrefix("v1.") == true)
            #expect(row.responseStatus == 201)
            let stored = [row.scopeHash, row.sealedRequest, row.sealedResponse ?? ""].joined(separator: " ")
            #expect(!stored.contains(secret))
            #expect(!stored.contains(Data(secret.utf8).base64EncodedString()))
            #expect(!stored.contains(String(secret.suffix(20))))
        }
    }

    @Test("the same key with another body, path or method is 422 and changes nothing", arguments: TestDatabase.all)
    func keyReusedForAnotherRequest(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let token = owner.accessToken
            let headers = Self.keyed("reuse-\(UUID().uuidString)")
            let created = try await client.json(.post, "/api/v1/teams", ["name": "Alpha"], token: token, headers: headers)
            #expect(created.status == .created)
            let id = try #require(created.body["id"] as? String)

            let otherBody = try await client.json(.post, "/api/v1/teams", ["name": "Beta"], token: token, headers: headers)
            let otherPath = try await client.json(
                .patch, "/api/v1/teams/\(id)", ["name": "Gamma"], token: token, headers: headers)
            let otherMethod = try await client.json(.delete, "/api/v1/teams/\(id)", token: token, headers: headers)
            for response in [otherBody, otherPath, otherMethod] {
                #expect(response.status == .unprocessableContent, "\(response.raw)")
                #expect(problemCode(response.body) == "idempotency_key_reused")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            let read = try await client.json(.get, "/api/v1/teams/\(id)", token: token)
            #expect(read.body["name"] as? String == "Alpha")
            #expect(try await auditEvents("team.created", in: owner.tenantID, context).count == 1)
            #expect(try await auditEvents("team.updated", in: owner.tenantID, context).isEmpty)
            #expect(try await auditEvents("team.deleted", in: owner.tenantID, context).isEmpty)
        }
    }

    @Test("while the first request runs, the key answers 409; afterwards it replays", arguments: TestDatabase.all)
    func inProgressThenReplay(engine: TestDatabase) async throws {
        let gate = Gate()
        try await withTestApplication(engine, routes: { Self.addSlowRoute($0, gate: gate) }) { client, _ in
            let headers = Self.keyed("slow-\(UUID().uuidString)")
            async let first = client.json(.post, "/test/slow", ["n": 1], headers: headers)
            await gate.waitUntilEntered(count: 1)
            let during = try await client.json(.post, "/test/slow", ["n": 1], headers: headers)
            #expect(during.status == .conflict, "\(during.raw)")
            #expect(problemCode(during.body) == "idempotency_in_progress")
            await gate.open()
            let original = try await first
            #expect(original.status == .created)
            let after = try await client.json(.post, "/test/slow", ["n": 1], headers: headers)
            #expect(after.status == .created)
            #expect(after.raw == original.raw)
            #expect(after.headers[Self.replayed] == "true")
            #expect(after.headers[.location] == "/test/slow/1")
            #expect(await gate.entered == 1)
        }
    }

    @Test("a reservation whose request never finishes frees the key after the lock timeout", arguments: TestDatabase.all)
    func lapsedLockIsTakenOver(engine: TestDatabase) async throws {
        let gate = Gate()
        let clock = ManualClock()
        try await withTestApplication(
            engine, idempotency: .init(now: { clock.now }), routes: { Self.addSlowRoute($0, gate: gate) }
        ) { client, _ in
            let headers = Self.keyed("crash-\(UUID().uuidString)")
            async let first = client.json(.post, "/test/slow", ["n": 1], headers: headers)
            await gate.waitUntilEntered(count: 1)
            // The first request stands for one on a node that died: its lock runs out.
            clock.advance(by: IdempotencyPolicy().lockTimeout + 1)
            async let second = client.json(.post, "/test/slow", ["n": 1], headers: headers)
            await gate.waitUntilEntered(count: 2)
            await gate.open()
            let (secondStatus, firstStatus) = (try await second.status, try await first.status)
            #expect(secondStatus == .created)
            #expect(firstStatus == .created)
        }
    }

    @Test("a 5xx frees the key so the client may retry; a stored 4xx replays", arguments: TestDatabase.all)
    func failuresAndStoredErrors(engine: TestDatabase) async throws {
        let attempts = Counter()
        try await withTestApplication(
            engine,
            routes: { router in
                router.router.group("/test").add(middleware: router.idempotency.middleware).post("/flaky") { _, _ -> Response in
                    if attempts.increment() == 1 {
                        throw TenantryError(.unavailable, "The database is away.")
                    }
                    return Response(status: .ok)
                }
            }
        ) { client, context in
            let headers = Self.keyed("flaky-\(UUID().uuidString)")
            #expect(try await client.json(.post, "/test/flaky", ["n": 1], headers: headers).status == .serviceUnavailable)
            let retried = try await client.json(.post, "/test/flaky", ["n": 1], headers: headers)
            #expect(retried.status == .ok)
            #expect(retried.headers[Self.replayed] == nil)
            #expect(attempts.count == 2)

            let owner = try await client.register()
            let invalid = Self.keyed("invalid-\(UUID().uuidString)")
            let rejected = try await client.json(
                .post, "/api/v1/teams", ["name": " "], token: owner.accessToken, headers: invalid)
            #expect(rejected.status == .unprocessableContent)
            let again = try await client.json(.post, "/api/v1/teams", ["name": " "], token: owner.accessToken, headers: invalid)
            #expect(again.status == .unprocessableContent)
            #expect(again.raw == rejected.raw)
            #expect(again.headers[Self.replayed] == "true")

            // A conflict may pass, so it is not stored: once the name is free, the key works.
            let taken = try await client.json(.post, "/api/v1/teams", ["name": "Dup"], token: owner.accessToken)
            let conflictKey = Self.keyed("conflict-\(UUID().uuidString)")
            let conflict = try await client.json(
                .post, "/api/v1/teams", ["name": "Dup"], token: owner.accessToken, headers: conflictKey)
            #expect(conflict.status == .conflict)
            #expect(problemCode(conflict.body) == "conflict")
            let takenID = try #require(taken.body["id"] as? String)
            #expect(try await client.json(.delete, "/api/v1/teams/\(takenID)", token: owner.accessToken).status == .noContent)
            let created = try await client.json(
                .post, "/api/v1/teams", ["name": "Dup"], token: owner.accessToken, headers: conflictKey)
            #expect(created.status == .created, "\(created.raw)")
            #expect(created.headers[Self.replayed] == nil)
            #expect(try await storedRecords(context).count == 3)
        }
    }

    @Test("concurrent requests with one key create one resource and one audit event", arguments: TestDatabase.all)
    func concurrentRequestsRunOnce(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let headers = Self.keyed("race-\(UUID().uuidString)")
            let responses = try await withThrowingTaskGroup(
                of: (status: HTTPResponse.Status, replayed: String?, code: String?).self
            ) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await client.json(
                            .post, "/api/v1/teams", ["name": "Race"], token: owner.accessToken, headers: headers)
                        return (response.status, response.headers[Self.replayed], problemCode(response.body))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.filter { $0.status == .created && $0.replayed == nil }.count == 1)
            for response in responses where response.status != .created {
                #expect(response.status == .conflict)
                #expect(response.code == "idempotency_in_progress")
            }
            try await Self.expectOneTeamCreated(client, owner, context)
        }
    }

    @Test("different principals with one key never see each other's responses", arguments: TestDatabase.all)
    func principalsAreSeparate(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let admin = try await client.addSignedInMember(
                context, adminToken: owner.accessToken, tenantSlug: owner.tenantSlug, role: "admin")
            let apiKey = try await client.createKey(token: owner.accessToken, scopes: ["teams:manage", "teams:read"])
            let headers = Self.keyed("shared-key")
            let byOwner = try await client.json(
                .post, "/api/v1/teams", ["name": "Owners"], token: owner.accessToken, headers: headers)
            #expect(byOwner.status == .created)
            // The owner's request with the owner's key is no replay for anyone else: it runs again
            // (and finds the name taken, a conflict, which is not stored).
            let sameBody = try await client.json(.post, "/api/v1/teams", ["name": "Owners"], token: admin.token, headers: headers)
            #expect(sameBody.status == .conflict)
            #expect(problemCode(sameBody.body) == "conflict")
            #expect(!sameBody.raw.contains(try #require(byOwner.body["id"] as? String)))
            let byAdmin = try await client.json(.post, "/api/v1/teams", ["name": "Admins"], token: admin.token, headers: headers)
            let byKey = try await client.json(.post, "/api/v1/teams", ["name": "Keys"], token: apiKey.secret, headers: headers)
            for (response, name) in [(byAdmin, "Admins"), (byKey, "Keys")] {
                #expect(response.status == .created, "\(response.raw)")
                #expect(response.body["name"] as? String == name)
                #expect(response.headers[Self.replayed] == nil)
            }
            let ownerAgain = try await client.json(
                .post, "/api/v1/teams", ["name": "Owners"], token: owner.accessToken, headers: headers)
            #expect(ownerAgain.raw == byOwner.raw)
            #expect(ownerAgain.headers[Self.replayed] == "true")

            // Public routes: two people signing in with one key each get their own session.
            let other = try await client.register()
            let loginKey = Self.keyed("login-\(UUID().uuidString)")
            let first = try await client.json(
                .post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password], headers: loginKey)
            let second = try await client.json(
                .post, "/api/v1/auth/login", ["email": other.email, "password": other.password], headers: loginKey)
            #expect(first.status == .ok)
            #expect(second.status == .unprocessableContent)
            #expect(problemCode(second.body) == "idempotency_key_reused")
            let firstUser = first.body["user"] as? [String: Any]
            #expect(firstUser?["id"] as? String == owner.userID)
            #expect(!second.raw.contains(owner.userID))
            let replayedLogin = try await client.json(
                .post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password], headers: loginKey)
            #expect(replayedLogin.raw == first.raw)
            #expect(replayedLogin.headers[Self.replayed] == "true")
        }
    }

    @Test("a signed-in route replays without a second change event", arguments: TestDatabase.all)
    func signedInRouteReplays(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let headers = Self.keyed(UUID().uuidString)
            let first = try await client.json(
                .patch, "/api/v1/me", ["name": "Renamed"], token: owner.accessToken, headers: headers)
            #expect(first.status == .ok, "\(first.raw)")
            let second = try await client.json(
                .patch, "/api/v1/me", ["name": "Renamed"], token: owner.accessToken, headers: headers)
            #expect(second.raw == first.raw)
            #expect(second.headers[Self.replayed] == "true")
            #expect(try await auditEvents("user.profile_updated", in: owner.tenantID, context).count == 1)
        }
    }

    @Test("a key expires after 24 hours and may then be used for another request", arguments: TestDatabase.all)
    func keysExpire(engine: TestDatabase) async throws {
        let clock = ManualClock()
        try await withTestApplication(engine, idempotency: .init(now: { clock.now })) { client, context in
            let owner = try await client.register()
            let headers = Self.keyed("daily")
            let first = try await client.json(
                .post, "/api/v1/teams", ["name": "Day one"], token: owner.accessToken, headers: headers)
            #expect(first.status == .created)
            // A minute's margin on each side: real time passes between the requests too.
            clock.advance(by: 86_400 - 60)
            let withinDay = try await client.json(
                .post, "/api/v1/teams", ["name": "Day two"], token: owner.accessToken, headers: headers)
            #expect(withinDay.status == .unprocessableContent)
            clock.advance(by: 120)
            let nextDay = try await client.json(
                .post, "/api/v1/teams", ["name": "Day two"], token: owner.accessToken, headers: headers)
            #expect(nextDay.status == .created, "\(nextDay.raw)")
            #expect(nextDay.headers[Self.replayed] == nil)
            #expect(nextDay.body["name"] as? String == "Day two")

            // The sweeper removes what has expired, and only that.
            let sweeper = IdempotencyRecordSweeper(
                database: SQLDataStore(context.database.database), logger: TestLogging.logger, batchSize: 1, now: { clock.now })
            #expect(try await sweeper.runOnce() == 0)
            clock.advance(by: 86_400)
            #expect(try await storedRecords(context).count == 1)
            #expect(try await sweeper.runOnce() == 1)
            #expect(try await storedRecords(context).isEmpty)
        }
    }

    @Test("malformed keys are 400; GET ignores the header", arguments: TestDatabase.all)
    func keyRules(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            for bad in ["", String(repeating: "k", count: 256), "has space", "ключ", "a\"b", "\"\""] {
                let response = try await client.json(
                    .post, "/api/v1/teams", ["name": "Never"], token: owner.accessToken, headers: Self.keyed(bad))
                #expect(response.status == .badRequest, "\(bad): \(response.raw)")
                #expect(problemCode(response.body) == "invalid_idempotency_key")
            }
            #expect(try await storedRecords(context).isEmpty)
            let list = try await client.json(.get, "/api/v1/teams", token: owner.accessToken, headers: Self.keyed("not a key"))
            #expect(list.status == .ok)
            #expect((list.body["items"] as? [[String: Any]])?.isEmpty == true)

            let longest = String(repeating: "k", count: 255)
            let created = try await client.json(
                .post, "/api/v1/teams", ["name": "Quoted"], token: owner.accessToken, headers: Self.keyed(longest))
            #expect(created.status == .created)
            let allowed = "Az09-_.:~+/="
            let bare = try await client.json(
                .post, "/api/v1/teams", ["name": "Bare"], token: owner.accessToken, headers: Self.keyed(allowed))
            #expect(bare.status == .created)
            let quoted = try await client.json(
                .post, "/api/v1/teams", ["name": "Bare"], token: owner.accessToken, headers: Self.keyed("\"\(allowed)\""))
            #expect(quoted.headers[Self.replayed] == "true")
            #expect(quoted.raw == bare.raw)
        }
    }

    @Test("the tenant purge's delete removes one tenant's records and no others", arguments: TestDatabase.all)
    func purgeDeletesOneTenant(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let first = try await client.register()
            let second = try await client.register()
            for owner in [first, second] {
                let response = try await client.json(
                    .post, "/api/v1/teams", ["name": "T"], token: owner.accessToken, headers: Self.keyed("purge"))
                #expect(response.status == .created)
            }
            let firstID = try #require(TenantID(first.tenantID))
            let deleted = try await context.database.database.withGlobal { scope in
                try await scope.idempotencyRecords.delete(tenant: firstID)
            }
            #expect(deleted == 1)
            let remaining = try await storedRecords(context)
            #expect(remaining.map(\.tenantID) == [TenantID(second.tenantID)])
        }
    }

    /// Exactly one team exists in the owner's tenant, and one `team.created` event was recorded.
    static func expectOneTeamCreated(
        _ client: any TestClientProtocol, _ owner: Registered, _ context: TestApplicationContext
    ) async throws {
        #expect(try await auditEvents("team.created", in: owner.tenantID, context).count == 1)
        let list = try await client.json(.get, "/api/v1/teams", token: owner.accessToken)
        #expect((list.body["items"] as? [[String: Any]])?.count == 1)
    }

    /// `POST /test/slow` behind the guard: waits at `gate` before answering 201 with a body and
    /// a `Location`.
    static func addSlowRoute(_ router: APIRouter, gate: Gate) {
        router.router.group("/test").add(middleware: router.idempotency.middleware).post("/slow") { _, _ -> Response in
            let number = await gate.pass()
            var headers = HTTPFields()
            headers[.location] = "/test/slow/\(number)"
            headers[.contentType] = "application/json"
            return Response(
                status: .created, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"n":\#(number)}"#)))
        }
    }
}

/// Every stored idempotency record.
func storedRecords(_ context: TestApplicationContext) async throws -> [IdempotencyRecord] {
    try await context.database.database.withGlobal { scope in
        var records: [IdempotencyRecord] = []
        for row in try await scope.sql.raw("SELECT scope_hash FROM idempotency_records").all() {
            let hash = try row.decode(column: "scope_hash", as: String.self)
            if let record = try await scope.idempotencyRecords.find(scopeHash: hash) { records.append(record) }
        }
        return records
    }
}

/// A counter shared with a route handler.
final class Counter: Sendable {
    private let value = Mutex(0)

    /// Adds one and returns the new count.
    func increment() -> Int {
        value.withLock {
            $0 += 1; return $0
        }
    }

    var count: Int { value.withLock { $0 } }
}

/// Holds requests in a handler until the test opens it, and counts who came through.
actor Gate {
    private(set) var entered = 0
    private var isOpen = false
    private var waitingToPass: [CheckedContinuation<Void, Never>] = []
    private var waitingForEntries: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    /// Called by the handler: counts the entry, then waits until the gate opens.
    func pass() async -> Int {
        entered += 1
        let number = entered
        waitingForEntries.removeAll { waiter in
            guard entered >= waiter.count else { return false }
            waiter.continuation.resume()
            return true
        }
        if !isOpen { await withCheckedContinuation { waitingToPass.append($0) } }
        return number
    }

    /// Returns once `count` requests have entered the handler.
    func waitUntilEntered(count: Int) async {
        if entered >= count { return }
        await withCheckedContinuation { waitingForEntries.append((count, $0)) }
    }

    /// Lets every held request and every later one through.
    func open() {
        isOpen = true
        for waiter in waitingToPass { waiter.resume() }
        waitingToPass.removeAll()
    }
}
