public import Foundation

/// A Stripe subscription's status, as Stripe names it.
public enum SubscriptionStatus: String, Sendable, Codable, CaseIterable {
    case incomplete
    case incompleteExpired = "incomplete_expired"
    case trialing
    case active
    case pastDue = "past_due"
    case unpaid
    case canceled
    case paused
}

/// A Stripe subscription as billing reads it: one item (one price or legacy plan) per tenant.
public struct BillingSubscription: Sendable, Equatable {
    /// Stripe's id, `sub_…`.
    public var id: String
    /// The Stripe customer it bills, `cus_…`.
    public var customerID: String
    public var status: SubscriptionStatus
    /// The subscription item's id (`si_…`), which a change of price names.
    public var itemID: String?
    /// The Stripe price or legacy plan id of the item.
    public var priceID: String?
    /// The amount per interval in the currency's minor unit, times the quantity.
    public var amount: Int?
    /// The lower-case ISO currency code, e.g. `eur`.
    public var currency: String?
    /// `day`, `week`, `month` or `year`.
    public var interval: String?
    public var intervalCount: Int
    public var currentPeriodEnd: Date?
    public var cancelAtPeriodEnd: Bool
    public var canceledAt: Date?
    /// Stripe's own creation time of the subscription.
    public var createdAt: Date?

    /// Creates a value.
    public init(
        id: String, customerID: String, status: SubscriptionStatus, itemID: String? = nil, priceID: String? = nil,
        amount: Int? = nil, currency: String? = nil, interval: String? = nil, intervalCount: Int = 1,
        currentPeriodEnd: Date? = nil, cancelAtPeriodEnd: Bool = false, canceledAt: Date? = nil, createdAt: Date? = nil
    ) {
        self.id = id
        self.customerID = customerID
        self.status = status
        self.itemID = itemID
        self.priceID = priceID
        self.amount = amount
        self.currency = currency
        self.interval = interval
        self.intervalCount = intervalCount
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.canceledAt = canceledAt
        self.createdAt = createdAt
    }

    /// The amount per month in minor units (a yearly price counts a twelfth, a weekly one
    /// 52/12), for monthly recurring revenue; `nil` without an amount or interval.
    public var monthlyAmount: Double? {
        guard let amount, let interval, intervalCount > 0 else { return nil }
        let perMonth: Double
        switch interval {
        case "day": perMonth = 365.0 / 12.0
        case "week": perMonth = 52.0 / 12.0
        case "month": perMonth = 1
        case "year": perMonth = 1.0 / 12.0
        default: return nil
        }
        return Double(amount) * perMonth / Double(intervalCount)
    }
}

