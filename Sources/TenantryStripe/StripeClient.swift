public import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
public import TenantryCore

/// Tenantry's own Stripe client (docs/billing.md, decision 0024): form-encoded requests to
/// Stripe's REST API over async-http-client, an `Idempotency-Key` on every create, retries with
/// backoff on 429, 5xx and network failures, and Stripe's errors mapped to the closed set of
/// problems. The API key is sent in the `Authorization` header and never logged or shown.
///
/// The `HTTPClient` belongs to the caller, who shuts it down (or passes `HTTPClient.shared`).
public struct StripeClient: PaymentProvider {
    /// How the client reaches Stripe.
    public struct Configuration: Sendable {
        /// The secret API key.
        public var apiKey: String
        /// The API's base URL without a trailing slash (`https://api.stripe.com`).
        public var apiBase: String
        /// The delays between attempts (three retries: 0.5, 1 and 2 seconds, ±20 %); a longer
        /// `Retry-After` replaces a delay, up to ``maximumRetryAfter``.
        public var retries: DeliverySchedule
        /// The longest `Retry-After` waited for; a longer one fails the call at once.
        public var maximumRetryAfter: TimeInterval
        /// The whole-request timeout of one attempt.
        public var timeout: Duration

        /// Creates a configuration with the defaults above and a 20 s timeout.
        public init(
            apiKey: String, apiBase: String = "https://api.stripe.com",
            retries: DeliverySchedule = DeliverySchedule(delays: [0.5, 1, 2], jitter: 0.2),
            maximumRetryAfter: TimeInterval = 10, timeout: Duration = .seconds(20)
        ) {
            self.apiKey = apiKey
            self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
            self.retries = retries
            self.maximumRetryAfter = maximumRetryAfter
            self.timeout = timeout
        }
    }

    private let httpClient: HTTPClient
    /// The configuration.
    public let configuration: Configuration

    /// Creates a client.
    public init(httpClient: HTTPClient, configuration: Configuration) {
        self.httpClient = httpClient
        self.configuration = configuration
    }

    // MARK: PaymentProvider

    public func createCustomer(tenantID: TenantID, name: String, idempotencyKey: String) async throws -> String {
        let object = try await send(
            .POST, "/v1/customers",
            [("name", .text(name)), ("metadata", .object([("tenant_id", .text(tenantID.description))]))],
            idempotencyKey: idempotencyKey)
        guard let id = object["id"] as? String else { throw Self.unreadable }
        return id
    }

    public func setDefaultPaymentMethod(_ paymentMethod: String, customerID: String, idempotencyKey: String) async throws {
        let path = "/v1/payment_methods/\(FormEncoding.escape(paymentMethod))/attach"
        do {
            _ = try await raw(.POST, path, [("customer", .text(customerID))], idempotencyKey: idempotencyKey + "-attach")
        } catch let error as StripeFailure {
            throw error.problem(field: "payment_method")
        }
        _ = try await send(
            .POST, "/v1/customers/\(FormEncoding.escape(customerID))",
            [("invoice_settings", .object([("default_payment_method", .text(paymentMethod))]))],
            idempotencyKey: idempotencyKey + "-default")
    }

    public func createSubscription(customerID: String, priceID: String, tenantID: TenantID, idempotencyKey: String)
        async throws -> BillingSubscription
    {
        let object = try await send(
            .POST, "/v1/subscriptions",
            [
                ("customer", .text(customerID)),
                ("items", .list([.object([Self.priceField(priceID)])])),
                ("metadata", .object([("tenant_id", .text(tenantID.description))])),
                // A declined first payment fails the call (402) instead of leaving an
                // `incomplete` subscription behind.
                ("payment_behavior", "error_if_incomplete"),
            ],
            idempotencyKey: idempotencyKey)
        return try Self.subscription(object)
    }

    public func changePrice(of subscription: BillingSubscription, to priceID: String, idempotencyKey: String) async throws
        -> BillingSubscription
    {
        var item: [(String, FormEncoding.Value)] = []
        if let itemID = subscription.itemID { item.append(("id", .text(itemID))) }
        item.append(Self.priceField(priceID))
        let object = try await send(
            .POST, "/v1/subscriptions/\(FormEncoding.escape(subscription.id))", [("items", .list([.object(item)]))],
            idempotencyKey: idempotencyKey)
        return try Self.subscription(object)
    }

    public func setCancelAtPeriodEnd(_ cancel: Bool, subscriptionID: String, idempotencyKey: String) async throws
        -> BillingSubscription
    {
        let object = try await send(
            .POST, "/v1/subscriptions/\(FormEncoding.escape(subscriptionID))",
            [("cancel_at_period_end", .text(cancel ? "true" : "false"))], idempotencyKey: idempotencyKey)
        return try Self.subscription(object)
    }

    public func subscription(id: String) async throws -> BillingSubscription {
        try Self.subscription(try await send(.GET, "/v1/subscriptions/\(FormEncoding.escape(id))", []))
    }

