import Foundation
import Hummingbird
import NIOCore
import TenantryApplication
import TenantryCore

/// `/api/v1/billing/*`: the tenant's Stripe subscription and invoices (`billing:manage`, held
/// by owners), and Stripe's webhook, `POST /api/v1/billing/stripe/webhook`, which takes no
/// bearer: Stripe's signature is the authentication. With no Stripe key configured every route
/// answers 503 `billing_disabled`.
struct BillingController: Sendable {
    let service: BillingService

    func register(on routes: TenantRoutes, receiving: RouterGroup<AppRequestContext>) {
        routes.on(.get, "/billing/subscription", .billingManage) { request, context in
            try BillingBody(try await service.overview(context.access), gracePeriod: service.settings.gracePeriod)
                .response(from: request, context: context)
        }
        routes.on(.post, "/billing/subscription", .billingManage) { request, context in
            let given = try await request.decodeJSON(as: SubscribeRequest.self, context: context.base)
            var validator = Validator()
            let plan = try validator.capture { try Plan.validatedID(given.plan, field: "plan") }
            let method = try validator.capture { try Self.validatedPaymentMethod(given.paymentMethod) }
            try validator.check()
            guard let plan, let method else { throw TenantryError(.internalError, "Validation passed without values.") }
            let overview = try await service.subscribe(
                context.access, planID: plan, paymentMethod: method, origin: context.origin(of: request))
            var response = try BillingBody(overview, gracePeriod: service.settings.gracePeriod)
                .response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.patch, "/billing/subscription", .billingManage) { request, context in
            let given = try await request.decodeJSON(as: ChangePlanRequest.self, context: context.base)
            let plan = try Plan.validatedID(given.plan, field: "plan")
            return try BillingBody(
                try await service.changePlan(context.access, planID: plan, origin: context.origin(of: request)),
                gracePeriod: service.settings.gracePeriod
            ).response(from: request, context: context)
        }
        routes.on(.post, "/billing/subscription/cancel", .billingManage) { request, context in
            try BillingBody(
                try await service.setCancelAtPeriodEnd(true, context.access, origin: context.origin(of: request)),
                gracePeriod: service.settings.gracePeriod
            ).response(from: request, context: context)
        }
        routes.on(.post, "/billing/subscription/resume", .billingManage) { request, context in
            try BillingBody(
                try await service.setCancelAtPeriodEnd(false, context.access, origin: context.origin(of: request)),
                gracePeriod: service.settings.gracePeriod
            ).response(from: request, context: context)
        }
        routes.on(.get, "/billing/invoices", .billingManage) { request, context in
            let query = request.uri.queryParameters
            let page = try PageRequest.parse(limit: query["limit"].map(String.init), cursor: nil)
            let cursor = try query["cursor"].map { try Self.validatedInvoiceCursor(String($0)) }
            let result = try await service.invoices(context.access, limit: page.limit, after: cursor)
            return try InvoicePage(items: result.items.map(InvoiceBody.init), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        receiving.post("/billing/stripe/webhook") { request, context in
            var request = request
            let buffer = try await request.collectBody(limit: WebhookSource.maximumBody)
            let reception = try await service.receive(
                headers: request.headers.firstValuesByLowercasedName, body: Array(buffer.readableBytesView))
            return try StripeWebhookReceptionBody(received: true, outcome: reception.name)
                .response(from: request, context: context)
        }
    }

    /// Whether `text` is a Stripe id with `prefix`: 4 to 255 ASCII letters, digits and `_`.
    static func isStripeID(_ text: String, prefix: String) -> Bool {
        text.hasPrefix(prefix) && (4...255).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0)
            }
    }

    /// A Stripe payment method id (`pm_…`).
    static func validatedPaymentMethod(_ text: String) throws(TenantryError) -> String {
        guard isStripeID(text, prefix: "pm_") else {
            throw Validator.fail("payment_method", "invalid_format", "Give a Stripe payment method id (pm_…).")
        }
        return text
    }

    /// An invoice cursor: the last invoice's id (`in_…`) of the previous page.
    static func validatedInvoiceCursor(_ text: String) throws(TenantryError) -> String {
        guard isStripeID(text, prefix: "in_") else {
            throw TenantryError(.badRequest, "The cursor is not one this API gave.")
        }
        return text
    }
}

extension BillingService.Reception {
    /// `processed`, `duplicate` or `ignored`.
    var name: String {
        switch self {
        case .processed: "processed"
        case .duplicate: "duplicate"
        case .ignored: "ignored"
        }
    }
}

struct SubscribeRequest: Decodable {
    let plan: String
    let paymentMethod: String
}

struct ChangePlanRequest: Decodable {
    let plan: String
}

/// The tenant's billing: its plan, Stripe customer and subscription.
struct BillingBody: ResponseEncodable {
    let plan: String
    let customerId: String?
    let subscription: SubscriptionBody?
    let pastDueSince: Date?
    /// When a past-due subscription's grace period ends (the tenant then falls back to the
    /// default plan).
    let gracePeriodEndsAt: Date?

    init(_ overview: BillingService.Overview, gracePeriod: TimeInterval) {
        plan = overview.planID
        customerId = overview.account?.customerID
        subscription = overview.account.flatMap { account in
            account.subscription.map { SubscriptionBody($0, plan: account.planID) }
        }
        pastDueSince = overview.account?.pastDueSince
        gracePeriodEndsAt = overview.account?.pastDueSince?.addingTimeInterval(gracePeriod)
    }
}

struct SubscriptionBody: Encodable {
    let id: String
    let status: String
    /// Our plan linked to the subscription's price.
    let plan: String?
    let priceId: String?
    let amount: Int?
    let currency: String?
    let interval: String?
    let intervalCount: Int
    let currentPeriodEnd: Date?
    let cancelAtPeriodEnd: Bool
    let canceledAt: Date?

    init(_ subscription: BillingSubscription, plan: String?) {
        id = subscription.id
        status = subscription.status.rawValue
        self.plan = plan
        priceId = subscription.priceID
        amount = subscription.amount
        currency = subscription.currency
        interval = subscription.interval
        intervalCount = subscription.intervalCount
        currentPeriodEnd = subscription.currentPeriodEnd
        cancelAtPeriodEnd = subscription.cancelAtPeriodEnd
        canceledAt = subscription.canceledAt
    }
}

struct InvoiceBody: Encodable {
    let id: String
    let number: String?
    let status: String?
    let amountDue: Int
    let amountPaid: Int
    let currency: String
    let createdAt: Date
    let periodStart: Date?
    let periodEnd: Date?
    let hostedInvoiceUrl: String?
    let subscriptionId: String?

    init(_ invoice: BillingInvoice) {
        id = invoice.id
        number = invoice.number
        status = invoice.status
        amountDue = invoice.amountDue
        amountPaid = invoice.amountPaid
        currency = invoice.currency
        createdAt = invoice.createdAt
        periodStart = invoice.periodStart
        periodEnd = invoice.periodEnd
        hostedInvoiceUrl = invoice.hostedInvoiceURL
        subscriptionId = invoice.subscriptionID
    }
}

struct InvoicePage: ResponseEncodable {
    let items: [InvoiceBody]
    let nextCursor: String?
}

struct StripeWebhookReceptionBody: ResponseEncodable {
    let received: Bool
    /// `processed`, `duplicate` (an event processed before) or `ignored`.
    let outcome: String
}
