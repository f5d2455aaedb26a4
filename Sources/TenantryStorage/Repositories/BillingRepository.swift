public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's billing account and the Stripe events it processed.
public struct SQLBillingRepository: BillingRepository {
    let sql: any SQLDatabase
    /// The tenant whose billing this repository reads and writes.
    public let tenantID: TenantID

    static let columns = """
        tenant_id, customer_id, subscription_id, status, item_id, price_id, amount, currency, billing_interval,
        interval_count, current_period_end, cancel_at_period_end, canceled_at, subscription_created_at, plan_id,
        granted_plan_id, state_at, past_due_since, created_at, updated_at
        """

    /// The tenant's account, if any.
    public func account() async throws -> BillingAccount? {
        try await sql.raw(
            "SELECT \(unsafeRaw: Self.columns) FROM billing_accounts WHERE tenant_id = \(bind: tenantID.rawValue)"
        ).first().map(Self.decode)
    }

    /// Inserts the account, or replaces every field of the stored one.
    public func save(_ account: BillingAccount) async throws {
        let subscription = account.subscription
        try await sql.raw(
            """
            INSERT INTO billing_accounts (\(unsafeRaw: Self.columns))
            VALUES (\(bind: tenantID.rawValue), \(bind: account.customerID), \(bind: subscription?.id),
                    \(bind: subscription?.status.rawValue), \(bind: subscription?.itemID), \(bind: subscription?.priceID),
                    \(bind: subscription?.amount), \(bind: subscription?.currency), \(bind: subscription?.interval),
                    \(bind: subscription?.intervalCount ?? 1), \(bind: subscription?.currentPeriodEnd),
                    \(bind: subscription?.cancelAtPeriodEnd ?? false), \(bind: subscription?.canceledAt),
                    \(bind: subscription?.createdAt), \(bind: account.planID), \(bind: account.grantedPlanID),
                    \(bind: account.stateAt), \(bind: account.pastDueSince), \(bind: account.createdAt), \(bind: account.updatedAt))
            ON CONFLICT (tenant_id) DO UPDATE SET
                customer_id = excluded.customer_id, subscription_id = excluded.subscription_id, status = excluded.status,
                item_id = excluded.item_id, price_id = excluded.price_id, amount = excluded.amount,
                currency = excluded.currency, billing_interval = excluded.billing_interval,
                interval_count = excluded.interval_count, current_period_end = excluded.current_period_end,
                cancel_at_period_end = excluded.cancel_at_period_end, canceled_at = excluded.canceled_at,
                subscription_created_at = excluded.subscription_created_at, plan_id = excluded.plan_id,
                granted_plan_id = excluded.granted_plan_id, state_at = excluded.state_at,
                past_due_since = excluded.past_due_since, updated_at = excluded.updated_at
            """
        ).run()
    }

    /// Claims the start of a subscription until `until`: `false` while another claim holds.
    public func claimSubscriptionStart(until: Date, now: Date) async throws -> Bool {
        try await sql.raw(
            """
            UPDATE billing_accounts SET subscribing_until = \(bind: until)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND (subscribing_until IS NULL OR subscribing_until <= \(bind: now))
            RETURNING 1 AS claimed
            """
        ).all().count == 1
    }

    /// Gives the claim back.
    public func releaseSubscriptionStart() async throws {
        try await sql.raw(
            "UPDATE billing_accounts SET subscribing_until = NULL WHERE tenant_id = \(bind: tenantID.rawValue)"
        ).run()
    }

    /// Notes an event; `false` when the tenant had processed it already.
    public func recordEvent(id: String, type: String, createdAt: Date, at now: Date) async throws -> Bool {
        !(try await sql.raw(
            """
            INSERT INTO billing_events (tenant_id, event_id, type, created_at, processed_at)
            VALUES (\(bind: tenantID.rawValue), \(bind: id), \(bind: type), \(bind: createdAt), \(bind: now))
            ON CONFLICT (tenant_id, event_id) DO NOTHING
            RETURNING event_id
            """
        ).all()).isEmpty
    }

    static func decode(_ row: any SQLRow) throws -> BillingAccount {
        var subscription: BillingSubscription?
        if let id = try row.decode(column: "subscription_id", as: String?.self) {
            let status = try row.decode(column: "status", as: String?.self).flatMap(SubscriptionStatus.init(rawValue:))
            guard let status else { throw TenantryError(.internalError, "A stored subscription has an unknown status.") }
            subscription = BillingSubscription(
                id: id, customerID: try row.decode(column: "customer_id", as: String.self), status: status,
                itemID: try row.decode(column: "item_id", as: String?.self),
                priceID: try row.decode(column: "price_id", as: String?.self),
                amount: try row.decode(column: "amount", as: Int?.self),
                currency: try row.decode(column: "currency", as: String?.self),
                interval: try row.decode(column: "billing_interval", as: String?.self),
                intervalCount: try row.decode(column: "interval_count", as: Int.self),
                currentPeriodEnd: try row.decode(column: "current_period_end", as: Date?.self),
                cancelAtPeriodEnd: try row.decode(column: "cancel_at_period_end", as: Bool.self),
                canceledAt: try row.decode(column: "canceled_at", as: Date?.self),
                createdAt: try row.decode(column: "subscription_created_at", as: Date?.self))
        }
        return BillingAccount(
            tenantID: try row.identifier("tenant_id"), customerID: try row.decode(column: "customer_id", as: String.self),
            subscription: subscription, planID: try row.decode(column: "plan_id", as: String?.self),
            stateAt: try row.decode(column: "state_at", as: Date?.self),
            pastDueSince: try row.decode(column: "past_due_since", as: Date?.self),
            grantedPlanID: try row.decode(column: "granted_plan_id", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }
}

/// Billing accounts across tenants (platform scope).
public struct SQLBillingDirectory: BillingDirectory {
    let sql: any SQLDatabase

    /// The tenant whose Stripe customer this is.
    public func tenant(ofCustomer customerID: String) async throws -> TenantID? {
        try await sql.raw("SELECT tenant_id FROM billing_accounts WHERE customer_id = \(bind: customerID)").first()
            .map { try $0.identifier("tenant_id") }
    }

    /// Tenants with a due transition whose granted plan is not yet the default.
    public func tenantsDue(at now: Date, pastDueCutoff: Date, defaultPlan: String) async throws -> [TenantID] {
        try await sql.raw(
            """
            SELECT tenant_id FROM billing_accounts
            WHERE (granted_plan_id IS NULL OR granted_plan_id <> \(bind: defaultPlan))
              AND ((status = 'past_due' AND past_due_since <= \(bind: pastDueCutoff))
                OR (status IN ('active', 'trialing') AND cancel_at_period_end = \(bind: true)
                    AND current_period_end <= \(bind: now)))
            """
        ).all().map { try $0.identifier("tenant_id") }
    }

    /// Every account with a subscription.
    public func subscribedAccounts() async throws -> [BillingAccount] {
        try await sql.raw(
            "SELECT \(unsafeRaw: SQLBillingRepository.columns) FROM billing_accounts WHERE subscription_id IS NOT NULL"
        ).all().map(SQLBillingRepository.decode)
    }
}
