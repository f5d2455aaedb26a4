public import Prometheus
import Synchronization

/// The metrics of one running application, in its own Prometheus registry (decision 0022).
///
/// Every series is made here, with its HELP text, from bounded label values only: never a
/// tenant id, a user id or a raw path. Counters of fixed label sets exist from the start (at 0),
/// so a rate over them is defined before the first event. Values that are cheaper to read than
/// to count as they change (cache statistics, the database pool, the job queue) are brought up
/// to date by collectors just before each scrape, or by a periodic query.
///
/// One instance per application, made with the ``TenantryEnvironment``: tests run many
/// applications in one process, and each reads its own `/metrics`.
public final class TenantryMetrics: Sendable {
    /// How a sign-in was attempted.
    public enum SignInMethod: String, Sendable, CaseIterable {
        /// Email and password.
        case password
        /// The second step (a TOTP or recovery code) after a password.
        case mfa
        /// A tenant's single sign-on connection (OpenID Connect or SAML).
        case sso
        /// A platform social sign-in connection.
        case social
    }

    /// What came of a sign-in attempt.
    public enum SignInOutcome: String, Sendable, CaseIterable {
        /// Signed in: tokens were issued.
        case success
        /// The password was right; a second factor is needed next.
        case mfaRequired = "mfa_required"
        /// Refused: wrong credentials, an invalid code, a failed single sign-on.
        case failure
        /// Refused before checking: too many attempts.
        case throttled
    }

    /// Which rate limit refused a request.
    public enum RateLimitPolicy: String, Sendable, CaseIterable {
        /// The tenant's requests per minute.
        case tenant
        /// The API key's requests per minute.
        case apiKey = "api_key"
        /// The client IP's requests per minute on the unauthenticated routes.
        case ip
    }

    /// What came of one webhook delivery attempt.
    public enum WebhookDeliveryOutcome: String, Sendable, CaseIterable {
        /// Delivered (a 2xx answer).
        case delivered
        /// Failed; the message is tried again later.
        case retry
        /// Failed for the last time; the message is dead-lettered.
        case exhausted
        /// The endpoint answered 410 Gone (or failed for too long) and is disabled.
        case gone
        /// Another worker took the message over before this attempt was recorded.
        case claimLost = "claim_lost"
    }

    /// Which in-memory cache a lookup went to.
    public enum Cache: String, Sendable, CaseIterable {
        /// Members' grants and API keys.
        case access
        /// Tenants' status, plan and entitlements.
        case entitlements
        /// Users with their memberships.
        case userDirectory = "user_directory"
        /// Session states.
        case sessions
    }

    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry

    /// Requests being handled now.
    public let requestsInFlight: Gauge
    /// Database connections (PostgreSQL) or transactions (SQLite) held by this process now.
    public let databaseConnectionsInUse: Gauge
    /// Callers waiting for a database connection now.
    public let databaseWaiters: Gauge
    /// How long callers waited for a database connection.
    public let databaseAcquireDuration: DurationHistogram
    /// Requests refused because the tenant's monthly API-call allowance was used up.
    public let quotaRefusals: Counter

    private let rateLimitRefusals: [Counter]
    private let signIns: [[Counter]]
    private let webhookDeliveries: [Counter]
    private let cacheHits: [Counter]
    private let cacheMisses: [Counter]
    private let collectors = Mutex<[@Sendable () -> Void]>([])
    private let jobSeries = Mutex<[String: (queued: Gauge, oldestAge: Gauge)]>([:])

