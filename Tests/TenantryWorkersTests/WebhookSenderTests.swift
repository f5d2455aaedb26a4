import Foundation
import TenantryCore
import TenantryTestSupport
import TenantryWorkers
import Testing

@Suite("Webhook sender")
struct WebhookSenderTests {
    /// Loopback allowed, plain http allowed: what the tests' receiver needs.
    static let loopback = EgressPolicy(allowedNetworks: IPNetwork("127.0.0.0/8").map { [$0] } ?? [], allowHTTP: true)

    static func withReceiver<T>(secrets: [WebhookSecret] = [], _ body: (PythonPeer) async throws -> T) async throws -> T {
        let peer = try await PythonPeer(
            script: "webhook_receiver.py",
            arguments: ["--port", "0", "--exit-on-stdin-eof"] + secrets.flatMap { ["--secret", $0.text] },
            hint: "is standardwebhooks installed? scripts/test installs it")
        defer { peer.stop() }
        return try await body(peer)
    }

    static func received(_ peer: PythonPeer, count: Int) async throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + .seconds(10)
        while peer.lines.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return peer.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Posts `{}` to `path` on the receiver.
    static func post(_ sender: WebhookSender, _ peer: PythonPeer, _ path: String) async throws -> DeliveryResponse {
        try await sender.post(
            url: try #require(URL(string: "http://127.0.0.1:\(peer.port)\(path)")), headers: [], body: Array("{}".utf8))
    }

    @Test("a signed message reaches the receiver, which verifies it with the reference library")
    func signedDelivery() async throws {
        let secret = WebhookSecret.generate()
        try await Self.withReceiver(secrets: [secret]) { peer in
            let sender = try WebhookSender(policy: Self.loopback, userAgent: "Tenantry-Webhooks/test")
            let body = Array(#"{"type":"member.added","timestamp":"2026-12-04T00:00:00.000Z","data":{}}"#.utf8)
            let timestamp = Int64(Date().timeIntervalSince1970)
            let headers = [
                (WebhookSignature.Header.id, "msg_1"), (WebhookSignature.Header.timestamp, String(timestamp)),
                (
                    WebhookSignature.Header.signature,
                    WebhookSignature.header(id: "msg_1", timestamp: timestamp, body: body, secrets: [secret])
                ),
            ]
            let url = try #require(URL(string: "http://127.0.0.1:\(peer.port)/ok?tenant=a"))
            let response = try await sender.post(url: url, headers: headers, body: body)
            #expect(response.statusCode == 200 && response.succeeded)
            #expect(response.body == #"{"ok": true}"#)
            let received = try await Self.received(peer, count: 1)
            #expect(received.count == 1, "\(peer.log)")
            #expect(received.first?["path"] as? String == "/ok?tenant=a")
            #expect(received.first?["verified"] as? Bool == true)
            let seen = received.first?["headers"] as? [String: String]
            #expect(seen?["user-agent"] == "Tenantry-Webhooks/test")
            #expect(seen?["content-type"] == "application/json")
            #expect(seen?["webhook-id"] == "msg_1")
        }
    }

    @Test("statuses come back as they are: 410, 429 with Retry-After, a redirect not followed; bodies cut at 4 KiB")
    func answers() async throws {
        try await Self.withReceiver { peer in
            let sender = try WebhookSender(policy: Self.loopback, userAgent: "Tenantry-Webhooks/test")
            #expect(try await Self.post(sender, peer, "/status/410").statusCode == 410)
            let busy = try await Self.post(sender, peer, "/status/429")
            #expect(busy.statusCode == 429 && busy.retryAfter == "7" && !busy.succeeded)
            let redirect = try await Self.post(sender, peer, "/redirect")
            #expect(redirect.statusCode == 302 && !redirect.succeeded)
            let big = try await Self.post(sender, peer, "/big")
            #expect(big.body.utf8.count == WebhookSender.maximumResponseBody)
            // The redirect was not followed: the receiver saw no request for /ok.
            let received = try await Self.received(peer, count: 4)
            #expect(received.compactMap { $0["path"] as? String } == ["/status/410", "/status/429", "/redirect", "/big"])
        }
    }

    @Test("one connection carries successive deliveries to a receiver that keeps it open; a closed one is replaced")
    func keepAlive() async throws {
        try await Self.withReceiver { peer in
            let sender = try WebhookSender(policy: Self.loopback, userAgent: "Tenantry-Webhooks/test")
            let paths = ["/ok", "/big", "/ok", "/close", "/ok", "/drop", "/ok", "/status/500", "/ok"]
            for path in paths {
                #expect(try await Self.post(sender, peer, path).statusCode == (path == "/status/500" ? 500 : 200))
                // Let the receiver's close, when it closes, reach the sender before the next request.
                try await Task.sleep(for: .milliseconds(50))
            }
            let received = try await Self.received(peer, count: paths.count)
            let ports = received.compactMap { $0["client_port"] as? Int }
            try #require(ports.count == paths.count, "\(peer.log)")
            // /ok, /big (whose long body was read to its end) and /ok on one connection, and
            // /close after them; then /ok and /drop on a second; then /ok, /status/500 and /ok on
            // a third.
            #expect(Set(ports[0...3]).count == 1)
            #expect(Set(ports[4...5]).count == 1 && ports[4] != ports[3])
            #expect(Set(ports[6...8]).count == 1 && ports[6] != ports[5] && ports[6] != ports[3])
        }
    }

    @Test(
        "refused addresses are never contacted: loopback, private, metadata, IPv6 loopback and mapped forms",
        arguments: [
            "http://127.0.0.1:9/in", "http://10.0.0.1/in", "http://169.254.169.254/latest", "http://[::1]:9/in",
            "http://[::ffff:127.0.0.1]:9/in", "http://localhost:9/in",
        ])
    func refusals(url: String) async throws {
        let sender = try WebhookSender(policy: EgressPolicy(allowHTTP: true), userAgent: "Tenantry-Webhooks/test")
        await #expect {
            _ = try await sender.post(url: try #require(URL(string: url)), headers: [], body: [])
        } throws: { error in
            guard case .forbiddenAddress = error as? DeliveryFailure else { return false }
            return true
        }
    }

    @Test("a slow endpoint times out; a closed port fails to connect; an unknown name does not resolve")
    func failures() async throws {
        try await Self.withReceiver { peer in
            let sender = try WebhookSender(policy: Self.loopback, timeout: .seconds(1), userAgent: "Tenantry-Webhooks/test")
            await #expect(throws: DeliveryFailure.timedOut) {
                _ = try await sender.post(
                    url: try #require(URL(string: "http://127.0.0.1:\(peer.port)/slow/3")), headers: [], body: [])
            }
        }
        let sender = try WebhookSender(policy: Self.loopback, timeout: .seconds(5), userAgent: "Tenantry-Webhooks/test")
        await #expect(throws: DeliveryFailure.connectionFailed) {
            _ = try await sender.post(url: try #require(URL(string: "http://127.0.0.1:1/in")), headers: [], body: [])
        }
        await #expect(throws: DeliveryFailure.unresolvable) {
            _ = try await sender.post(url: try #require(URL(string: "http://no-such-host.invalid/in")), headers: [], body: [])
        }
    }
}
