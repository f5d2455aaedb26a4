import Foundation
import HummingbirdTesting
import Logging
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import TenantryWorkers
import Testing

/// A tenant with one endpoint on the tests' receiver, and what delivering to it needs.
struct WebhookBench: Sendable {
    let client: any TestClientProtocol
    let context: TestApplicationContext
    let owner: Registered
    let receiver: PythonPeer
    let endpointID: String
    let secret: String

    var database: any DatabaseClient { context.database.database }
    var tenantID: TenantID { TenantID(owner.tenantID) ?? TenantID(UUID()) }

    /// Loopback and plain http allowed, for the receiver.
    static let loopback = EgressPolicy(allowedNetworks: IPNetwork("127.0.0.0/8").map { [$0] } ?? [], allowHTTP: true)

    /// Runs `body` with a receiver, a registered tenant and an endpoint posting to `path` on
    /// the receiver; the events so far are fanned out and their messages removed, so only what
    /// the test causes is delivered.
    static func run(
        _ engine: TestDatabase, path: String = "/ok", _ body: @Sendable (WebhookBench) async throws -> Void
    ) async throws {
        let receiver = try await PythonPeer(
            script: "webhook_receiver.py", arguments: ["--port", "0", "--exit-on-stdin-eof"],
            hint: "is standardwebhooks installed? scripts/test installs it")
        defer { receiver.stop() }
        try await withTestApplication(engine, configure: { $0.webhookEgress = loopback }) { client, context in
            let owner = try await client.register()
            let created = try await client.json(
                .post, "/api/v1/webhook-endpoints", ["url": "http://127.0.0.1:\(receiver.port)\(path)"],
                token: owner.accessToken)
            #expect(created.status == .created, "\(created.raw)")
            let bench = WebhookBench(
                client: client, context: context, owner: owner, receiver: receiver,
                endpointID: try #require((created.body["endpoint"] as? [String: Any])?["id"] as? String),
                secret: try #require(created.body["secret"] as? String))
            try await WebhookFanOut(database: SQLDataStore(bench.database)).drain()
            try await bench.database.withTenant(bench.tenantID) { scope in
                try await scope.sql.raw("DELETE FROM webhook_messages WHERE tenant_id = \(bind: bench.tenantID.rawValue)").run()
            }
            try await body(bench)
        }
    }

    /// A delivery use case with the real sender; jitter pinned to none.
    func delivery(_ settings: WebhookDeliverySettings = WebhookDeliverySettings()) throws -> WebhookDelivery {
        WebhookDelivery(
            database: SQLDataStore(database), masterKey: context.identity.masterKey,
            transport: try WebhookSender(policy: Self.loopback, timeout: settings.timeout, userAgent: "Tenantry-Webhooks/test"),
            settings: settings, logger: TestLogging.logger, random: { _ in 0 })
    }

    /// Causes one event (the tenant is renamed: `tenant.updated`) and fans it out.
    @discardableResult
    func causeEvent(_ name: String = "Acme \(UUID().uuidString.prefix(6))") async throws -> Int {
        let renamed = try await client.json(.patch, "/api/v1/tenant", ["name": name], token: owner.accessToken)
        #expect(renamed.status == .ok, "\(renamed.raw)")
        return try await WebhookFanOut(database: SQLDataStore(database)).drain()
    }

    /// The tenant's messages: id, status, attempts, next attempt.
    func messages() async throws -> [(id: UUID, status: String, attempts: Int, next: Date?)] {
        try await database.withTenant(tenantID) { scope in
            try await scope.sql.raw(
                """
                SELECT id, status, attempts, next_attempt_at FROM webhook_messages
                WHERE tenant_id = \(bind: tenantID.rawValue) ORDER BY id
                """
            ).all().map {
                (
                    try $0.decode(column: "id", as: UUID.self), try $0.decode(column: "status", as: String.self),
                    try $0.decode(column: "attempts", as: Int.self), try $0.decode(column: "next_attempt_at", as: Date?.self)
                )
            }
        }
    }

    /// The endpoint as the API shows it.
    func endpoint() async throws -> [String: Any] {
        let response = try await client.json(.get, "/api/v1/webhook-endpoints/\(endpointID)", token: owner.accessToken)
        return response.body
    }

    /// The tenant's outbox events of `type`, as their changes.
    func events(_ type: EventType) async throws -> [[String: Any]] {
        let payloads = try await database.withTenant(tenantID) { scope in
            try await scope.sql.raw(
                """
                SELECT payload FROM domain_events WHERE tenant_id = \(bind: tenantID.rawValue) AND type = \(bind: type.rawValue)
                ORDER BY occurred_at
                """
            ).all().map { try $0.decode(column: "payload", as: String.self) }
        }
        return payloads.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) ?? [:] }
    }

    /// The requests the receiver got, parsed.
    func received(atLeast count: Int) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .seconds(10)
        while receiver.lines.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return receiver.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

