import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// localstripe (PyPI), the fake Stripe, run on loopback by `scripts/test-peers/localstripe_server.py`
/// for one test: legacy plans to subscribe to, its webhooks pointed at a URL, and calls made as
/// Stripe's dashboard or clock would (deleting a subscription, as Stripe does at a period's end).
public final class LocalStripe: Sendable {
    private let peer: PythonPeer
    /// The base URL, e.g. `http://127.0.0.1:41234`: what `TENANTRY_STRIPE_API_BASE` names.
    public let base: String
    /// The secret key the tests use (localstripe accepts any `sk_…`).
    public static let apiKey = "sk_test_tenantry"

    /// Starts a localstripe with an empty store.
    public init() async throws {
        peer = try await PythonPeer(
            script: "localstripe_server.py", arguments: [], hint: "python3 -m pip install localstripe")
        base = "http://127.0.0.1:\(peer.port)"
    }

    /// Stops it.
    public func stop() { peer.stop() }

    /// What localstripe logged (for failure messages).
    public var log: String { peer.log }

    /// Sends a form-encoded call with the secret key; returns the status and the decoded JSON object.
    @discardableResult
    public func call(_ method: String, _ path: String, _ form: [(String, String)] = []) async throws -> (
        status: Int, body: [String: any Sendable]
    ) {
        let encoded = form.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        var url = base + path
        if method == "GET", !encoded.isEmpty { url += "?" + encoded }
        guard let target = URL(string: url) else { throw LocalStripeError(description: "bad URL \(url)") }
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.setValue("Bearer \(Self.apiKey)", forHTTPHeaderField: "Authorization")
        if method != "GET" {
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(encoded.utf8)
        }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        return (status, object.mapValues { Self.sendable($0) })
    }

    /// Creates a monthly legacy plan (localstripe has no prices) of `amount` cents in EUR.
    public func createPlan(_ id: String, amount: Int, interval: String = "month") async throws {
        let answer = try await call(
            "POST", "/v1/plans",
            [
                ("id", id), ("amount", String(amount)), ("currency", "eur"), ("interval", interval),
                ("product[name]", id),
            ])
        guard answer.status == 200 else { throw LocalStripeError(description: "plan \(id): \(answer)") }
    }

    /// Points localstripe's webhooks at `url`, signed with `secret`.
    public func sendWebhooks(to url: String, secret: String) async throws {
        let answer = try await call("POST", "/_config/webhooks/tenantry", [("url", url), ("secret", secret)])
        guard answer.status == 200 else { throw LocalStripeError(description: "webhook config: \(answer)") }
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    static func sendable(_ value: Any) -> any Sendable {
        switch value {
        case let text as String: text
        case let number as Int: number
        case let number as Double: number
        case let flag as Bool: flag
        case let list as [Any]: list.map(sendable)
        case let object as [String: Any]: object.mapValues(sendable)
        default: String(describing: value)
        }
    }
}

/// localstripe answered something unexpected.
public struct LocalStripeError: Error, CustomStringConvertible {
    public var description: String

    /// Creates an error.
    public init(description: String) { self.description = description }
}
