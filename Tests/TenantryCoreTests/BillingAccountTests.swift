import Foundation
import TenantryCore
import Testing

@Suite("Billing state machine")
struct BillingAccountTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let grace: TimeInterval = 3 * 86_400

    func account() -> BillingAccount {
        BillingAccount(tenantID: .generate(), customerID: "cus_1", createdAt: start, updatedAt: start)
    }

    func subscription(_ status: SubscriptionStatus, price: String = "basic", cancelAtPeriodEnd: Bool = false)
        -> BillingSubscription
    {
        BillingSubscription(
            id: "sub_1", customerID: "cus_1", status: status, priceID: price, amount: 1000, currency: "eur",
            interval: "month", currentPeriodEnd: start.addingTimeInterval(30 * 86_400), cancelAtPeriodEnd: cancelAtPeriodEnd)
    }

    @Test func activeGrantsTheLinkedPlanAndNoSubscriptionLeavesThePlanAlone() {
        var account = account()
        #expect(account.entitledPlan(at: start, gracePeriod: grace, defaultPlan: "free") == nil)
        let first = account.apply(subscription(.active), planID: "pro", observedAt: start)
        #expect(first)
        #expect(account.entitledPlan(at: start, gracePeriod: grace, defaultPlan: "free") == "pro")
        let second = account.apply(subscription(.incomplete), planID: "pro", observedAt: start.addingTimeInterval(1))
        #expect(second)
        #expect(account.entitledPlan(at: start, gracePeriod: grace, defaultPlan: "free") == nil)
    }

    @Test func pastDueKeepsThePlanForTheGracePeriodThenFallsBack() {
        var account = account()
        _ = account.apply(subscription(.active), planID: "pro", observedAt: start)
        _ = account.apply(subscription(.pastDue), planID: "pro", observedAt: start.addingTimeInterval(10))
        #expect(account.pastDueSince == start.addingTimeInterval(10))
        // A second past-due state does not restart the grace period.
        _ = account.apply(subscription(.pastDue), planID: "pro", observedAt: start.addingTimeInterval(20))
        #expect(account.pastDueSince == start.addingTimeInterval(10))
        #expect(account.entitledPlan(at: start.addingTimeInterval(grace), gracePeriod: grace, defaultPlan: "free") == "pro")
        #expect(account.entitledPlan(at: start.addingTimeInterval(grace + 10), gracePeriod: grace, defaultPlan: "free") == "free")
        #expect(account.nextTransition(gracePeriod: grace) == start.addingTimeInterval(grace + 10))
        _ = account.apply(subscription(.active), planID: "pro", observedAt: start.addingTimeInterval(30))
        #expect(account.pastDueSince == nil)
    }

    @Test func canceledFallsBackAndCancelAtPeriodEndKeepsThePlanUntilThePeriodEnds() {
        var account = account()
        _ = account.apply(subscription(.active, cancelAtPeriodEnd: true), planID: "pro", observedAt: start)
        #expect(account.entitledPlan(at: start, gracePeriod: grace, defaultPlan: "free") == "pro")
        #expect(
            account.entitledPlan(at: start.addingTimeInterval(31 * 86_400), gracePeriod: grace, defaultPlan: "free") == "free")
        _ = account.apply(subscription(.canceled), planID: "pro", observedAt: start.addingTimeInterval(5))
        #expect(account.entitledPlan(at: start, gracePeriod: grace, defaultPlan: "free") == "free")
    }

    @Test func anOlderStateChangesNothing() {
        var account = account()
        let newer = account.apply(subscription(.canceled), planID: "pro", observedAt: start.addingTimeInterval(10))
        #expect(newer)
        let older = account.apply(subscription(.active), planID: "pro", observedAt: start)
        #expect(!older)
        #expect(account.subscription?.status == .canceled)
        #expect(account.stateAt == start.addingTimeInterval(10))
    }

    @Test func anEarlierSubscriptionEndingLaterLeavesTheLiveOneAlone() {
        var account = account()
        var current = subscription(.active)
        current.id = "sub_2"
        _ = account.apply(current, planID: "pro", observedAt: start)
        let late = account.apply(subscription(.canceled), planID: "pro", observedAt: start.addingTimeInterval(5))
        #expect(!late)
        #expect(account.subscription?.id == "sub_2" && account.subscription?.status == .active)
    }

    @Test func figuresCountRevenueStatusesPlansAndChurn() {
        func make(_ status: SubscriptionStatus, plan: String, amount: Int, interval: String, canceledAt: Date? = nil)
            -> BillingAccount
        {
            var account = account()
            var subscription = subscription(status)
            subscription.amount = amount
            subscription.interval = interval
            subscription.canceledAt = canceledAt
            _ = account.apply(subscription, planID: plan, observedAt: start)
            return account
        }
        let figures = BillingFigures(
            accounts: [
                make(.active, plan: "pro", amount: 3000, interval: "month"),
                make(.active, plan: "pro", amount: 120_000, interval: "year"),
                make(.pastDue, plan: "basic", amount: 1000, interval: "month"),
                make(.canceled, plan: "basic", amount: 1000, interval: "month", canceledAt: start.addingTimeInterval(-86_400)),
                make(
                    .canceled, plan: "basic", amount: 1000, interval: "month", canceledAt: start.addingTimeInterval(-90 * 86_400)),
            ], now: start, window: 30 * 86_400)
        #expect(figures.monthlyRecurringRevenue == ["eur": 3000 + 10_000 + 1000])
        #expect(figures.byStatus == ["active": 2, "past_due": 1, "canceled": 2])
        #expect(figures.byPlan == ["pro": 2, "basic": 1])
        #expect(figures.canceledInWindow == 1)
        #expect(figures.churnBase == 4)
        #expect(figures.churnRate == 0.25)
    }
}
