public import Foundation

/// A Stripe webhook event as billing reads it.
public struct PaymentEvent: Sendable, Equatable {
    /// Stripe's event id, `evt_…`: an event is processed once.
    public var id: String
    /// The event type, e.g. `customer.subscription.updated`.
    public var type: String
    /// Stripe's creation time of the event: the time of the state it carries.
    public var createdAt: Date
    /// The customer the event concerns, when it names one.
    public var customerID: String?
    /// The subscription the event carries (subscription events), if any.
    public var subscription: BillingSubscription?
    /// The subscription an invoice event names, if any.
    public var invoiceSubscriptionID: String?

    /// Creates a value.
    public init(
        id: String, type: String, createdAt: Date, customerID: String?, subscription: BillingSubscription?,
        invoiceSubscriptionID: String? = nil
    ) {
        self.id = id
        self.type = type
        self.createdAt = createdAt
        self.customerID = customerID
        self.subscription = subscription
        self.invoiceSubscriptionID = invoiceSubscriptionID
    }
}

/// The payment service billing runs on (Stripe): customers, subscriptions and invoices. Every
/// create carries an idempotency key, so a retried call never creates twice. Failures are
/// ``TenantryError``s: `payment_failed` for a declined payment, `validation_failed` for a
/// payment method the service does not know, `payment_provider_error` for anything else.
public protocol PaymentProvider: Sendable {
    /// Creates a customer for a tenant; returns its id.
    func createCustomer(tenantID: TenantID, name: String, idempotencyKey: String) async throws -> String
    /// Attaches a payment method to a customer and makes it the customer's default.
    func setDefaultPaymentMethod(_ paymentMethod: String, customerID: String, idempotencyKey: String) async throws
    /// Subscribes a customer to a price (or legacy plan); a declined first payment throws.
    func createSubscription(customerID: String, priceID: String, tenantID: TenantID, idempotencyKey: String) async throws
        -> BillingSubscription
    /// Moves the subscription's item to another price, with Stripe's default proration.
    func changePrice(of subscription: BillingSubscription, to priceID: String, idempotencyKey: String) async throws
        -> BillingSubscription
    /// Sets or clears cancellation at the end of the current period.
    func setCancelAtPeriodEnd(_ cancel: Bool, subscriptionID: String, idempotencyKey: String) async throws
        -> BillingSubscription
    /// The subscription as Stripe holds it now.
    func subscription(id: String) async throws -> BillingSubscription
    /// The customer's invoices, newest first, `limit` at most, after the invoice `startingAfter`.
    func invoices(customerID: String, limit: Int, startingAfter: String?) async throws -> (
        items: [BillingInvoice], hasMore: Bool
    )
    /// Reads a verified webhook body; `nil` when it is not an event billing can read.
    func event(from body: [UInt8]) -> PaymentEvent?
}

/// How billing behaves: whether it is on, its webhook secret, and the grace period of a
/// past-due subscription.
public struct BillingSettings: Sendable, Equatable {
    /// The Stripe webhook signing secret (`whsec_…`); `nil`: the webhook route answers 503.
    public var webhookSecret: String?
    /// How long a `past_due` subscription keeps its plan before the tenant falls back to the
    /// default plan.
    public var gracePeriod: TimeInterval
    /// How often due transitions (grace periods, periods canceled at their end) are applied.
    public var sweepInterval: TimeInterval

    /// Creates settings: 7 days of grace, a sweep every 5 minutes.
    public init(webhookSecret: String? = nil, gracePeriod: TimeInterval = 7 * 86_400, sweepInterval: TimeInterval = 300) {
        self.webhookSecret = webhookSecret
        self.gracePeriod = gracePeriod
        self.sweepInterval = sweepInterval
    }
}