@Suite("Webhook delivery")
struct WebhookDeliveryTests {
    @Test(
        "a message arrives signed as Standard Webhooks says, verified by standardwebhooks and svix, with both secrets during a rotation",
        arguments: TestDatabase.all)
    func signedDeliveryAndRotation(engine: TestDatabase) async throws {
        try await WebhookBench.run(engine) { bench in
            let delivery = try bench.delivery()
            #expect(try await bench.causeEvent() == 1)
            #expect(try await delivery.runOnce() == 1)
            let first = try #require(try await bench.received(atLeast: 1).first)
            let headers = try #require(first["headers"] as? [String: String])
            #expect(headers["user-agent"] == "Tenantry-Webhooks/test")
            let id = try #require(headers["webhook-id"])
            #expect(id.hasPrefix("msg_"))
            let timestamp = try #require(headers["webhook-timestamp"].flatMap { Int64($0) })
            let signature = try #require(headers["webhook-signature"])
            let body = try #require(first["body"] as? String)
            let verified = try await StandardWebhooks.verify(
                secret: bench.secret, id: id, timestamp: timestamp, signature: signature, body: body)
            #expect(verified.status == 0, "\(verified.output)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
            #expect(json["type"] as? String == "tenant.updated")
            let stored = try await bench.messages()
            #expect(stored.count == 1 && stored[0].status == "delivered" && stored[0].attempts == 1 && stored[0].next == nil)
            #expect(id == "msg_" + stored[0].id.uuidString.lowercased())

            // Rotation: the next message carries two signatures; each secret verifies it.
            let rotated = try await bench.client.json(
                .post, "/api/v1/webhook-endpoints/\(bench.endpointID)/rotate-secret", token: bench.owner.accessToken)
            let newSecret = try #require(rotated.body["secret"] as? String)
            try await WebhookFanOut(database: SQLDataStore(bench.database)).drain()
            try await bench.causeEvent()
            #expect(try await delivery.runOnce() >= 1)
            let last = try #require(try await bench.received(atLeast: 2).last)
            let lastHeaders = try #require(last["headers"] as? [String: String])
            let lastSignature = try #require(lastHeaders["webhook-signature"])
            #expect(lastSignature.split(separator: " ").count == 2)
            for secret in [bench.secret, newSecret] {
                let result = try await StandardWebhooks.verify(
                    secret: secret, id: try #require(lastHeaders["webhook-id"]),
                    timestamp: try #require(lastHeaders["webhook-timestamp"].flatMap { Int64($0) }), signature: lastSignature,
                    body: try #require(last["body"] as? String))
                #expect(result.status == 0, "\(result.output)")
            }
            let wrong = try await StandardWebhooks.verify(
                secret: WebhookSecret.generate().text, id: try #require(lastHeaders["webhook-id"]),
                timestamp: try #require(lastHeaders["webhook-timestamp"].flatMap { Int64($0) }), signature: lastSignature,
                body: try #require(last["body"] as? String))
            #expect(wrong.status != 0)
        }
    }

    @Test(
        "a failing message follows the schedule with an injected clock, keeps its webhook-id, is dead-lettered after the eighth attempt with message.attempt.exhausted",
        arguments: TestDatabase.all)
    func scheduleAndDeadLetter(engine: TestDatabase) async throws {
        try await WebhookBench.run(engine, path: "/status/500") { bench in
            let delivery = try bench.delivery()
            try await bench.causeEvent()
            // The clock starts when the message is due (stored times are whole milliseconds).
            var now = try #require(try await bench.messages().first?.next).addingTimeInterval(0.001)
            var delays: [TimeInterval] = []
            for attempt in 1...8 {
                // Not a moment early.
                #expect(try await delivery.runOnce(now: now.addingTimeInterval(-0.5)) == 0, "attempt \(attempt) ran early")
                #expect(try await delivery.runOnce(now: now) == 1, "attempt \(attempt)")
                let message = try #require(try await bench.messages().first)
                #expect(message.attempts == attempt)
                if attempt < 8 {
                    #expect(message.status == "pending")
                    let next = try #require(message.next)
                    delays.append((next.timeIntervalSince(now) * 10).rounded() / 10)
                    // Stored times are whole milliseconds: a read-back one can be a hair early.
                    now = next.addingTimeInterval(0.001)
                } else {
                    #expect(message.status == "failed" && message.next == nil)
                }
            }
            #expect(delays == [5, 300, 1800, 7200, 18000, 36000, 36000])
            // Nothing more is due, ever.
            #expect(try await delivery.runOnce(now: now.addingTimeInterval(30 * 86400)) == 0)
            let requests = try await bench.received(atLeast: 8)
            #expect(requests.count == 8)
            let ids = Set(requests.compactMap { ($0["headers"] as? [String: String])?["webhook-id"] })
            #expect(ids.count == 1)
            let exhausted = try await bench.events(.messageAttemptExhausted)
            #expect(exhausted.count == 1)
            let changes = try #require(exhausted.first?["changes"] as? [String: [String: Any]])
            #expect(changes["attempts"]?["after"] as? String == "8")
            #expect(changes["last_status_code"]?["after"] as? String == "500")
            #expect(changes["endpoint_id"]?["after"] as? String == bench.endpointID)
            #expect((exhausted.first?["actor"] as? [String: Any])?["type"] as? String == "system")
            // The attempts are in the log, each with its status and body.
            let stored = try #require(try await bench.messages().first)
            let attempts = try await bench.client.json(
                .get, "/api/v1/webhook-messages/\(stored.id.uuidString.lowercased())/attempts",
                token: bench.owner.accessToken)
            let items = attempts.body["items"] as? [[String: Any]] ?? []
            #expect(items.count == 8, "\(attempts.raw)")
            #expect(
                items.allSatisfy { $0["status_code"] as? Int == 500 && ($0["response_body"] as? String)?.contains("500") == true }
            )
            // A dead letter's event is not sent to the endpoint that is failing.
            #expect(try await WebhookFanOut(database: SQLDataStore(bench.database)).drain() == 0)
        }
    }

    @Test(
        "a 410 Gone answer fails the message and disables the endpoint, with an event and an email", arguments: TestDatabase.all)
    func goneDisables(engine: TestDatabase) async throws {
        try await WebhookBench.run(engine, path: "/status/410") { bench in
            let delivery = try bench.delivery()
            try await bench.causeEvent()
            #expect(try await delivery.runOnce() == 1)
            let message = try #require(try await bench.messages().first)
            #expect(message.status == "failed" && message.attempts == 1)
            let endpoint = try await bench.endpoint()
            #expect(endpoint["enabled"] as? Bool == false)
            #expect(endpoint["disabled_reason"] as? String == "gone")
            let disabled = try await bench.events(.webhookEndpointDisabled)
            #expect(disabled.count == 1)
            #expect(try await Self.emails(bench).contains { $0.contains("was disabled") && $0.contains("410 Gone") })
            // Disabled: later events make no messages.
            #expect(try await bench.causeEvent() == 0)
        }
    }

    @Test(
        "429 and 503 answers are retried no sooner than their Retry-After; an endpoint failing for the whole window is disabled",
        arguments: TestDatabase.all)
    func retryAfterAndFailureWindow(engine: TestDatabase) async throws {
        try await WebhookBench.run(engine, path: "/status/429") { bench in
            var settings = WebhookDeliverySettings()
            settings.failureWindow = 60
            let delivery = try bench.delivery(settings)
            try await bench.causeEvent()
            let start = Date()
            #expect(try await delivery.runOnce(now: start) == 1)
            // Retry-After: 7 is longer than the 5-second step: it wins.
            let first = try #require(try await bench.messages().first)
            #expect(abs(try #require(first.next).timeIntervalSince(start) - 7) < 0.01)
            #expect(try await bench.endpoint()["enabled"] as? Bool == true)
            // Still failing a minute later: disabled for failing, with an email.
            let later = start.addingTimeInterval(61)
            #expect(try await delivery.runOnce(now: later) == 1)
            let endpoint = try await bench.endpoint()
            #expect(endpoint["enabled"] as? Bool == false)
            #expect(endpoint["disabled_reason"] as? String == "failing")
            let disabled = try await bench.events(.webhookEndpointDisabled)
            let changes = disabled.first?["changes"] as? [String: [String: Any]]
            #expect(changes?["disabled_reason"]?["after"] as? String == "failing")
            #expect(try await Self.emails(bench).contains { $0.contains("failure window") })
            // A disabled endpoint's pending message waits, parked (no due time): it is not claimed.
            #expect(try await bench.messages().first?.next == nil)
            #expect(try await delivery.runOnce(now: later.addingTimeInterval(3600)) == 0)
            // Enabled again, it is due at once, and goes.
            let enabled = try await bench.client.json(
                .patch, "/api/v1/webhook-endpoints/\(bench.endpointID)", ["enabled": true], token: bench.owner.accessToken)
            #expect(enabled.status == .ok, "\(enabled.raw)")
            let parked = try #require(try await bench.messages().first)
            #expect(parked.status == "pending" && parked.next != nil)
            #expect(try await delivery.runOnce(now: Date().addingTimeInterval(1)) == 1)
        }
    }

    @Test("a host name that resolves to a refused address is never contacted", arguments: TestDatabase.all)
    func resolvedAddressChecked(engine: TestDatabase) async throws {
        try await WebhookBench.run(engine) { bench in
            // Plain http allowed, loopback not: `localhost` passes the URL check, not delivery.
            let strict = EgressPolicy(allowHTTP: true)
            let delivery = WebhookDelivery(
                database: SQLDataStore(bench.database), masterKey: bench.context.identity.masterKey,
                transport: try WebhookSender(policy: strict, userAgent: "Tenantry-Webhooks/test"), logger: TestLogging.logger)
            let changed = try await bench.client.json(
                .patch, "/api/v1/webhook-endpoints/\(bench.endpointID)", ["url": "http://localhost:\(bench.receiver.port)/ok"],
                token: bench.owner.accessToken)
            #expect(changed.status == .ok, "\(changed.raw)")
            try await WebhookFanOut(database: SQLDataStore(bench.database)).drain()
            try await bench.database.withTenant(bench.tenantID) { scope in
                try await scope.sql.raw("DELETE FROM webhook_messages WHERE tenant_id = \(bind: bench.tenantID.rawValue)").run()
            }
            try await bench.causeEvent()
            #expect(try await delivery.runOnce() == 1)
            let message = try #require(try await bench.messages().first)
            #expect(message.status == "pending" && message.attempts == 1)
            let kinds = try await bench.database.withTenant(bench.tenantID) { scope in
                try await scope.sql.raw(
                    "SELECT error_kind FROM webhook_attempts WHERE tenant_id = \(bind: bench.tenantID.rawValue)"
                ).all().map { try $0.decode(column: "error_kind", as: String?.self) }
            }
            #expect(kinds == ["forbidden_address"])
            try await Task.sleep(for: .milliseconds(200))
            #expect(bench.receiver.lines.isEmpty)
        }
    }

    @Test(
        "two delivery workers claiming at once deliver each message exactly once; a claim that expired cannot record",
        arguments: TestDatabase.all)
    func concurrentWorkersAndLostClaims(engine: TestDatabase) async throws {
        try await WebhookBench.run(engine) { bench in
            for index in 0..<30 { try await bench.causeEvent("Acme \(index)") }
            var settings = WebhookDeliverySettings()
            settings.concurrency = 4
            let one = try bench.delivery(settings)
            let two = try bench.delivery(settings)
            async let first: Int = Self.drain(one)
            async let second: Int = Self.drain(two)
            let (a, b) = try await (first, second)
            #expect(a + b == 30)
            let requests = try await bench.received(atLeast: 30)
            let ids = requests.compactMap { ($0["headers"] as? [String: String])?["webhook-id"] }
            #expect(ids.count == 30 && Set(ids).count == 30)
            #expect(try await bench.messages().allSatisfy { $0.status == "delivered" && $0.attempts == 1 })

            // A claim taken over after it expired: the first holder's write is refused.
            try await bench.causeEvent()
            let now = Date()
            let stale = try #require(try await one.claim(now: now, limit: 1).first)
            #expect(try await two.claim(now: now, limit: 1).isEmpty)
            let later = now.addingTimeInterval(settings.lease + 1)
            let fresh = try #require(try await two.claim(now: later, limit: 1).first)
            #expect(fresh.message.id == stale.message.id && fresh.claim != stale.claim)
            let attempt = WebhookAttempt(
                tenantID: bench.tenantID, id: .generate(), messageID: stale.message.id, attemptedAt: now,
                durationMilliseconds: 1, statusCode: 200, responseBody: "", errorKind: nil)
            var settled = stale.message
            settled.status = .delivered
            let recorded = try await SQLDataStore(bench.database).withTenant(bench.tenantID) { scope in
                try await scope.webhookMessages.finishAttempt(attempt, message: settled, claim: stale.claim)
            }
            #expect(!recorded)
            await two.deliver(fresh, now: later)
            let last = try #require(try await bench.messages().last)
            #expect(last.status == "delivered" && last.attempts == 1)
        }
    }

    @Test(
        "the delivery log lists and filters messages; resend, recover and a test message send again; the endpoint's figures add up",
        arguments: TestDatabase.all)
    func logAndRecovery(engine: TestDatabase) async throws {
        try await WebhookBench.run(engine, path: "/status/500") { bench in
            let token = bench.owner.accessToken
            let client = bench.client
            let delivery = try bench.delivery()
            try await bench.causeEvent()
            try await bench.causeEvent()
            // Both fail at once and are dead-lettered by walking the schedule.
            var now = Date()
            for _ in 1...8 {
                #expect(try await delivery.runOnce(now: now) == 2)
                // Stored times are whole milliseconds: a read-back one can be a hair early.
                now = (try await bench.messages().compactMap(\.next).max() ?? now).addingTimeInterval(0.001)
            }
            #expect(try await bench.messages().allSatisfy { $0.status == "failed" })

            let failed = try await client.json(.get, "/api/v1/webhook-messages?status=failed&limit=1", token: token)
            #expect(failed.status == .ok, "\(failed.raw)")
            let page = try #require(failed.body["items"] as? [[String: Any]])
            #expect(page.count == 1 && failed.body["next_cursor"] is String)
            let first = try #require(page.first)
            #expect(first["event_type"] as? String == "tenant.updated")
            #expect(first["webhook_id"] as? String == "msg_" + (first["id"] as? String ?? ""))
            #expect((first["payload"] as? [String: Any])?["type"] as? String == "tenant.updated")
            let filtered = try await client.json(
                .get, "/api/v1/webhook-messages?endpoint_id=\(bench.endpointID)&event_type=tenant.updated&status=pending",
                token: token)
            #expect((filtered.body["items"] as? [Any])?.isEmpty == true, "\(filtered.raw)")
            let future = try await client.json(.get, "/api/v1/webhook-messages?since=2999-01-01T00:00:00Z", token: token)
            #expect((future.body["items"] as? [Any])?.isEmpty == true)
            let unknownType = try await client.json(.get, "/api/v1/webhook-messages?event_type=nothing.here", token: token)
            #expect(unknownType.status == .ok && (unknownType.body["items"] as? [Any])?.isEmpty == true)
            let bad = try await client.json(
                .get, "/api/v1/webhook-messages?status=lost&event_type=Nothing&since=yesterday&endpoint_id=x", token: token)
            #expect(bad.status == .unprocessableContent)
            let fields = Set((bad.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["status", "event_type", "since", "endpoint_id"], "\(bad.raw)")

            let stats = try await client.json(.get, "/api/v1/webhook-endpoints/\(bench.endpointID)/stats", token: token)
            #expect(stats.body["attempts"] as? Int == 16 && stats.body["successful_attempts"] as? Int == 0, "\(stats.raw)")
            #expect(stats.body["success_rate"] as? Double == 0)
            #expect((stats.body["messages"] as? [String: Any])?["failed"] as? Int == 2)
            #expect(stats.body["last_success_at"] == nil && stats.body["last_attempt_at"] is String)

            // The endpoint works again: one message sent again by hand, the other recovered.
            let changed = try await client.json(
                .patch, "/api/v1/webhook-endpoints/\(bench.endpointID)", ["url": "http://127.0.0.1:\(bench.receiver.port)/ok"],
                token: token)
            #expect(changed.status == .ok)
            try await WebhookFanOut(database: SQLDataStore(bench.database)).drain()
            let id = try #require(first["id"] as? String)
            let resent = try await client.json(.post, "/api/v1/webhook-messages/\(id)/resend", token: token)
            #expect(resent.status == .accepted, "\(resent.raw)")
            #expect(resent.body["status"] as? String == "pending" && resent.body["attempts"] as? Int == 0)
            #expect(try await delivery.runOnce() >= 1)
            let recovered = try await client.json(
                .post, "/api/v1/webhook-endpoints/\(bench.endpointID)/recover", ["since": "2026-01-01T00:00:00Z"], token: token)
            #expect(recovered.status == .accepted, "\(recovered.raw)")
            #expect(recovered.body["requeued"] as? Int == 1)
            let test = try await client.json(.post, "/api/v1/webhook-endpoints/\(bench.endpointID)/test", token: token)
            #expect(test.status == .accepted, "\(test.raw)")
            #expect(test.body["event_type"] as? String == "webhook.test")
            while try await delivery.runOnce() > 0 {}
            let delivered = try await client.json(.get, "/api/v1/webhook-messages?status=delivered", token: token)
            let types = (delivered.body["items"] as? [[String: Any]] ?? []).compactMap { $0["event_type"] as? String }
            #expect(types.filter { $0 == "tenant.updated" }.count == 2 && types.contains("webhook.test"), "\(delivered.raw)")
            let attempts = try await client.json(.get, "/api/v1/webhook-messages/\(id)/attempts", token: token)
            let statuses = (attempts.body["items"] as? [[String: Any]] ?? []).compactMap { $0["status_code"] as? Int }
            #expect(statuses == Array(repeating: 500, count: 8) + [200])
            let after = try await client.json(.get, "/api/v1/webhook-endpoints/\(bench.endpointID)/stats", token: token)
            // Delivered: the two messages sent again, the test, and the endpoint's own change.
            #expect(after.body["successful_attempts"] as? Int == 4 && after.body["last_success_at"] is String, "\(after.raw)")
            // A future `since` and a disabled endpoint are refused.
            let tooLate = try await client.json(
                .post, "/api/v1/webhook-endpoints/\(bench.endpointID)/recover", ["since": "2999-01-01T00:00:00Z"], token: token)
            #expect(tooLate.status == .unprocessableContent)
            _ = try await client.json(.patch, "/api/v1/webhook-endpoints/\(bench.endpointID)", ["enabled": false], token: token)
            let refused = try await client.json(.post, "/api/v1/webhook-messages/\(id)/resend", token: token)
            #expect(refused.status == .conflict, "\(refused.raw)")
            let unknown = try await client.json(.get, "/api/v1/webhook-messages/\(UUID().uuidString)", token: token)
            #expect(unknown.status == .notFound)
        }
    }

    @Test(
        "retention removes settled messages older than the plan's webhook_retention_days, never pending ones",
        arguments: TestDatabase.all)
    func retention(engine: TestDatabase) async throws {
        try await WebhookBench.run(engine) { bench in
            try await bench.causeEvent()
            try await bench.causeEvent()
            let delivery = try bench.delivery()
            #expect(try await delivery.runOnce() == 2)
            try await bench.causeEvent()
            let retention = WebhookRetention(database: SQLDataStore(bench.database))
            // The free plan keeps 7 days.
            #expect(try await retention.sweep(now: Date().addingTimeInterval(6 * 86400)) == 0)
            #expect(try await retention.sweep(now: Date().addingTimeInterval(8 * 86400)) == 2)
            let left = try await bench.messages()
            #expect(left.count == 1 && left[0].status == "pending")
            let attempts = try await bench.database.withTenant(bench.tenantID) { scope in
                try await scope.sql.raw(
                    "SELECT count(*) AS n FROM webhook_attempts WHERE tenant_id = \(bind: bench.tenantID.rawValue)"
                ).first()?.decode(column: "n", as: Int.self)
            }
            #expect(attempts == 0)
        }
    }

    /// Runs a worker until a round claims nothing; returns how many it claimed.
    static func drain(_ delivery: WebhookDelivery) async throws -> Int {
        var total = 0
        while true {
            let claimed = try await delivery.runOnce()
            if claimed == 0 { return total }
            total += claimed
        }
    }

    /// The text of the emails queued for the tenant.
    static func emails(_ bench: WebhookBench) async throws -> [String] {
        try await bench.database.withGlobal { scope in
            try await scope.sql.raw("SELECT payload FROM jobs WHERE queue = 'email'").all().map {
                try $0.decode(column: "payload", as: String.self)
            }
        }
    }
}