    public func invoices(customerID: String, limit: Int, startingAfter: String?) async throws -> (
        items: [BillingInvoice], hasMore: Bool
    ) {
        var query: [(String, FormEncoding.Value)] = [("customer", .text(customerID)), ("limit", .text(String(limit)))]
        if let startingAfter { query.append(("starting_after", .text(startingAfter))) }
        let object = try await send(.GET, "/v1/invoices", query)
        guard let data = object["data"] as? [[String: Any]] else { throw Self.unreadable }
        return (try data.map(Self.invoice), object["has_more"] as? Bool ?? false)
    }

    public func event(from body: [UInt8]) -> PaymentEvent? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let id = object["id"] as? String, let type = object["type"] as? String, let created = Self.int(object["created"]),
            let data = object["data"] as? [String: Any], let inner = data["object"] as? [String: Any]
        else { return nil }
        var subscription: BillingSubscription?
        var invoiceSubscription: String?
        switch inner["object"] as? String {
        case "subscription": subscription = try? Self.subscription(inner)
        case "invoice": invoiceSubscription = inner["subscription"] as? String
        default: break
        }
        return PaymentEvent(
            id: String(id.prefix(255)), type: String(type.prefix(255)),
            createdAt: Date(timeIntervalSince1970: TimeInterval(created)),
            customerID: inner["customer"] as? String, subscription: subscription, invoiceSubscriptionID: invoiceSubscription)
    }

    // MARK: Requests

    /// The item field naming a price (`price_…`) or a legacy plan (any other id).
    static func priceField(_ id: String) -> (String, FormEncoding.Value) {
        (id.hasPrefix("price_") ? "price" : "plan", .text(id))
    }

    /// Sends one call through ``raw(_:_:_:idempotencyKey:)``; a refusal is thrown as its problem.
    func send(
        _ method: HTTPMethod, _ path: String, _ fields: [(String, FormEncoding.Value)], idempotencyKey: String? = nil
    ) async throws -> [String: Any] {
        do {
            return try await raw(method, path, fields, idempotencyKey: idempotencyKey)
        } catch let failure as StripeFailure {
            throw failure.problem()
        }
    }

    /// Sends one call: `fields` form-encoded in the body (POST) or the query (GET), with
    /// retries; answers the decoded JSON object, or throws a ``StripeFailure``.
    func raw(
        _ method: HTTPMethod, _ path: String, _ fields: [(String, FormEncoding.Value)], idempotencyKey: String? = nil
    ) async throws -> [String: Any] {
        let encoded = FormEncoding.encode(fields: fields)
        var url = configuration.apiBase + path
        if method == .GET, !encoded.isEmpty { url += "?" + encoded }
        var attempt = 1
        while true {
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey)")
            request.headers.add(name: "Accept", value: "application/json")
            if method == .POST {
                request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                request.body = .bytes(ByteBuffer(string: encoded))
                // Every POST carries the key: a create is not repeated by a retry, and an
                // update carries the same key for its retries.
                if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            }
            let outcome: Outcome
            do {
                let response = try await httpClient.execute(request, timeout: Self.timeAmount(configuration.timeout))
                let body = try await response.body.collect(upTo: 4 * 1024 * 1024)
                outcome = Outcome(
                    status: Int(response.status.code), body: Data(body.readableBytesView),
                    retryAfter: response.headers.first(name: "Retry-After"),
                    shouldRetry: response.headers.first(name: "Stripe-Should-Retry"))
            } catch {
                outcome = Outcome(status: 0, body: Data(), retryAfter: nil, shouldRetry: nil)
            }
            if (200..<300).contains(outcome.status) {
                guard let object = try? JSONSerialization.jsonObject(with: outcome.body) as? [String: Any] else {
                    throw Self.unreadable
                }
                return object
            }
            if outcome.retryable, let delay = retryDelay(after: attempt, retryAfter: outcome.retryAfter) {
                try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                attempt += 1
                continue
            }
            throw StripeFailure(status: outcome.status, body: outcome.body)
        }
    }

    /// How long to wait before the next attempt, or `nil` when none is left (or the server
    /// asks for a longer wait than ``Configuration/maximumRetryAfter``).
    func retryDelay(after attempt: Int, retryAfter: String?) -> TimeInterval? {
        let now = Date()
        let asked = retryAfter.flatMap { DeliverySchedule.retryAfter($0, now: now) }
        if let asked, asked > configuration.maximumRetryAfter { return nil }
        return configuration.retries.nextAttempt(after: attempt, at: now, retryAfter: asked)?.timeIntervalSince(now)
    }

    /// One attempt's answer (status 0: no answer).
    struct Outcome {
        var status: Int
        var body: Data
        var retryAfter: String?
        var shouldRetry: String?

        /// Network failures, 429, 5xx and what Stripe marks `Stripe-Should-Retry: true` are
        /// retried; `Stripe-Should-Retry: false` is not.
        var retryable: Bool {
            if let shouldRetry { return shouldRetry == "true" }
            return status == 0 || status == 429 || status >= 500 || status == 409
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    static var unreadable: TenantryError {
        TenantryError(.paymentProviderError, "The payment service's answer could not be read.")
    }

    // MARK: Decoding

    static func int(_ value: Any?) -> Int? {
        switch value {
        case let number as Int: number
        case let number as Double: Int(number)
        case let number as NSNumber: number.intValue
        case let text as String: Int(text)
        default: nil
        }
    }

    static func date(_ value: Any?) -> Date? {
        int(value).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// A subscription object: its first item's price (or legacy plan) gives the price id,
    /// amount and interval.
    static func subscription(_ object: [String: Any]) throws -> BillingSubscription {
        guard let id = object["id"] as? String, let customer = object["customer"] as? String,
            let statusText = object["status"] as? String, let status = SubscriptionStatus(rawValue: statusText)
        else { throw unreadable }
        var subscription = BillingSubscription(
            id: id, customerID: customer, status: status, currentPeriodEnd: date(object["current_period_end"]),
            cancelAtPeriodEnd: object["cancel_at_period_end"] as? Bool ?? false, canceledAt: date(object["canceled_at"]),
            createdAt: date(object["created"]))
        let items = (object["items"] as? [String: Any])?["data"] as? [[String: Any]]
        if let item = items?.first {
            subscription.itemID = item["id"] as? String
            let quantity = int(item["quantity"]) ?? 1
            if let price = item["price"] as? [String: Any] {
                subscription.priceID = price["id"] as? String
                subscription.amount = int(price["unit_amount"]).map { $0 * quantity }
                subscription.currency = price["currency"] as? String
                let recurring = price["recurring"] as? [String: Any]
                subscription.interval = recurring?["interval"] as? String
                subscription.intervalCount = int(recurring?["interval_count"]) ?? 1
            } else if let plan = item["plan"] as? [String: Any] {
                subscription.priceID = plan["id"] as? String
                subscription.amount = int(plan["amount"]).map { $0 * quantity }
                subscription.currency = plan["currency"] as? String
                subscription.interval = plan["interval"] as? String
                subscription.intervalCount = int(plan["interval_count"]) ?? 1
            }
        }
        // Newer API versions keep the period on the item.
        if subscription.currentPeriodEnd == nil { subscription.currentPeriodEnd = date(items?.first?["current_period_end"]) }
        return subscription
    }

    static func invoice(_ object: [String: Any]) throws -> BillingInvoice {
        guard let id = object["id"] as? String, let created = date(object["created"]) else { throw unreadable }
        return BillingInvoice(
            id: id, number: object["number"] as? String, status: object["status"] as? String,
            amountDue: int(object["amount_due"]) ?? 0, amountPaid: int(object["amount_paid"]) ?? 0,
            currency: object["currency"] as? String ?? "", createdAt: created, periodStart: date(object["period_start"]),
            periodEnd: date(object["period_end"]), hostedInvoiceURL: object["hosted_invoice_url"] as? String,
            subscriptionID: object["subscription"] as? String)
    }
}

/// A call Stripe refused, or that never got an answer after the retries. Its description names
/// the status and Stripe's error code only (never the request, which may carry the key).
public struct StripeFailure: Error, Sendable, CustomStringConvertible {
    /// The HTTP status (0: no answer).
    public var status: Int
    /// Stripe's `error.type`, `error.code`, `error.decline_code`, `error.param` and `error.message`.
    public var type: String?
    public var code: String?
    public var declineCode: String?
    public var param: String?
    public var message: String?

    init(status: Int, body: Data) {
        self.status = status
        let error = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["error"] as? [String: Any]
        type = error?["type"] as? String
        code = error?["code"] as? String
        declineCode = error?["decline_code"] as? String
        param = error?["param"] as? String
        message = (error?["message"] as? String).map { String($0.prefix(300)) }
    }

    public var description: String {
        "Stripe answered \(status == 0 ? "nothing" : String(status)) (\(type ?? "-"), \(code ?? "-"))"
    }

    /// The problem a client sees: a declined payment is 402 `payment_failed` with Stripe's
    /// message (written for customers); an unknown or unusable object named by the request is
    /// a field error on `field`; anything else (our key refused, Stripe down, a bug) is 502
    /// `payment_provider_error`, its details left to the logs.
    public func problem(field: String? = nil) -> TenantryError {
        if status == 402 || type == "card_error" {
            let reason = message ?? "The payment was declined."
            return TenantryError(
                .paymentFailed, "The payment was declined: \(reason)" + (code.map { " (\($0))" } ?? ""))
        }
        if let field,
            status == 404 || (status == 400 && (code == "resource_missing" || param != nil || type == "invalid_request_error"))
        {
            return Validator.fail(field, "unknown_payment_method", "The payment service does not know this payment method.")
        }
        return TenantryError(
            .paymentProviderError,
            status == 0 ? "The payment service could not be reached." : "The payment service refused the call.",
            cause: self)
    }
}
