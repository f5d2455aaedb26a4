import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Billing end to end against localstripe (scripts/test-peers/localstripe_server.py): the
/// server's own Stripe client calls it, and its signed webhooks reach the server's webhook route.
@Suite("Billing with Stripe", .serialized)
struct BillingTests {
    static let webhookSecret = "whsec_" + String(repeating: "b", count: 32)

    /// A live application billing against a fresh localstripe, with `pro` linked to the
    /// legacy plan `ls_basic` (10 EUR a month) and `enterprise` to `ls_pro` (30 EUR), and
    /// localstripe's webhooks pointed at the server.
    static func withBilling(
        _ engine: TestDatabase, grace: Double = 3600,
        _ test: @Sendable (any TestClientProtocol, TestApplicationContext, LocalStripe, SignedInOperator) async throws -> Void
    ) async throws {
        let stripe = try await LocalStripe()
        defer { stripe.stop() }
        try await stripe.createPlan("ls_basic", amount: 1000)
        try await stripe.createPlan("ls_pro", amount: 3000)
        try await withTestApplication(
            engine, testing: .live,
            configure: { configuration in
                configuration.stripe.apiKey = LocalStripe.apiKey
                configuration.stripe.apiBase = stripe.base
                configuration.stripe.webhookSecret = webhookSecret
                configuration.stripe.gracePeriod = grace
            }
        ) { client, context in
            let port = try #require(client.port)
            try await stripe.sendWebhooks(to: "http://127.0.0.1:\(port)/api/v1/billing/stripe/webhook", secret: webhookSecret)
            let op = try await client.signedInOperator(context.identity)
            for (plan, price) in [("pro", "ls_basic"), ("enterprise", "ls_pro")] {
                let linked = try await client.json(
                    .patch, "/api/v1/platform/plans/\(plan)", ["stripe_price_id": price], token: op.token)
                #expect(linked.status == .ok && linked.body["stripe_price_id"] as? String == price, "\(linked.raw)")
            }
            try await test(client, context, stripe, op)
        }
    }

    /// The tenant's plan as `GET /api/v1/billing/subscription` shows it.
    static func plan(_ client: any TestClientProtocol, _ owner: Registered) async throws -> String? {
        try await client.json(.get, "/api/v1/billing/subscription", token: owner.accessToken).body["plan"] as? String
    }