    /// Buckets of the request duration histogram, in seconds: 5 ms to 10 s.
    public static let requestDurationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// Buckets of the connection wait histogram: 100 µs to 5 s.
    public static let acquireDurationBuckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
        .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    /// Creates the metrics in a new registry.
    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        requestsInFlight = registry.makeGauge(
            descriptor: Self.name("tenantry_http_requests_in_flight", "HTTP requests being handled now."))
        databaseConnectionsInUse = registry.makeGauge(
            descriptor: Self.name(
                "tenantry_db_pool_connections_in_use",
                "Database connections (PostgreSQL) or transactions (SQLite) this process holds now."))
        databaseWaiters = registry.makeGauge(
            descriptor: Self.name("tenantry_db_pool_waiters", "Callers waiting for a database connection now."))
        databaseAcquireDuration = registry.makeDurationHistogram(
            descriptor: Self.name(
                "tenantry_db_pool_acquire_duration_seconds", "Time from asking for a database connection to holding it."),
            buckets: Self.acquireDurationBuckets)
        quotaRefusals = registry.makeCounter(
            descriptor: Self.name(
                "tenantry_quota_refusals_total", "Requests refused because the tenant's monthly API-call allowance is used up."
            ))
        let refusals = Self.name(
            "tenantry_rate_limit_refusals_total", "Requests refused by a rate limit, by the refusing policy.")
        rateLimitRefusals = RateLimitPolicy.allCases.map {
            registry.makeCounter(descriptor: refusals, labels: [("policy", $0.rawValue)])
        }
        let signIn = Self.name("tenantry_sign_ins_total", "Sign-in attempts by method and outcome.")
        signIns = SignInMethod.allCases.map { method in
            SignInOutcome.allCases.map { outcome in
                registry.makeCounter(descriptor: signIn, labels: [("method", method.rawValue), ("outcome", outcome.rawValue)])
            }
        }
        let deliveries = Self.name("tenantry_webhook_deliveries_total", "Webhook delivery attempts by outcome.")
        webhookDeliveries = WebhookDeliveryOutcome.allCases.map {
            registry.makeCounter(descriptor: deliveries, labels: [("outcome", $0.rawValue)])
        }
        let cache = Self.name("tenantry_cache_requests_total", "In-memory cache lookups by cache and result (hit or miss).")
        cacheHits = Cache.allCases.map {
            registry.makeCounter(descriptor: cache, labels: [("cache", $0.rawValue), ("result", "hit")])
        }
        cacheMisses = Cache.allCases.map {
            registry.makeCounter(descriptor: cache, labels: [("cache", $0.rawValue), ("result", "miss")])
        }
    }

    /// A metric's name and HELP text (the name is used whole: no namespace or unit is added).
    public static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// Counts a request refused by a rate limit.
    public func rateLimitRefused(_ policy: RateLimitPolicy) {
        rateLimitRefusals[Self.index(of: policy)].increment()
    }

    /// Counts a sign-in attempt.
    public func signIn(_ method: SignInMethod, _ outcome: SignInOutcome) {
        signIns[Self.index(of: method)][Self.index(of: outcome)].increment()
    }

    /// Counts a webhook delivery attempt.
    public func webhookDelivery(_ outcome: WebhookDeliveryOutcome) {
        webhookDeliveries[Self.index(of: outcome)].increment()
    }

    /// Adds lookups of a cache (collectors call this with what happened since the last scrape).
    public func cacheLookups(_ cache: Cache, hits: UInt64, misses: UInt64) {
        let index = Self.index(of: cache)
        if hits > 0 { cacheHits[index].increment(by: Int64(clamping: hits)) }
        if misses > 0 { cacheMisses[index].increment(by: Int64(clamping: misses)) }
    }

    /// Counts a cache's lookups from its ``CacheStatistics``, read at each scrape: the lookups
    /// since the previous scrape are added, so the request path pays nothing for the metric.
    public func follow(_ cache: Cache, statistics: @escaping @Sendable () -> CacheStatistics) {
        let seen = LastReading()
        addCollector { [weak self] in
            let (hits, misses) = seen.advance(to: statistics())
            self?.cacheLookups(cache, hits: hits, misses: misses)
        }
    }

    /// Sets the job queue gauges from one reading of the queue; kinds seen before and absent
    /// now go back to 0.
    public func jobBacklog(_ backlog: [(kind: String, queued: Int, oldestAgeSeconds: Double)]) {
        let registry = registry
        jobSeries.withLock { series in
            for kind in series.keys where !backlog.contains(where: { $0.kind == kind }) {
                series[kind]?.queued.set(to: 0)
                series[kind]?.oldestAge.set(to: 0)
            }
            for entry in backlog {
                let gauges =
                    series[entry.kind]
                    ?? (
                        queued: registry.makeGauge(
                            descriptor: Self.name("tenantry_jobs_queued", "Jobs due to run and not yet taken, by kind."),
                            labels: [("kind", entry.kind)]),
                        oldestAge: registry.makeGauge(
                            descriptor: Self.name(
                                "tenantry_jobs_oldest_age_seconds", "Seconds the oldest due job has waited, by kind."),
                            labels: [("kind", entry.kind)])
                    )
                series[entry.kind] = gauges
                gauges.queued.set(to: Double(entry.queued))
                gauges.oldestAge.set(to: entry.oldestAgeSeconds)
            }
        }
    }

    /// Adds work run just before each scrape, to bring values read from elsewhere up to date.
    public func addCollector(_ collector: @escaping @Sendable () -> Void) {
        collectors.withLock { $0.append(collector) }
    }

    /// The Prometheus text exposition (format 0.0.4) of every series, after running the collectors.
    public func exposition() -> [UInt8] {
        for collector in collectors.withLock({ $0 }) { collector() }
        return registry.emitToBuffer()
    }

    private static func index<Value: CaseIterable & Equatable>(of value: Value) -> Int {
        Value.allCases.distance(
            from: Value.allCases.startIndex, to: Value.allCases.firstIndex(of: value) ?? Value.allCases.startIndex)
    }
}

/// A cache's counts at the previous scrape.
private final class LastReading: Sendable {
    private let counts = Mutex((hits: UInt64(0), misses: UInt64(0)))

    /// The lookups since the previous reading; `now` becomes the previous reading.
    func advance(to now: CacheStatistics) -> (hits: UInt64, misses: UInt64) {
        counts.withLock { seen in
            defer { seen = (now.hits, now.misses) }
            return (now.hits &- seen.hits, now.misses &- seen.misses)
        }
    }
}
