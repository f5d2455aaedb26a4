public import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Billing with Stripe (docs/billing.md, decision 0024): a tenant's Stripe customer (made on
/// first use), its subscription (subscribe with a payment method, change plan, cancel at period
/// end, resume), its invoices, and Stripe's webhooks, which drive the tenant's plan.
///
/// Every subscription state, whether Stripe answered one of our calls or sent an event, goes
/// through one path (``apply(_:observedAt:to:actor:origin:event:)``): a state older than the one
/// held changes nothing, an event is processed once, and the plan the state entitles the tenant
/// to (``BillingAccount/entitledPlan(at:gracePeriod:defaultPlan:)``) is given through the same
/// plan change operators make (``PlatformService/movePlan(_:to:in:)``), so quotas and modules
/// follow. Calls to Stripe run outside database transactions.
public struct BillingService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Stripe; `nil`: billing is off and every route answers `billing_disabled`.
    public let payments: (any PaymentProvider)?
    /// The webhook secret and the grace period.
    public let settings: BillingSettings
    /// The default plan, which a tenant falls back to.
    public let tenancy: TenancySettings

    /// Creates the use case.
    public init(database: any DataStore, payments: (any PaymentProvider)?, settings: BillingSettings, tenancy: TenancySettings) {
        self.database = database
        self.payments = payments
        self.settings = settings
        self.tenancy = tenancy
    }

    /// The answer of every billing route while billing is off.
    public static var disabled: TenantryError {
        TenantryError(.billingDisabled, "Billing is not configured on this server.")
    }

    static var noSubscription: TenantryError { TenantryError(.notFound, "The tenant has no subscription.") }

    /// The tenant's billing as its owner sees it: the account (if any) and its current plan.
    public struct Overview: Sendable {
        public var account: BillingAccount?
        public var planID: String
    }

    func provider() throws -> any PaymentProvider {
        guard let payments else { throw Self.disabled }
        return payments
    }

    /// The tenant's billing account and plan.
    public func overview(_ access: TenantAccess) async throws -> Overview {
        _ = try provider()
        return try await database.withTenant(access.tenantID) { scope in
            guard let profile = try await scope.tenants.profile(id: access.tenantID) else { throw TenantService.noSuchTenant }
            return Overview(account: try await scope.billing.account(), planID: profile.planID)
        }
    }

    /// Subscribes the tenant to `planID` (a plan with a Stripe price) paying with
    /// `paymentMethod`: the customer is made on first use, the payment method becomes its
    /// default, and the first invoice is paid at once (a decline is 402 `payment_failed`).
    /// A tenant with a live subscription changes plan instead (409). One start at a time per
    /// tenant, across nodes: while one calls Stripe it holds a claim on the billing account
    /// (``subscriptionStartClaim`` at most, should its node stop), and another answers 409.
    public func subscribe(_ access: TenantAccess, planID: String, paymentMethod: String, origin: AuditEvent.Origin)
        async throws -> Overview
    {
        let payments = try provider()
        let price = try await stripePrice(of: planID)
        _ = try await customer(for: access, payments: payments)
        let now = Date()
        // The claim, and the account as it stands under it: a start that just finished shows.
        let account = try await database.withTenant(access.tenantID) { scope -> BillingAccount? in
            guard
                try await scope.billing.claimSubscriptionStart(
                    until: now.addingTimeInterval(Self.subscriptionStartClaim), now: now)
            else { return nil }
            return try await scope.billing.account()
        }
        guard let account else {
            throw TenantryError(.conflict, "A subscription is being started for this tenant; try again in a moment.")
        }
        let overview: Overview
        do {
            if let subscription = account.subscription, subscription.status.isLive {
                throw TenantryError(
                    .conflict,
                    "The tenant already has a subscription; change its plan instead (PUT /api/v1/billing/subscription).")
            }
            let key = UUID().uuidString
            try await payments.setDefaultPaymentMethod(paymentMethod, customerID: account.customerID, idempotencyKey: key)
            let subscription = try await payments.createSubscription(
                customerID: account.customerID, priceID: price, tenantID: access.tenantID, idempotencyKey: key + "-subscription")
            overview = try await applyAnswer(subscription, access, origin: origin)
        } catch {
            try? await releaseSubscriptionStart(access.tenantID)
            throw error
        }
        // The subscription stands whatever becomes of the release: a failed one is not the
        // caller's error, and the claim expires on its own.
        try? await releaseSubscriptionStart(access.tenantID)
        return overview
    }

    /// How long a subscription's start may hold its claim: longer than its Stripe calls can
    /// take (each is bounded by the client's timeout), short enough to retry soon after a crash.
    static let subscriptionStartClaim: TimeInterval = 120

    private func releaseSubscriptionStart(_ tenantID: TenantID) async throws {
        try await database.withTenant(tenantID) { scope in try await scope.billing.releaseSubscriptionStart() }
    }

    /// Moves the live subscription to `planID`'s price, with Stripe's proration.
    public func changePlan(_ access: TenantAccess, planID: String, origin: AuditEvent.Origin) async throws -> Overview {
        let payments = try provider()
        let price = try await stripePrice(of: planID)
        let subscription = try await liveSubscription(access)
        guard subscription.priceID != price else { return try await overview(access) }
        let changed = try await payments.changePrice(of: subscription, to: price, idempotencyKey: UUID().uuidString)
        return try await applyAnswer(changed, access, origin: origin)
    }

    /// Sets the live subscription to cancel at the end of its period (`cancel`), or takes that
    /// back (resume).
    public func setCancelAtPeriodEnd(_ cancel: Bool, _ access: TenantAccess, origin: AuditEvent.Origin) async throws
        -> Overview
    {
        let payments = try provider()
        let subscription = try await liveSubscription(access)
        let changed = try await payments.setCancelAtPeriodEnd(
            cancel, subscriptionID: subscription.id, idempotencyKey: UUID().uuidString)
        return try await applyAnswer(changed, access, origin: origin)
    }

    /// One page of the tenant's invoices, newest first; the cursor is the last invoice's id.
    public func invoices(_ access: TenantAccess, limit: Int, after cursor: String?) async throws -> Page<BillingInvoice> {
        let payments = try provider()
        let account = try await database.withTenant(access.tenantID) { scope in try await scope.billing.account() }
        guard let account else { return Page(items: [], nextCursor: nil) }
        let (items, hasMore) = try await payments.invoices(customerID: account.customerID, limit: limit, startingAfter: cursor)
        return Page(items: items, nextCursor: hasMore ? items.last?.id : nil)
    }

    // MARK: Webhooks

    /// What became of a webhook.
    public enum Reception: Sendable, Equatable {
        /// Applied (the state may have been older than the one held, and changed nothing).
        case processed
        /// The event had been processed before.
        case duplicate
        /// Not an event billing acts on, or for no tenant billing knows.
        case ignored
    }

    /// Verifies a Stripe webhook with the inbound Stripe scheme (``InboundVerifier``) and the
    /// configured secret, then applies the subscription state it carries: subscription events
    /// carry it, invoice events make billing read the subscription from Stripe.
    public func receive(headers: [String: String], body: [UInt8], now: Date = Date()) async throws -> Reception {
        let payments = try provider()
        guard let secret = settings.webhookSecret else { throw Self.disabled }
        do {
            _ = try InboundVerifier.verify(scheme: .stripe, secrets: [secret], headers: headers, body: body, now: now)
        } catch {
            throw error.error
        }
        guard let event = payments.event(from: body), let customer = event.subscription?.customerID ?? event.customerID else {
            return .ignored
        }
        let tenant = try await database.withPlatform { scope in try await scope.billingDirectory.tenant(ofCustomer: customer) }
        guard let tenant else { return .ignored }
        var subscription = event.subscription
        if subscription == nil, event.type.hasPrefix("invoice."), let id = event.invoiceSubscriptionID {
            let stale = try await database.withTenant(tenant) { scope in
                guard let stateAt = try await scope.billing.account()?.stateAt else { return false }
                return event.createdAt < stateAt
            }
            if !stale { subscription = try await payments.subscription(id: id) }
        }
        let applied = try await apply(
            subscription, observedAt: event.createdAt, to: tenant, actor: .system, origin: .none, event: event)
        return applied == nil ? .duplicate : .processed
    }

    // MARK: Due transitions

    /// Applies the transitions that fall due without an event (a grace period over, a period
    /// canceled at its end over); returns how many tenants changed plan.
    @discardableResult
    public func sweep(now: Date = Date()) async throws -> Int {
        guard payments != nil else { return 0 }
        let due = try await database.withPlatform { scope in
            try await scope.billingDirectory.tenantsDue(
                at: now, pastDueCutoff: now.addingTimeInterval(-settings.gracePeriod), defaultPlan: tenancy.defaultPlan)
        }
        var changed = 0
        for tenant in due {
            let before = try await database.withTenant(tenant) { scope in try await scope.billing.account()?.grantedPlanID }
            let after = try await apply(nil, observedAt: now, to: tenant, actor: .system, origin: .none, now: now)
            if after?.account?.grantedPlanID != before { changed += 1 }
        }
        return changed
    }

    // MARK: The one path of every state

    /// Applies Stripe's answer to one of the tenant's own calls, observed now.
    func applyAnswer(_ subscription: BillingSubscription, _ access: TenantAccess, origin: AuditEvent.Origin) async throws
        -> Overview
    {
        let overview = try await apply(subscription, observedAt: Date(), to: access.tenantID, actor: access.actor, origin: origin)
        guard let overview else { throw TenantryError(.internalError, "A call's answer was taken for a duplicate event.") }
        return overview
    }

    /// Applies `subscription` as observed at `observedAt` (or, with `nil`, re-evaluates the
    /// state held at `now`) in one tenant transaction: the event is noted (returns `nil` when it
    /// was processed before), the account updated unless its state is newer, the entitled plan
    /// given, and each change recorded.
    @discardableResult
    func apply(
        _ subscription: BillingSubscription?, observedAt: Date, to tenantID: TenantID, actor: AuditEvent.Actor,
        origin: AuditEvent.Origin, event: PaymentEvent? = nil, now: Date = Date()
    ) async throws -> Overview? {
        let plans = try await database.readGlobal { scope in try await scope.plans.all() }
        let (settings, defaultPlan) = (settings, tenancy.defaultPlan)
        return try await database.withTenant(tenantID) { scope -> Overview? in
            try await scope.lockTenant()
            if let event {
                guard try await scope.billing.recordEvent(id: event.id, type: event.type, createdAt: event.createdAt, at: now)
                else { return nil }
            }
            guard var profile = try await scope.tenants.profile(id: tenantID) else { throw TenantService.noSuchTenant }
            guard var account = try await scope.billing.account() else { throw Self.noSubscription }
            let before = Self.fields(of: account)
            let grantedBefore = account.grantedPlanID
            if let subscription {
                let linked = plans.first { $0.stripePriceID != nil && $0.stripePriceID == subscription.priceID }?.id
                _ = account.apply(subscription, planID: linked, observedAt: observedAt)
            }
            if let entitled = account.entitledPlan(at: now, gracePeriod: settings.gracePeriod, defaultPlan: defaultPlan),
                entitled != account.grantedPlanID || entitled != profile.planID
            {
                account.grantedPlanID = entitled
                let changes = try await PlatformService.movePlan(&profile, to: entitled, in: scope)
                if !changes.isEmpty {
                    profile.tenant.updatedAt = now
                    try await scope.tenants.save(profile)
                    try await scope.record(
                        AuditRecorder.event(
                            in: tenantID, action: .tenantPlanChanged, actor: actor, target: PlatformService.target(tenantID),
                            origin: origin, changes: changes.merging(Self.cause(event)) { first, _ in first }))
                }
            }
            var changes = AuditRecorder.changes(from: before, to: Self.fields(of: account))
            if !changes.isEmpty || account.grantedPlanID != grantedBefore {
                account.updatedAt = now
                try await scope.billing.save(account)
            }
            if !changes.isEmpty {
                changes.merge(Self.cause(event)) { first, _ in first }
                try await scope.record(
                    AuditRecorder.event(
                        in: tenantID, action: .billingSubscriptionChanged, actor: actor,
                        target: AuditEvent.Target(
                            type: "billing_subscription", id: account.subscription?.id ?? account.customerID),
                        origin: origin, changes: changes))
            }
            return Overview(account: account, planID: profile.planID)
        }
    }

    /// The tenant's account with a Stripe customer, made (and stored) on first use. The
    /// customer's creation key is the tenant's id, so two requests racing make one customer.
    func customer(for access: TenantAccess, payments: any PaymentProvider) async throws -> BillingAccount {
        let found = try await database.withTenant(access.tenantID) { scope in
            (try await scope.billing.account(), try await scope.tenants.profile(id: access.tenantID)?.tenant.name)
        }
        if let account = found.0 { return account }
        guard let name = found.1 else { throw TenantService.noSuchTenant }
        let customerID = try await payments.createCustomer(
            tenantID: access.tenantID, name: name, idempotencyKey: "tenantry-customer-\(access.tenantID)")
        return try await database.withTenant(access.tenantID) { scope in
            if let account = try await scope.billing.account() { return account }
            let now = Date()
            let account = BillingAccount(tenantID: access.tenantID, customerID: customerID, createdAt: now, updatedAt: now)
            try await scope.billing.save(account)
            return account
        }
    }

    /// The tenant's subscription while it is live (active, trialing or past due).
    func liveSubscription(_ access: TenantAccess) async throws -> BillingSubscription {
        let account = try await database.withTenant(access.tenantID) { scope in try await scope.billing.account() }
        guard let subscription = account?.subscription, subscription.status.isLive else { throw Self.noSubscription }
        return subscription
    }

    /// The Stripe price of a plan; a plan without one cannot be bought (422 on `plan`).
    func stripePrice(of planID: String) async throws -> String {
        let plan = try await database.readGlobal { scope in try await scope.plans.find(id: planID) }
        guard let plan else { throw PlatformService.unknownPlan("plan") }
        guard let price = plan.stripePriceID else {
            throw Validator.fail("plan", "not_for_sale", "This plan has no Stripe price; an operator links one first.")
        }
        return price
    }

    /// The fields a `billing.subscription_changed` event compares.
    static func fields(of account: BillingAccount) -> [String: String] {
        var fields = ["customer_id": account.customerID]
        if let subscription = account.subscription {
            fields["subscription_id"] = subscription.id
            fields["status"] = subscription.status.rawValue
            fields["price_id"] = subscription.priceID
            fields["cancel_at_period_end"] = String(subscription.cancelAtPeriodEnd)
            fields["current_period_end"] = subscription.currentPeriodEnd.map(FastFormatting.timestamp)
        }
        fields["plan"] = account.planID
        fields["past_due_since"] = account.pastDueSince.map(FastFormatting.timestamp)
        return fields.compactMapValues { $0 }
    }

    /// The Stripe event behind a change, as event fields.
    static func cause(_ event: PaymentEvent?) -> [String: AuditEvent.Change] {
        guard let event else { return [:] }
        return [
            "stripe_event": .init(before: nil, after: event.id), "stripe_event_type": .init(before: nil, after: event.type),
        ]
    }
}

/// Runs ``BillingService/sweep(now:)`` every `interval` and once at start-up.
public struct BillingSweeper: Service {
    let billing: BillingService
    let interval: Duration
    let logger: Logger

    /// Creates the sweeper.
    public init(billing: BillingService, interval: Duration, logger: Logger) {
        self.billing = billing
        self.interval = interval
        self.logger = logger
    }

    public func run() async {
        await PeriodicService(
            name: "billing transitions", interval: interval, runsAtStart: true, logger: logger,
            failureMessage: "applying due billing transitions failed; will retry"
        ) {
            let changed = try await billing.sweep()
            if changed > 0 { logger.info("billing moved tenants to their plans", metadata: ["billing.tenants": "\(changed)"]) }
        }.run()
    }
}