    /// Polls until the tenant is on `expected` (webhooks arrive about a second after a change).
    static func waitForPlan(_ expected: String, _ client: any TestClientProtocol, _ owner: Registered) async throws -> String? {
        let deadline = ContinuousClock.now + .seconds(20)
        var plan = try await Self.plan(client, owner)
        while plan != expected, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            plan = try await Self.plan(client, owner)
        }
        return plan
    }

    static func processedEvents(_ context: TestApplicationContext, _ tenant: String) async throws -> [String] {
        let tenantID = try #require(TenantID(tenant))
        return try await context.database.database.withTenant(tenantID) { scope in
            try await scope.sql.raw(
                "SELECT type FROM billing_events WHERE tenant_id = \(bind: tenantID.rawValue) ORDER BY created_at, event_id"
            ).all().map { try $0.decode(column: "type", as: String.self) }
        }
    }

    /// A Stripe event carrying a subscription of `price` in `status`, created at `created`.
    static func event(
        _ type: String, id: String, created: Int, subscription: String, customer: String, status: String,
        price: String = "ls_basic"
    ) -> String {
        let object: [String: Any] = [
            "id": subscription, "object": "subscription", "customer": customer, "status": status,
            "cancel_at_period_end": false, "created": created - 100, "current_period_end": created + 30 * 86_400,
            "items": [
                "object": "list",
                "data": [
                    [
                        "id": "si_test", "quantity": 1,
                        "plan": ["id": price, "amount": 1000, "currency": "eur", "interval": "month", "interval_count": 1],
                    ]
                ],
            ],
        ]
        let event: [String: Any] = [
            "id": id, "object": "event", "type": type, "created": created, "data": ["object": object],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Posts a body signed as Stripe signs it (by the stripe library) to the webhook route.
    static func deliver(_ client: any TestClientProtocol, _ body: String, secret: String = webhookSecret) async throws -> (
        status: HTTPResponse.Status, body: [String: Any]
    ) {
        let headers = try await InboundSigner.headers(scheme: "stripe", secret: secret, body: body)
        return try await client.execute(
            uri: "/api/v1/billing/stripe/webhook", method: .post, headers: headers, body: ByteBuffer(string: body)
        ) { response in
            let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
            return (response.status, json)
        }
    }

    @Test(
        "Subscribe (a declined card refused with 402), upgrade, downgrade, cancel at period end, resume, invoices; localstripe's signed webhooks arrive and its deletion of the subscription moves the tenant to the default plan",
        arguments: TestDatabase.all)
    func subscriptionLifecycle(engine: TestDatabase) async throws {
        try await Self.withBilling(engine) { client, context, stripe, _ in
            let owner = try await client.register()
            let empty = try await client.json(.get, "/api/v1/billing/subscription", token: owner.accessToken)
            #expect(empty.status == .ok && empty.body["plan"] as? String == "free", "\(empty.raw)")
            #expect(empty.body["subscription"] is NSNull || empty.body["subscription"] == nil)
            let invalid = try await client.json(
                .post, "/api/v1/billing/subscription", ["plan": "pro", "payment_method": "card 4242"], token: owner.accessToken)
            #expect(invalid.status == .unprocessableContent && invalid.raw.contains("payment_method"), "\(invalid.raw)")
            let unsold = try await client.json(
                .post, "/api/v1/billing/subscription", ["plan": "free", "payment_method": "pm_card_visa"],
                token: owner.accessToken)
            #expect(unsold.status == .unprocessableContent && unsold.raw.contains("not_for_sale"), "\(unsold.raw)")

            let declined = try await client.json(
                .post, "/api/v1/billing/subscription", ["plan": "pro", "payment_method": "pm_card_visa_chargeDeclined"],
                token: owner.accessToken)
            #expect(declined.status.code == 402 && declined.body["code"] as? String == "payment_failed", "\(declined.raw)")
            #expect(try await Self.plan(client, owner) == "free")

            let subscribed = try await client.json(
                .post, "/api/v1/billing/subscription", ["plan": "pro", "payment_method": "pm_card_visa"], token: owner.accessToken
            )
            #expect(subscribed.status == .created, "\(subscribed.raw)")
            #expect(subscribed.body["plan"] as? String == "pro")
            let subscription = try #require(subscribed.body["subscription"] as? [String: Any])
            #expect(subscription["status"] as? String == "active" && subscription["price_id"] as? String == "ls_basic")
            #expect(subscription["amount"] as? Int == 1000 && subscription["currency"] as? String == "eur")
            let subscriptionID = try #require(subscription["id"] as? String)
            let again = try await client.json(
                .post, "/api/v1/billing/subscription", ["plan": "pro", "payment_method": "pm_card_visa"], token: owner.accessToken
            )
            #expect(again.status == .conflict, "\(again.raw)")

            // Another tenant sees nothing of it and cannot touch it.
            let other = try await client.register()
            let seen = try await client.json(.get, "/api/v1/billing/subscription", token: other.accessToken)
            #expect(seen.body["plan"] as? String == "free" && seen.body["customer_id"] == nil, "\(seen.raw)")
            let touched = try await client.json(.post, "/api/v1/billing/subscription/cancel", token: other.accessToken)
            #expect(touched.status == .notFound, "\(touched.raw)")

            // Upgrade, then downgrade: the same subscription moves between prices.
            let upgraded = try await client.json(
                .patch, "/api/v1/billing/subscription", ["plan": "enterprise"], token: owner.accessToken)
            #expect(upgraded.status == .ok && upgraded.body["plan"] as? String == "enterprise", "\(upgraded.raw)")
            #expect((upgraded.body["subscription"] as? [String: Any])?["price_id"] as? String == "ls_pro")
            #expect((upgraded.body["subscription"] as? [String: Any])?["id"] as? String == subscriptionID)
            let downgraded = try await client.json(
                .patch, "/api/v1/billing/subscription", ["plan": "pro"], token: owner.accessToken)
            #expect(downgraded.status == .ok && downgraded.body["plan"] as? String == "pro", "\(downgraded.raw)")

            let canceled = try await client.json(.post, "/api/v1/billing/subscription/cancel", token: owner.accessToken)
            #expect(canceled.status == .ok, "\(canceled.raw)")
            #expect((canceled.body["subscription"] as? [String: Any])?["cancel_at_period_end"] as? Bool == true)
            #expect(canceled.body["plan"] as? String == "pro")
            let resumed = try await client.json(.post, "/api/v1/billing/subscription/resume", token: owner.accessToken)
            #expect((resumed.body["subscription"] as? [String: Any])?["cancel_at_period_end"] as? Bool == false, "\(resumed.raw)")

            let invoices = try await client.json(.get, "/api/v1/billing/invoices?limit=10", token: owner.accessToken)
            let items = invoices.body["items"] as? [[String: Any]] ?? []
            #expect(invoices.status == .ok && !items.isEmpty, "\(invoices.raw)")
            #expect(items.contains { $0["status"] as? String == "paid" && $0["amount_paid"] as? Int == 1000 }, "\(invoices.raw)")
            #expect(items.allSatisfy { $0["currency"] as? String == "eur" })
            let badCursor = try await client.json(.get, "/api/v1/billing/invoices?cursor=x", token: owner.accessToken)
            #expect(badCursor.status == .badRequest)

            // localstripe's own signed webhook of the creation arrives (about a second later).
            let deadline = ContinuousClock.now + .seconds(20)
            while !(try await Self.processedEvents(context, owner.tenantID)).contains("customer.subscription.created"),
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(try await Self.processedEvents(context, owner.tenantID).contains("customer.subscription.created"))
            #expect(try await Self.plan(client, owner) == "pro")

            // Stripe ends a subscription canceled at period end by deleting it; its webhook
            // moves the tenant to the default plan.
            try await Task.sleep(for: .milliseconds(1100))
            let deleted = try await stripe.call("DELETE", "/v1/subscriptions/\(subscriptionID)")
            #expect(deleted.status == 200, "\(deleted)")
            #expect(try await Self.waitForPlan("free", client, owner) == "free", "\(stripe.log)")
            let after = try await client.json(.get, "/api/v1/billing/subscription", token: owner.accessToken)
            #expect((after.body["subscription"] as? [String: Any])?["status"] as? String == "canceled", "\(after.raw)")
            let actions = try await tenantAuditActions(context.database.database, tenantID: owner.tenantID)
            #expect(actions.filter { $0 == "tenant.plan_changed" }.count == 4, "\(actions)")
            #expect(actions.contains("billing.subscription_changed"))
        }
    }

    @Test(
        "Signed webhooks drive the plan: active grants it, past_due keeps it through the grace period then falls back, a replayed event is a duplicate and an older one changes nothing",
        arguments: TestDatabase.all)
    func webhooksDriveThePlanOnceInOrder(engine: TestDatabase) async throws {
        try await Self.withBilling(engine) { client, context, stripe, op in
            let owner = try await client.register()
            // The customer exists once the owner has tried to subscribe (a declined card).
            _ = try await client.json(
                .post, "/api/v1/billing/subscription", ["plan": "pro", "payment_method": "pm_card_visa_chargeDeclined"],
                token: owner.accessToken)
            let customer = try #require(
                try await client.json(.get, "/api/v1/billing/subscription", token: owner.accessToken).body["customer_id"]
                    as? String)
            let now = Int(Date().timeIntervalSince1970)

            let active = Self.event(
                "customer.subscription.created", id: "evt_a_\(now)", created: now, subscription: "sub_hook", customer: customer,
                status: "active")
            let first = try await Self.deliver(client, active)
            #expect(first.status == .ok && first.body["outcome"] as? String == "processed", "\(first.body)")
            #expect(try await Self.plan(client, owner) == "pro")
            let replay = try await Self.deliver(client, active)
            #expect(replay.status == .ok && replay.body["outcome"] as? String == "duplicate", "\(replay.body)")

            let pastDue = Self.event(
                "customer.subscription.updated", id: "evt_b_\(now)", created: now + 2, subscription: "sub_hook",
                customer: customer, status: "past_due")
            #expect(try await Self.deliver(client, pastDue).body["outcome"] as? String == "processed")
            #expect(try await Self.plan(client, owner) == "pro")
            let status = try await client.json(.get, "/api/v1/billing/subscription", token: owner.accessToken)
            #expect(status.body["grace_period_ends_at"] is String, "\(status.raw)")

            // An older event (created before the past-due state) arrives late: nothing changes.
            let late = Self.event(
                "customer.subscription.updated", id: "evt_c_\(now)", created: now + 1, subscription: "sub_hook",
                customer: customer, status: "canceled")
            #expect(try await Self.deliver(client, late).body["outcome"] as? String == "processed")
            #expect(try await Self.plan(client, owner) == "pro")

            // The grace period (an hour here) ends: the sweep moves the tenant to the default plan.
            let billing = UseCases(context.identity).billing
            #expect(try await billing.sweep(now: Date().addingTimeInterval(1800)) == 0)
            #expect(try await billing.sweep(now: Date().addingTimeInterval(7200)) == 1)
            #expect(try await Self.plan(client, owner) == "free")
            #expect(try await billing.sweep(now: Date().addingTimeInterval(7300)) == 0)

            // Payment recovers: active again grants the plan.
            let recovered = Self.event(
                "customer.subscription.updated", id: "evt_d_\(now)", created: now + 3, subscription: "sub_hook",
                customer: customer, status: "active")
            #expect(try await Self.deliver(client, recovered).body["outcome"] as? String == "processed")
            #expect(try await Self.plan(client, owner) == "pro")
            #expect(try await Self.deliver(client, recovered).body["outcome"] as? String == "duplicate")
            #expect(try await Self.deliver(client, late).body["outcome"] as? String == "duplicate")

            let actions = try await tenantAuditActions(context.database.database, tenantID: owner.tenantID)
            #expect(actions.filter { $0 == "tenant.plan_changed" }.count == 3, "\(actions)")

            // Refusals: a wrong secret, an unknown customer (ignored), and operators' figures.
            let forged = try await Self.deliver(client, active, secret: "whsec_" + String(repeating: "x", count: 32))
            #expect(forged.status == .unauthorized && forged.body["code"] as? String == "invalid_webhook_signature")
            let stranger = Self.event(
                "customer.subscription.updated", id: "evt_e_\(now)", created: now + 4, subscription: "sub_x",
                customer: "cus_nobody",
                status: "active")
            #expect(try await Self.deliver(client, stranger).body["outcome"] as? String == "ignored")
            let usage = try await client.json(.get, "/api/v1/platform/usage", token: op.token)
            let figures = try #require(usage.body["billing"] as? [String: Any], "\(usage.raw)")
            #expect((figures["mrr"] as? [String: Any])?["eur"] as? Int == 1000, "\(usage.raw)")
            #expect((figures["subscriptions_by_status"] as? [String: Any])?["active"] as? Int == 1)
            #expect((figures["subscriptions_by_plan"] as? [String: Any])?["pro"] as? Int == 1)
            _ = stripe
        }
    }

    @Test(
        "Two subscriptions started at once make one in Stripe: one answers 201, the other 409, and a later start is free to run",
        arguments: TestDatabase.all)
    func concurrentSubscribes(engine: TestDatabase) async throws {
        try await Self.withBilling(engine) { client, _, stripe, _ in
            let owner = try await client.register()
            // Each on its own connection, as two browsers or two nodes would send them.
            let port = try #require(client.port)
            let start: @Sendable () async throws -> Int = {
                var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)/api/v1/billing/subscription")))
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.setValue("Bearer \(owner.accessToken)", forHTTPHeaderField: "Authorization")
                request.httpBody = Data(#"{"plan":"pro","payment_method":"pm_card_visa"}"#.utf8)
                let session = URLSession(configuration: .ephemeral)
                defer { session.finishTasksAndInvalidate() }
                let (_, response) = try await session.data(for: request)
                return (response as? HTTPURLResponse)?.statusCode ?? 0
            }
            async let first = start()
            async let second = start()
            let statuses = [try await first, try await second].map { HTTPResponse.Status(code: $0) }
            #expect(statuses.filter { $0 == .created }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .conflict }.count == 1, "\(statuses)")

            let overview = try await client.json(.get, "/api/v1/billing/subscription", token: owner.accessToken)
            let customer = try #require(overview.body["customer_id"] as? String, "\(overview.raw)")
            let listed = try await stripe.call("GET", "/v1/subscriptions", [("customer", customer), ("limit", "100")])
            #expect((listed.body["data"] as? [Any])?.count == 1, "\(listed.body)")

            // The claim was given back: the next start runs and finds the live subscription.
            let again = try await client.json(
                .post, "/api/v1/billing/subscription", ["plan": "pro", "payment_method": "pm_card_visa"],
                token: owner.accessToken)
            #expect(again.status == .conflict && again.raw.contains("already has a subscription"), "\(again.raw)")
        }
    }

    @Test("With no Stripe key, billing routes answer 503 billing_disabled", arguments: TestDatabase.all)
    func billingOffAnswersAClearProblem(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/billing/subscription"), (.get, "/api/v1/billing/invoices"),
                (.post, "/api/v1/billing/subscription/cancel"),
            ] {
                let answer = try await client.json(method, path, token: owner.accessToken)
                #expect(
                    answer.status == .serviceUnavailable && answer.body["code"] as? String == "billing_disabled", "\(answer.raw)")
            }
            let webhook = try await client.json(.post, "/api/v1/billing/stripe/webhook", ["id": "evt_1"])
            #expect(webhook.status == .serviceUnavailable && webhook.body["code"] as? String == "billing_disabled")
        }
    }
}