/// A tenant's billing record: its Stripe customer and the subscription state last applied, with
/// the Stripe time of that state (events older than it change nothing).
public struct BillingAccount: Sendable, Equatable {
    public var tenantID: TenantID
    /// The tenant's Stripe customer, `cus_…`.
    public var customerID: String
    /// The subscription as last applied, if the tenant ever subscribed.
    public var subscription: BillingSubscription?
    /// Our plan linked to the subscription's price when it was applied.
    public var planID: String?
    /// The Stripe time (an event's `created`, or when Stripe answered one of our calls) of the
    /// state held: a webhook event created before it is stale.
    public var stateAt: Date?
    /// When the subscription was first seen `past_due` (cleared when it leaves that status).
    public var pastDueSince: Date?
    /// The plan billing last gave the tenant, if it gave one.
    public var grantedPlanID: String?
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates a value.
    public init(
        tenantID: TenantID, customerID: String, subscription: BillingSubscription? = nil, planID: String? = nil,
        stateAt: Date? = nil, pastDueSince: Date? = nil, grantedPlanID: String? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.grantedPlanID = grantedPlanID
        self.tenantID = tenantID
        self.customerID = customerID
        self.subscription = subscription
        self.planID = planID
        self.stateAt = stateAt
        self.pastDueSince = pastDueSince
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Applies a subscription state observed at `observedAt` (Stripe's time): returns `false`
    /// and changes nothing when the state held is newer, or when it is a live subscription and
    /// the state is an ended one of another (an earlier subscription's late event). `planID` is
    /// our plan linked to the subscription's price.
    public mutating func apply(_ subscription: BillingSubscription, planID: String?, observedAt: Date) -> Bool {
        if let stateAt, observedAt < stateAt { return false }
        if let current = self.subscription, current.id != subscription.id, current.status.isLive,
            !subscription.status.isLive
        {
            return false
        }
        if subscription.status == .pastDue {
            if self.subscription?.status != .pastDue || pastDueSince == nil { pastDueSince = observedAt }
        } else {
            pastDueSince = nil
        }
        self.subscription = subscription
        if let planID { self.planID = planID }
        stateAt = max(stateAt ?? observedAt, observedAt)
        return true
    }

    /// The plan billing entitles the tenant to at `now`, or `nil` when billing has no say (no
    /// subscription yet, or a first payment still incomplete):
    /// - `active`, `trialing`: the linked plan (until the period ends when canceled at period end);
    /// - `past_due`: the linked plan during `gracePeriod` from the first `past_due`, then `defaultPlan`;
    /// - `canceled`, `unpaid`, `incomplete_expired`, `paused`: `defaultPlan`.
    public func entitledPlan(at now: Date, gracePeriod: TimeInterval, defaultPlan: String) -> String? {
        guard let subscription else { return nil }
        switch subscription.status {
        case .active, .trialing:
            if subscription.cancelAtPeriodEnd, let end = subscription.currentPeriodEnd, now >= end { return defaultPlan }
            return planID
        case .pastDue:
            if let since = pastDueSince, now >= since.addingTimeInterval(gracePeriod) { return defaultPlan }
            return planID
        case .canceled, .unpaid, .incompleteExpired, .paused:
            return defaultPlan
        case .incomplete:
            return nil
        }
    }

    /// When the answer of ``entitledPlan(at:gracePeriod:defaultPlan:)`` changes next without
    /// any event (the end of a grace period, or of a period canceled at its end), if it does.
    public func nextTransition(gracePeriod: TimeInterval) -> Date? {
        guard let subscription else { return nil }
        switch subscription.status {
        case .pastDue: return pastDueSince?.addingTimeInterval(gracePeriod)
        case .active, .trialing: return subscription.cancelAtPeriodEnd ? subscription.currentPeriodEnd : nil
        default: return nil
        }
    }
}

extension SubscriptionStatus {
    /// Whether the subscription still bills (active, trialing, past due): one at a time.
    public var isLive: Bool { self == .active || self == .trialing || self == .pastDue }
}

/// An invoice as the tenant's billing lists it.
public struct BillingInvoice: Sendable, Equatable {
    /// Stripe's id, `in_…`.
    public var id: String
    public var number: String?
    /// `draft`, `open`, `paid`, `uncollectible` or `void`.
    public var status: String?
    public var amountDue: Int
    public var amountPaid: Int
    public var currency: String
    public var createdAt: Date
    public var periodStart: Date?
    public var periodEnd: Date?
    public var hostedInvoiceURL: String?
    public var subscriptionID: String?

    /// Creates a value.
    public init(
        id: String, number: String?, status: String?, amountDue: Int, amountPaid: Int, currency: String, createdAt: Date,
        periodStart: Date?, periodEnd: Date?, hostedInvoiceURL: String?, subscriptionID: String?
    ) {
        self.id = id
        self.number = number
        self.status = status
        self.amountDue = amountDue
        self.amountPaid = amountPaid
        self.currency = currency
        self.createdAt = createdAt
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.hostedInvoiceURL = hostedInvoiceURL
        self.subscriptionID = subscriptionID
    }
}

/// What operators see of billing across tenants.
public struct BillingFigures: Sendable, Equatable {
    /// Monthly recurring revenue per currency, in minor units, of active and past-due
    /// subscriptions (not canceled at period end).
    public var monthlyRecurringRevenue: [String: Int]
    /// Subscriptions per status.
    public var byStatus: [String: Int]
    /// Active, trialing and past-due subscriptions per linked plan.
    public var byPlan: [String: Int]
    /// Subscriptions canceled in the window.
    public var canceledInWindow: Int
    /// Subscriptions that were live at the window's start or began in it (the churn base).
    public var churnBase: Int

    /// Creates a value.
    public init(
        monthlyRecurringRevenue: [String: Int], byStatus: [String: Int], byPlan: [String: Int], canceledInWindow: Int,
        churnBase: Int
    ) {
        self.monthlyRecurringRevenue = monthlyRecurringRevenue
        self.byStatus = byStatus
        self.byPlan = byPlan
        self.canceledInWindow = canceledInWindow
        self.churnBase = churnBase
    }

    /// Canceled in the window over the base, 0 to 1 (0 with no base).
    public var churnRate: Double { churnBase == 0 ? 0 : Double(canceledInWindow) / Double(churnBase) }

    /// The figures of `accounts` at `now`, churn over the `window` before it.
    public init(accounts: [BillingAccount], now: Date, window: TimeInterval) {
        var revenue: [String: Double] = [:]
        var byStatus: [String: Int] = [:]
        var byPlan: [String: Int] = [:]
        var canceled = 0
        var base = 0
        let start = now.addingTimeInterval(-window)
        for account in accounts {
            guard let subscription = account.subscription else { continue }
            byStatus[subscription.status.rawValue, default: 0] += 1
            let live = [.active, .trialing, .pastDue].contains(subscription.status)
            if live { byPlan[account.planID ?? "unlinked", default: 0] += 1 }
            if [.active, .pastDue].contains(subscription.status), !subscription.cancelAtPeriodEnd,
                let monthly = subscription.monthlyAmount, let currency = subscription.currency
            {
                revenue[currency, default: 0] += monthly
            }
            let canceledNow = subscription.status == .canceled && (subscription.canceledAt ?? .distantPast) >= start
            if canceledNow { canceled += 1 }
            if live || canceledNow { base += 1 }
        }
        self.init(
            monthlyRecurringRevenue: revenue.mapValues { Int($0.rounded()) }, byStatus: byStatus, byPlan: byPlan,
            canceledInWindow: canceled, churnBase: base)
    }
}
