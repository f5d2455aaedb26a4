public import Foundation

/// One tenant's billing record and the Stripe events it has processed.
public protocol BillingRepository: Sendable {
    /// The tenant's billing account, if it has one.
    func account() async throws -> BillingAccount?
    /// Inserts or replaces the tenant's billing account.
    func save(_ account: BillingAccount) async throws
    /// Notes a Stripe event as processed; `false` when it was already.
    func recordEvent(id: String, type: String, createdAt: Date, at now: Date) async throws -> Bool
    /// Claims the start of a subscription until `until`, so that two requests (on any nodes)
    /// cannot both create one in Stripe: `false` while another start holds a claim that has not
    /// expired at `now`, or when the tenant has no billing account yet.
    func claimSubscriptionStart(until: Date, now: Date) async throws -> Bool
    /// Gives the claim back, once the start has ended either way.
    func releaseSubscriptionStart() async throws
}

/// Billing accounts across tenants (platform scope): the webhook's way from a Stripe customer
/// to its tenant, the sweep of due transitions, and the operators' figures.
public protocol BillingDirectory: Sendable {
    /// The tenant whose Stripe customer this is.
    func tenant(ofCustomer customerID: String) async throws -> TenantID?
    /// Tenants whose granted plan is not `defaultPlan` although a transition is due: a
    /// `past_due` subscription since before `pastDueCutoff`, or a period canceled at its end
    /// that ended by `now`.
    func tenantsDue(at now: Date, pastDueCutoff: Date, defaultPlan: String) async throws -> [TenantID]
    /// Every billing account with a subscription.
    func subscribedAccounts() async throws -> [BillingAccount]
}
