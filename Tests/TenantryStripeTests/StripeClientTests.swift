import AsyncHTTPClient
import Foundation
import TenantryCore
import TenantryTestSupport
import Testing

@testable import TenantryStripe

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `scripts/test-peers/stripe_faults.py`: answers as scripted and records what it was sent.
final class ScriptedStripe: Sendable {
    let peer: PythonPeer
    let base: String

    init() async throws {
        peer = try await PythonPeer(script: "stripe_faults.py", arguments: [], hint: "python3 -m pip install aiohttp")
        base = "http://127.0.0.1:\(peer.port)"
    }

    /// The answers of the next requests, in order.
    func script(_ answers: [[String: any Sendable]]) async throws {
        _ = try await send("POST", "/_script", try JSONSerialization.data(withJSONObject: answers))
    }

    /// What the server received since the last script.
    func received() async throws -> [[String: Any]] {
        let data = try await send("GET", "/_requests", nil)
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }

    private func send(_ method: String, _ path: String, _ body: Data?) async throws -> Data {
        guard let url = URL(string: base + path) else { throw LocalStripeError(description: "bad URL") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        return try await session.data(for: request).0
    }

    func client(retries: [TimeInterval] = [0.05, 0.05, 0.05]) -> StripeClient {
        StripeClient(
            httpClient: HTTPClient.shared,
            configuration: .init(
                apiKey: "sk_test_secret_key", apiBase: base, retries: DeliverySchedule(delays: retries, jitter: 0),
                timeout: .seconds(5)))
    }

    deinit { peer.stop() }
}

@Suite("Stripe client", .serialized)
struct StripeClientTests {
    @Test func retriesA429AndA500WithTheSameIdempotencyKeyThenSucceeds() async throws {
        let stripe = try await ScriptedStripe()
        try await stripe.script([
            ["status": 429, "body": ["error": ["type": "rate_limit_error"]]],
            ["status": 500, "body": ["error": ["type": "api_error"]]],
        ])
        let id = try await stripe.client().createCustomer(tenantID: .generate(), name: "Acme & Co", idempotencyKey: "key-1")
        #expect(id == "cus_ok")
        let received = try await stripe.received()
        #expect(received.count == 3)
        let keys = received.compactMap { ($0["headers"] as? [String: String])?["idempotency-key"] }
        #expect(keys == ["key-1", "key-1", "key-1"])
        let headers = try #require(received.first?["headers"] as? [String: String])
        #expect(headers["authorization"] == "Bearer sk_test_secret_key")
        #expect(headers["content-type"] == "application/x-www-form-urlencoded")
        #expect((received.first?["body"] as? String)?.hasPrefix("name=Acme%20%26%20Co&metadata%5Btenant_id%5D=") == true)
    }

    @Test func givesUpAfterItsRetriesWithAProviderError() async throws {
        let stripe = try await ScriptedStripe()
        try await stripe.script(Array(repeating: ["status": 503, "body": [:] as [String: String]], count: 5))
        let error = await #expect(throws: TenantryError.self) {
            _ = try await stripe.client().subscription(id: "sub_1")
        }
        #expect(error?.code == .paymentProviderError)
        // One attempt and three retries.
        #expect(try await stripe.received().count == 4)
    }

    @Test func honoursRetryAfterUpToItsLimitAndNotBeyond() async throws {
        let stripe = try await ScriptedStripe()
        try await stripe.script([["status": 429, "headers": ["Retry-After": "1"]]])
        let started = ContinuousClock.now
        _ = try await stripe.client().createCustomer(tenantID: .generate(), name: "A", idempotencyKey: "k")
        #expect(ContinuousClock.now - started >= .milliseconds(900))
        try await stripe.script([["status": 429, "headers": ["Retry-After": "3600"]]])
        await #expect(throws: TenantryError.self) {
            _ = try await stripe.client().createCustomer(tenantID: .generate(), name: "A", idempotencyKey: "k")
        }
        #expect(try await stripe.received().count == 1)
    }

    @Test func clientErrorsAreNotRetriedAndStripeShouldRetryFalseIsObeyed() async throws {
        let stripe = try await ScriptedStripe()
        try await stripe.script([["status": 400, "body": ["error": ["type": "invalid_request_error"]]]])
        await #expect(throws: TenantryError.self) { _ = try await stripe.client().subscription(id: "sub_1") }
        #expect(try await stripe.received().count == 1)
        try await stripe.script([["status": 500, "headers": ["Stripe-Should-Retry": "false"]]])
        await #expect(throws: TenantryError.self) { _ = try await stripe.client().subscription(id: "sub_1") }
        #expect(try await stripe.received().count == 1)
    }

    @Test(
        "Stripe's errors become problems: a decline is payment_failed, an unknown payment method a field error, a refused key a provider error",
        arguments: [
            (
                402, ["type": "card_error", "code": "card_declined", "message": "Your card was declined."],
                ErrorCode.paymentFailed
            ),
            (404, ["type": "invalid_request_error", "code": "resource_missing"], .validationFailed),
            (401, ["type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_***"], .paymentProviderError),
        ])
    func errorsMapToProblems(status: Int, error: [String: String], code: ErrorCode) async throws {
        let stripe = try await ScriptedStripe()
        try await stripe.script([["status": status, "body": ["error": error]]])
        let thrown = await #expect(throws: TenantryError.self) {
            try await stripe.client().setDefaultPaymentMethod("pm_card_x", customerID: "cus_1", idempotencyKey: "k")
        }
        #expect(thrown?.code == code)
        if code == .validationFailed { #expect(thrown?.fieldErrors.first?.field == "payment_method") }
        if code == .paymentFailed { #expect(thrown?.message.contains("Your card was declined.") == true) }
        // The key never reaches a problem's message.
        #expect(thrown?.message.contains("sk_test") == false)
    }

    @Test func anUnreachableServerIsAProviderError() async throws {
        let client = StripeClient(
            httpClient: HTTPClient.shared,
            configuration: .init(
                apiKey: "sk_test_x", apiBase: "http://127.0.0.1:9", retries: DeliverySchedule(delays: [0.05], jitter: 0),
                timeout: .milliseconds(500)))
        let thrown = await #expect(throws: TenantryError.self) { _ = try await client.subscription(id: "sub_1") }
        #expect(thrown?.code == .paymentProviderError)
    }

    @Test func theRetryDelayFollowsTheScheduleAndRetryAfter() {
        let client = StripeClient(
            httpClient: HTTPClient.shared,
            configuration: .init(apiKey: "k", retries: DeliverySchedule(delays: [0.5, 1, 2], jitter: 0), maximumRetryAfter: 10))
        #expect(abs((client.retryDelay(after: 1, retryAfter: nil) ?? 0) - 0.5) < 0.01)
        #expect(abs((client.retryDelay(after: 3, retryAfter: nil) ?? 0) - 2) < 0.01)
        #expect(client.retryDelay(after: 4, retryAfter: nil) == nil)
        #expect(abs((client.retryDelay(after: 1, retryAfter: "5") ?? 0) - 5) < 0.01)
        #expect(client.retryDelay(after: 1, retryAfter: "60") == nil)
    }
}
