public import Logging
public import ServiceLifecycle
public import TenantryApplication
public import TenantryCore

/// Rate limits and usage metering, made once at start-up: the limiter, the usage meter, the
/// tenants' allowances and the settings. Every tenant request passes through
/// ``TenantTrafficMiddleware``; the unauthenticated routes through ``ClientRateLimitMiddleware``.
public final class TrafficControl: Sendable {
    /// Decides whether a request fits its limits.
    public let limiter: any RateLimiter
    /// Counts usage in memory and writes it in batches.
    public let meter: UsageMeter
    /// Each tenant's requests per minute and API calls per month.
    public let allowances: any TenantAllowances
    /// Whether rate limits apply (`TENANTRY_RATE_LIMITS`).
    public let rateLimitsEnabled: Bool
    /// The limit per client IP on the unauthenticated routes.
    public let clientIPPolicy: RateLimitPolicy
    /// How often the meter is flushed.
    public let flushInterval: Duration
    /// How often shared rate limits are merged (``SharedRateLimiter``).
    public let syncInterval: Duration

    /// Creates the traffic control for a configuration. The server's `allowances` are
    /// ``PlanAllowances``; `limiter` defaults to an in-memory ``GCRARateLimiter``.
    public init(
        configuration: TenantryConfiguration,
        database: any DataStore,
        allowances: any TenantAllowances,
        limiter: (any RateLimiter)? = nil
    ) {
        self.limiter = limiter ?? GCRARateLimiter()
        self.meter = UsageMeter(database: database, isEnabled: configuration.usageMetering)
        self.allowances = allowances
        self.rateLimitsEnabled = configuration.rateLimitsEnabled
        self.clientIPPolicy = RateLimitPolicy(quota: configuration.clientIPRequestsPerMinute, window: 60)
        self.flushInterval = .milliseconds(Int(configuration.usageFlushInterval * 1000))
        self.syncInterval = .milliseconds(Int(configuration.rateLimitSyncInterval * 1000))
    }

    /// The background service that flushes usage counts every ``flushInterval`` and at graceful
    /// shutdown, and drops idle rate limit buckets. `serve` runs it in its service group, before
    /// the HTTP server and the workers, so it stops (and flushes) after them.
    public func flushing(logger: Logger) -> some Service {
        let local = (limiter as? GCRARateLimiter) ?? (limiter as? SharedRateLimiter)?.local
        return UsageFlushing(meter: meter, interval: flushInterval, logger: logger) { local?.evictIdle() }
    }

    /// The background service that merges this node's rate limit decisions with the other
    /// nodes' (``SharedRateLimiter/synchronizing(interval:logger:)``), when the limits are
    /// shared; `nil` when this node limits alone.
    public func limiterSynchronizing(logger: Logger) -> PeriodicService? {
        guard rateLimitsEnabled, let shared = limiter as? SharedRateLimiter else { return nil }
        return shared.synchronizing(interval: syncInterval, logger: logger)
    }
}
