import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// Signs bodies as other services do, with their own libraries (scripts/test-peers/sign_inbound.py).
enum InboundSigner {
    static func headers(
        scheme: String, secret: String, body: String, timestamp: Int? = nil, id: String? = nil, extra: [String] = []
    ) async throws -> HTTPFields {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("inbound-\(UUID().uuidString).json")
        try Data(body.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var command = [
            "python3", PythonPeer.repositoryRoot.appendingPathComponent("scripts/test-peers/sign_inbound.py").path,
        ]
        if let timestamp { command += ["--timestamp", String(timestamp)] }
        if let id { command += ["--id", id] }
        // Options first, then `--`: a generated secret may begin with "-", which argparse would
        // otherwise take for an option.
        let (status, output) = try await CommandRunner.run(command + extra + ["--", scheme, secret, file.path])
        guard status == 0, let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String] else {
            throw TestFailure("sign_inbound.py failed (are stripe and standardwebhooks installed?): \(output)")
        }
        var fields = HTTPFields()
        for (name, value) in object {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        fields[.contentType] = "application/json"
        return fields
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

@Suite("Inbound webhooks")
struct WebhookSourcesTests {
    /// Posts `body` to a source's receiving URL with `headers`; no bearer.
    static func deliver(_ client: any TestClientProtocol, _ id: String, _ body: String, _ headers: HTTPFields) async throws
        -> (status: HTTPResponse.Status, body: [String: Any])
    {
        try await client.execute(
            uri: "/api/v1/webhook-sources/\(id)/receive", method: .post, headers: headers, body: ByteBuffer(string: body)
        ) { response in
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
            return (response.status, json)
        }
    }

    static func createSource(_ client: any TestClientProtocol, _ token: String, _ body: [String: Any]) async throws -> (
        id: String, secret: String, source: [String: Any]
    ) {
        let created = try await client.json(.post, "/api/v1/webhook-sources", body, token: token)
        #expect(created.status == .created, "\(created.raw)")
        let source = try #require(created.body["source"] as? [String: Any])
        return (try #require(source["id"] as? String), try #require(created.body["secret"] as? String), source)
    }

    static func receivedEvents(_ context: TestApplicationContext, _ tenant: String) async throws -> Int {
        let tenantID = try #require(TenantID(tenant))
        return try await context.database.database.withTenant(tenantID) { scope in
            try await scope.sql.raw(
                """
                SELECT count(*) AS n FROM domain_events WHERE tenant_id = \(bind: tenantID.rawValue) AND type = 'webhook.received'
                """
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    @Test(
        "Stripe: signed by the stripe library, accepted once, a duplicate answered without a second event; tampering, a wrong secret, stale and future timestamps and an oversized body are refused and counted",
        arguments: TestDatabase.all)
    func stripe(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let stripeSecret = "whsec_" + String(repeating: "k", count: 32)
            let (id, secret, source) = try await Self.createSource(
                client, owner.accessToken, ["name": "Stripe", "scheme": "stripe", "secret": stripeSecret])
            #expect(secret == stripeSecret)
            #expect((source["receiving_url"] as? String)?.hasSuffix("/api/v1/webhook-sources/\(id)/receive") == true)
            let body = #"{"id":"evt_1","type":"invoice.paid","data":{"object":{"id":"in_1"}}}"#
            let headers = try await InboundSigner.headers(scheme: "stripe", secret: stripeSecret, body: body)

            let first = try await Self.deliver(client, id, body, headers)
            #expect(first.status == .ok && first.body["duplicate"] as? Bool == false, "\(first.body)")
            let again = try await Self.deliver(client, id, body, headers)
            #expect(again.status == .ok && again.body["duplicate"] as? Bool == true)
            #expect(try await Self.receivedEvents(context, owner.tenantID) == 1)
            let receipts = try await client.json(.get, "/api/v1/webhook-sources/\(id)/receipts", token: owner.accessToken)
            let items = receipts.body["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1 && items.first?["message_id"] as? String == "evt_1", "\(receipts.raw)")
            #expect(items.first?["event_type"] as? String == "invoice.paid" && items.first?["body"] as? String == body)

            let now = Int(Date().timeIntervalSince1970)
            let refusals: [(String, HTTPFields, HTTPResponse.Status, String)] = await [
                (body.replacingOccurrences(of: "in_1", with: "in_2"), headers, .unauthorized, "invalid_webhook_signature"),
                (
                    body,
                    try InboundSigner.headers(scheme: "stripe", secret: "whsec_" + String(repeating: "x", count: 32), body: body),
                    .unauthorized, "invalid_webhook_signature"
                ),
                (
                    body, try InboundSigner.headers(scheme: "stripe", secret: stripeSecret, body: body, timestamp: now - 600),
                    .badRequest, "webhook_timestamp_out_of_range"
                ),
                (
                    body, try InboundSigner.headers(scheme: "stripe", secret: stripeSecret, body: body, timestamp: now + 600),
                    .badRequest, "webhook_timestamp_out_of_range"
                ),
                (body, [.contentType: "application/json"], .unauthorized, "invalid_webhook_signature"),
            ]
            for (sent, sentHeaders, status, code) in refusals {
                let refused = try await Self.deliver(client, id, sent, sentHeaders)
                #expect(refused.status == status && refused.body["code"] as? String == code, "\(refused.body)")
            }
            let big = String(repeating: "a", count: WebhookSource.maximumBody + 1)
            let tooBig = try await Self.deliver(client, id, big, headers)
            #expect(tooBig.status == .contentTooLarge && tooBig.body["code"] as? String == "payload_too_large", "\(tooBig)")
            #expect(try await Self.receivedEvents(context, owner.tenantID) == 1)
            let counted = try await client.json(.get, "/api/v1/webhook-sources/\(id)", token: owner.accessToken)
            #expect(counted.body["rejected_total"] as? Int == 6, "\(counted.raw)")
            #expect(counted.body["received_total"] as? Int == 2)
            #expect(counted.body["last_rejection"] as? String == "payload_too_large")
            #expect(counted.raw.contains(stripeSecret) == false)
        }
    }

    @Test(
        "Standard Webhooks: a server-made secret, signed by standardwebhooks; during a rotation the old and new secrets are both accepted",
        arguments: TestDatabase.all)
    func standardWebhooksAndRotation(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let (id, secret, _) = try await Self.createSource(
                client, owner.accessToken, ["name": "Svix app", "scheme": "standard_webhooks"])
            #expect(secret.hasPrefix("whsec_"))
            let body = #"{"type":"user.created","data":{"id":"u_1"}}"#
            let accepted = try await Self.deliver(
                client, id, body, try InboundSigner.headers(scheme: "standard_webhooks", secret: secret, body: body, id: "msg_a"))
            #expect(accepted.status == .ok, "\(accepted.body)")
            let rotated = try await client.json(
                .post, "/api/v1/webhook-sources/\(id)/rotate-secret", token: owner.accessToken)
            #expect(rotated.status == .ok, "\(rotated.raw)")
            let newSecret = try #require(rotated.body["secret"] as? String)
            for (secretUsed, messageID) in [(secret, "msg_b"), (newSecret, "msg_c")] {
                let result = try await Self.deliver(
                    client, id, body,
                    try InboundSigner.headers(scheme: "standard_webhooks", secret: secretUsed, body: body, id: messageID))
                #expect(result.status == .ok && result.body["duplicate"] as? Bool == false, "\(result.body)")
            }
            // A replayed id with a fresh signature is still a duplicate.
            let replay = try await Self.deliver(
                client, id, body,
                try InboundSigner.headers(scheme: "standard_webhooks", secret: newSecret, body: body, id: "msg_a"))
            #expect(replay.status == .ok && replay.body["duplicate"] as? Bool == true)
            #expect(try await Self.receivedEvents(context, owner.tenantID) == 3)
        }
    }

    @Test(
        "plain HMAC: SHA-256 hex after sha256= with an id header, and SHA-512 base64; a wrong encoding is refused",
        arguments: TestDatabase.all)
    func plainHMAC(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let key = "a-shared-key-of-the-sender"
            let (github, _, source) = try await Self.createSource(
                client, owner.accessToken,
                [
                    "name": "GitHub", "scheme": "hmac_sha256", "signature_header": "X-Hub-Signature-256",
                    "id_header": "X-GitHub-Delivery", "secret": key,
                ])
            #expect(source["signature_header"] as? String == "x-hub-signature-256")
            let body = #"{"action":"opened"}"#
            var headers = try await InboundSigner.headers(
                scheme: "hmac_sha256", secret: key, body: body, extra: ["--header", "X-Hub-Signature-256", "--prefix"])
            headers[HTTPField.Name("X-GitHub-Delivery")!] = "delivery-1"
            #expect(try await Self.deliver(client, github, body, headers).status == .ok)
            #expect(try await Self.deliver(client, github, body, headers).body["duplicate"] as? Bool == true)
            let (other, otherKey, _) = try await Self.createSource(
                client, owner.accessToken,
                ["name": "Other", "scheme": "hmac_sha512", "signature_header": "X-Signature", "signature_encoding": "base64"])
            let signed = try await InboundSigner.headers(
                scheme: "hmac_sha512", secret: otherKey, body: body, extra: ["--header", "X-Signature", "--encoding", "base64"])
            #expect(try await Self.deliver(client, other, body, signed).status == .ok)
            let hex = try await InboundSigner.headers(
                scheme: "hmac_sha512", secret: otherKey, body: body, extra: ["--header", "X-Signature"])
            #expect(try await Self.deliver(client, other, body, hex).status == .unauthorized)
            #expect(try await Self.receivedEvents(context, owner.tenantID) == 2)

            let bad = try await client.json(
                .post, "/api/v1/webhook-sources", ["name": "x", "scheme": "hmac_sha256", "signature_encoding": "octal"],
                token: owner.accessToken)
            #expect(bad.status == .unprocessableContent)
            let fields = Set((bad.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["signature_header"], "\(bad.raw)")
        }
    }

    @Test("an unknown, disabled or deleted source is 404 at its receiving URL", arguments: TestDatabase.all)
    func unusableSources(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let (id, secret, _) = try await Self.createSource(
                client, owner.accessToken, ["name": "Svix", "scheme": "standard_webhooks"])
            let body = #"{"type":"x"}"#
            let headers = try await InboundSigner.headers(scheme: "standard_webhooks", secret: secret, body: body, id: "msg_1")
            #expect(try await Self.deliver(client, UUID().uuidString, body, headers).status == .notFound)
            #expect(try await Self.deliver(client, "not-an-id", body, headers).status == .notFound)
            _ = try await client.json(.patch, "/api/v1/webhook-sources/\(id)", ["enabled": false], token: owner.accessToken)
            #expect(try await Self.deliver(client, id, body, headers).status == .notFound)
            _ = try await client.json(.patch, "/api/v1/webhook-sources/\(id)", ["enabled": true], token: owner.accessToken)
            #expect(try await Self.deliver(client, id, body, headers).status == .ok)
            let deleted = try await client.json(.delete, "/api/v1/webhook-sources/\(id)", token: owner.accessToken)
            #expect(deleted.status == .noContent)
            #expect(try await Self.deliver(client, id, body, headers).status == .notFound)
        }
    }
}
