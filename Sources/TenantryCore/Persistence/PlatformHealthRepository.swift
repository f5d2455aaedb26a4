public import Foundation

/// What the operators' overview shows of the platform's health, read across every tenant:
/// new tenants, webhook endpoints that fail, and the job queues.
public protocol PlatformHealthRepository: Sendable {
    /// How many tenants there are in each status on each plan (deleted tenants left out).
    func tenantCounts() async throws -> [(status: Tenant.Status, plan: String, count: Int)]
    /// When each tenant made since `since` was made, oldest first (at most `limit`).
    func tenantsCreated(since: Date, limit: Int) async throws -> [Date]
    /// Webhook endpoints whose deliveries are failing or that were turned off after failing,
    /// longest-failing first.
    func failingWebhookEndpoints(limit: Int) async throws -> [FailingWebhookEndpoint]
    /// Each job queue's state at `now`, with its jobs given up since `deadSince`.
    func jobQueues(now: Date, deadSince: Date) async throws -> [JobQueueHealth]
}

/// A webhook endpoint whose deliveries fail.
public struct FailingWebhookEndpoint: Sendable, Equatable {
    public var tenantID: TenantID
    public var tenantName: String
    public var endpointID: WebhookEndpointID
    public var url: String
    /// Since when its deliveries have failed (`nil` once it was turned off and the failure
    /// forgotten).
    public var failingSince: Date?
    /// Whether it was turned off (by the failures, or by hand after them).
    public var disabled: Bool

    /// Creates a value.
    public init(
        tenantID: TenantID, tenantName: String, endpointID: WebhookEndpointID, url: String, failingSince: Date?,
        disabled: Bool
    ) {
        self.tenantID = tenantID
        self.tenantName = tenantName
        self.endpointID = endpointID
        self.url = url
        self.failingSince = failingSince
        self.disabled = disabled
    }
}

/// One job queue's state.
public struct JobQueueHealth: Sendable, Equatable {
    /// The queue (the job kind, e.g. `email`).
    public var queue: String
    /// Jobs due now and not held by a worker.
    public var due: Int
    /// Jobs a worker holds now.
    public var running: Int
    /// Jobs given up after their last attempt, in the window asked for.
    public var dead: Int
    /// When the longest-waiting due job became due.
    public var oldestDueAt: Date?

    /// Creates a value.
    public init(queue: String, due: Int, running: Int, dead: Int, oldestDueAt: Date?) {
        self.queue = queue
        self.due = due
        self.running = running
        self.dead = dead
        self.oldestDueAt = oldestDueAt
    }
}
