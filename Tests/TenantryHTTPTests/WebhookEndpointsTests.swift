import Foundation
import HTTPTypes
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Webhook endpoints")
struct WebhookEndpointsTests {
    static let url = "https://hooks.example.com/tenantry"

    @Test(
        "an endpoint is created with a secret shown once, read, changed and deleted; no answer but creation shows the secret",
        arguments: TestDatabase.all)
    func lifecycle(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let created = try await client.json(
                .post, "/api/v1/webhook-endpoints",
                ["url": Self.url, "description": "CRM sync", "event_types": ["member.*", "api_key.revoked"]],
                token: owner.accessToken)
            #expect(created.status == .created, "\(created.raw)")
            #expect(created.headers[.cacheControl] == "no-store")
            let secretText = try #require(created.body["secret"] as? String)
            let secret = try #require(WebhookSecret(text: secretText))
            #expect(secretText.hasPrefix("whsec_"))
            #expect(secret.key.bitCount == 256)
            let endpoint = try #require(created.body["endpoint"] as? [String: Any])
            let id = try #require(endpoint["id"] as? String)
            #expect(endpoint["url"] as? String == Self.url)
            #expect(endpoint["event_types"] as? [String] == ["api_key.revoked", "member.*"])
            #expect(endpoint["enabled"] as? Bool == true)

            let read = try await client.json(.get, "/api/v1/webhook-endpoints/\(id)", token: owner.accessToken)
            #expect(read.status == .ok)
            #expect(read.body["description"] as? String == "CRM sync")
            let listed = try await client.json(.get, "/api/v1/webhook-endpoints", token: owner.accessToken)
            #expect((listed.body["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            for answer in [read.raw, listed.raw] { #expect(!answer.contains(secretText) && !answer.contains("whsec_")) }

            let changed = try await client.json(
                .patch, "/api/v1/webhook-endpoints/\(id)",
                ["enabled": false, "description": NSNull(), "event_types": [String](), "rate_limit_per_minute": 120],
                token: owner.accessToken)
            #expect(changed.status == .ok, "\(changed.raw)")
            #expect(changed.body["enabled"] as? Bool == false)
            #expect(changed.body["description"] == nil)
            #expect(changed.body["event_types"] as? [String] == [])
            #expect(changed.body["rate_limit_per_minute"] as? Int == 120)

            let rotated = try await client.json(
                .post, "/api/v1/webhook-endpoints/\(id)/rotate-secret", token: owner.accessToken)
            #expect(rotated.status == .ok, "\(rotated.raw)")
            #expect(rotated.headers[.cacheControl] == "no-store")
            let next = try #require(rotated.body["secret"] as? String)
            #expect(next != secretText && WebhookSecret(text: next) != nil)

            let deleted = try await client.json(.delete, "/api/v1/webhook-endpoints/\(id)", token: owner.accessToken)
            #expect(deleted.status == .noContent)
            let gone = try await client.json(.get, "/api/v1/webhook-endpoints/\(id)", token: owner.accessToken)
            #expect(gone.status == .notFound)
            #expect(problemCode(gone.body) == "not_found")
        }
    }

    @Test("after a rotation both secrets sign, the new one first; the secrets are stored sealed", arguments: TestDatabase.all)
    func rotationSignsWithBoth(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let created = try await client.json(
                .post, "/api/v1/webhook-endpoints", ["url": Self.url], token: owner.accessToken)
            let firstText = try #require(created.body["secret"] as? String)
            let first = try #require(WebhookSecret(text: firstText))
            let idText = try #require((created.body["endpoint"] as? [String: Any])?["id"] as? String)
            let id = try #require(WebhookEndpointID(idText))
            let tenantID = try #require(TenantID(owner.tenantID))
            let service = UseCases(context.identity).webhookEndpoints
            #expect(try await service.signingSecrets(tenantID, id: id) == [first])

            let rotated = try await client.json(
                .post, "/api/v1/webhook-endpoints/\(id)/rotate-secret", token: owner.accessToken)
            let secondText = try #require(rotated.body["secret"] as? String)
            let second = try #require(WebhookSecret(text: secondText))
            #expect(try await service.signingSecrets(tenantID, id: id) == [second, first])
            // After the overlap only the new secret signs.
            let later = Date().addingTimeInterval(WebhookSecrets.rotationOverlap + 60)
            #expect(try await service.signingSecrets(tenantID, id: id, at: later) == [second])

            let stored = try await SQLDataStore(context.database.database).withTenant(tenantID) { scope in
                try await scope.webhookEndpoints.secrets(of: id)
            }
            let sealed = try #require(stored)
            for text in [sealed.current, sealed.previous ?? ""] {
                #expect(text.hasPrefix("v1."))
                #expect(!text.contains(first.text.dropFirst(6)) && !text.contains(second.text.dropFirst(6)))
            }
        }
    }

    @Test(
        "the Standard Webhooks reference library verifies our signatures with the issued secret, both secrets during a rotation",
        arguments: TestDatabase.all)
    func referenceLibraryVerifies(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let created = try await client.json(
                .post, "/api/v1/webhook-endpoints", ["url": Self.url], token: owner.accessToken)
            let oldText = try #require(created.body["secret"] as? String)
            let idText = try #require((created.body["endpoint"] as? [String: Any])?["id"] as? String)
            let rotated = try await client.json(
                .post, "/api/v1/webhook-endpoints/\(idText)/rotate-secret", token: owner.accessToken)
            let newText = try #require(rotated.body["secret"] as? String)
            let signing = try await UseCases(context.identity).webhookEndpoints.signingSecrets(
                try #require(TenantID(owner.tenantID)), id: try #require(WebhookEndpointID(idText)))
            let body = #"{"type":"member.added","timestamp":"2026-12-04T00:00:00.000Z","data":{"name":"Zoë"}}"#
            let timestamp = Int64(Date().timeIntervalSince1970)
            let header = WebhookSignature.header(id: "msg_test", timestamp: timestamp, body: Data(body.utf8), secrets: signing)
            // A receiver that has either secret accepts; one with another secret, or a changed body, refuses.
            for secret in [oldText, newText] {
                let result = try await StandardWebhooks.verify(
                    secret: secret, id: "msg_test", timestamp: timestamp, signature: header, body: body)
                #expect(result.status == 0, "\(result.output)")
            }
            let stranger = try await StandardWebhooks.verify(
                secret: WebhookSecret.generate().text, id: "msg_test", timestamp: timestamp, signature: header, body: body)
            #expect(stranger.status == 1, "\(stranger.output)")
            let tampered = try await StandardWebhooks.verify(
                secret: newText, id: "msg_test", timestamp: timestamp, signature: header, body: body + " ")
            #expect(tampered.status == 1, "\(tampered.output)")
        }
    }

    @Test(
        "URLs: https only, no private, loopback, link-local or metadata address, no credentials; http where allowed",
        arguments: TestDatabase.all)
    func urlRules(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let refused: [(String, String)] = [
                ("http://hooks.example.com/in", "insecure_url"),
                ("https://127.0.0.1/in", "forbidden_address"),
                ("https://10.0.0.1/in", "forbidden_address"),
                ("https://169.254.169.254/latest/meta-data", "forbidden_address"),
                ("https://[::1]/in", "forbidden_address"),
                ("https://[::ffff:127.0.0.1]/in", "forbidden_address"),
                ("https://[fd00:ec2::254]/in", "forbidden_address"),
                ("https://100.100.100.200/in", "forbidden_address"),
                ("https://user:pass@hooks.example.com/in", "invalid_format"),
                ("https://hooks.example.com/in#part", "invalid_format"),
                ("ftp://hooks.example.com/in", "invalid_format"),
                ("hooks.example.com/in", "invalid_format"),
                ("https://[not-an-address]/in", "invalid_format"),
            ]
            for (url, code) in refused {
                let response = try await client.json(
                    .post, "/api/v1/webhook-endpoints", ["url": url], token: owner.accessToken)
                #expect(response.status == .unprocessableContent, "\(url): \(response.raw)")
                let codes = (response.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
                #expect(codes == [code], "\(url): \(response.raw)")
            }
            for url in [
                "https://hooks.example.com:8443/in?tenant=a%20b", "https://93.184.215.14/in", "HTTPS://Hooks.Example.com",
            ] {
                let response = try await client.json(
                    .post, "/api/v1/webhook-endpoints", ["url": url], token: owner.accessToken)
                #expect(response.status == .created, "\(url): \(response.raw)")
            }
        }
        try await withTestApplication(
            engine,
            configure: {
                $0.webhookEgress = EgressPolicy(allowedNetworks: IPNetwork("127.0.0.0/8").map { [$0] } ?? [], allowHTTP: true)
            }
        ) { client, _ in
            let owner = try await client.register()
            let allowed = try await client.json(
                .post, "/api/v1/webhook-endpoints", ["url": "http://127.0.0.1:9000/in"], token: owner.accessToken)
            #expect(allowed.status == .created, "\(allowed.raw)")
            let stillRefused = try await client.json(
                .post, "/api/v1/webhook-endpoints", ["url": "http://10.1.2.3/in"], token: owner.accessToken)
            #expect(stillRefused.status == .unprocessableContent, "\(stillRefused.raw)")
        }
    }

    @Test("event types must be catalogue names or groups; the plan's endpoint allowance applies", arguments: TestDatabase.all)
    func eventTypesAndAllowance(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let unknown = try await client.json(
                .post, "/api/v1/webhook-endpoints", ["url": Self.url, "event_types": ["member.added", "nothing.*", "*"]],
                token: owner.accessToken)
            #expect(unknown.status == .unprocessableContent)
            let fields = (unknown.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            #expect(fields == ["event_types.1", "event_types.2"], "\(unknown.raw)")
            // The free plan allows 3 endpoints.
            for index in 0..<3 {
                let created = try await client.json(
                    .post, "/api/v1/webhook-endpoints", ["url": "\(Self.url)/\(index)"], token: owner.accessToken)
                #expect(created.status == .created, "\(created.raw)")
            }
            let over = try await client.json(
                .post, "/api/v1/webhook-endpoints", ["url": "\(Self.url)/3"], token: owner.accessToken)
            #expect(over.status == .forbidden, "\(over.raw)")
            #expect(problemCode(over.body) == "limit_exceeded")
        }
    }
}

/// Runs scripts/test-peers/verify_webhook.py, the Standard Webhooks reference library as a
/// receiver uses it.
enum StandardWebhooks {
    static func verify(secret: String, id: String, timestamp: Int64, signature: String, body: String) async throws -> (
        status: Int32, output: String
    ) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-\(UUID().uuidString).json")
        try Data(body.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await CommandRunner.run([
            "python3", root.appendingPathComponent("scripts/test-peers/verify_webhook.py").path, secret, id, String(timestamp),
            signature, file.path,
        ])
    }
}
