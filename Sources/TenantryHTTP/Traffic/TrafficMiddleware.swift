import Foundation
public import Hummingbird
public import TenantryApplication
import TenantryCore

/// Applies the tenant's and the API key's rate limits and the monthly API-call allowance to
/// every tenant request, and counts it for usage. Runs after ``TenantAuthenticationMiddleware``,
/// so the tenant and principal are known. Costs one lock per limit and one for the meter; no
/// database access once a tenant with a monthly allowance has been seen.
public struct TenantTrafficMiddleware: RouterMiddleware {
    public typealias Context = TenantRequestContext
    let traffic: TrafficControl
    let metrics: TenantryMetrics

    /// Creates the middleware; refusals are counted in `metrics`.
    public init(traffic: TrafficControl, metrics: TenantryMetrics) {
        self.traffic = traffic
        self.metrics = metrics
    }

    public func handle(
        _ request: Request,
        context: TenantRequestContext,
        next: (Request, TenantRequestContext) async throws -> Response
    ) async throws -> Response {
        let access = context.access
        let allowances = try await traffic.allowances.allowances(for: access.tenantID)
        var headers = RateLimitHeaders()
        if traffic.rateLimitsEnabled {
            var checks: [RateLimitCheck] = []
            if let perMinute = allowances.requestsPerMinute {
                checks.append(RateLimitCheck(.tenant(access.tenantID), RateLimitPolicy(quota: perMinute)))
            }
            if case .apiKey(let keyID, _) = access.principal, let perMinute = access.keyRequestsPerMinute {
                checks.append(RateLimitCheck(.apiKey(keyID), RateLimitPolicy(quota: perMinute)))
            }
            await headers.acquire(checks, from: traffic.limiter, metrics: metrics)
        }
        return try await headers.enforce(annotations: context.base.annotations) {
            if let exhausted = try await traffic.meter.recordRequest(
                in: access.tenantID, by: access.userID, monthlyAllowance: allowances.apiCallsPerMonth)
            {
                metrics.quotaRefusals.increment()
                throw QuotaRefusal.error(exhausted)
            }
            return try await next(request, context)
        }
    }
}

/// Limits each client IP on the unauthenticated routes (sign-up, sign-in, refresh, password
/// recovery, email verification, invitations), where no tenant or key is known yet.
public struct ClientRateLimitMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let traffic: TrafficControl
    let metrics: TenantryMetrics

    /// Creates the middleware; refusals are counted in `metrics`.
    public init(traffic: TrafficControl, metrics: TenantryMetrics) {
        self.traffic = traffic
        self.metrics = metrics
    }

    public func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard traffic.rateLimitsEnabled else { return try await next(request, context) }
        var headers = RateLimitHeaders()
        await headers.acquire(
            [RateLimitCheck(.clientIP(context.clientIP ?? "unknown"), traffic.clientIPPolicy)], from: traffic.limiter,
            metrics: metrics)
        return try await headers.enforce(annotations: context.annotations) { try await next(request, context) }
    }
}

extension RateLimitHeaders {
    /// Decides the request under all of its limits at once and records each decision; each
    /// refusing policy is counted in `metrics`.
    mutating func acquire(_ checks: [RateLimitCheck], from limiter: any RateLimiter, metrics: TenantryMetrics) async {
        guard !checks.isEmpty else { return }
        for (check, decision) in zip(checks, await limiter.acquire(checks)) {
            add(check.key.policyName, check.policy, decision)
            if !decision.allowed { metrics.rateLimitRefused(check.key.metricsPolicy) }
        }
    }

    /// Answers 429 `rate_limited` when a policy refused; otherwise runs `body` and puts the
    /// fields on its response. When `body` fails, the fields are left in `annotations` for the
    /// error response.
    func enforce(annotations: RequestAnnotations, _ body: () async throws -> Response) async throws -> Response {
        do {
            if let wait = refusedFor { throw RateLimited.error(wait) }
            var response = try await body()
            apply(to: &response.headers)
            return response
        } catch {
            if !isEmpty { annotations.rateLimitHeaders = self }
            throw error
        }
    }
}

extension RateLimitKey {
    /// The policy label of a refusal by this key.
    var metricsPolicy: TenantryMetrics.RateLimitPolicy {
        switch self {
        case .tenant: .tenant
        case .apiKey: .apiKey
        case .clientIP: .ip
        }
    }
}

enum RateLimited {
    static func error(_ wait: Int) -> TenantryError {
        TenantryError(.rateLimited, "Too many requests; retry in \(wait) seconds.", detail: .retryAfter(seconds: wait))
    }
}

/// The `quota_exceeded` error for a used-up monthly allowance.
enum QuotaRefusal {
    static func error(_ exhausted: UsageMeter.MonthlyAllowanceExhausted) -> TenantryError {
        TenantryError(
            .quotaExceeded,
            "This tenant has used its \(exhausted.allowance) API calls for this month; they reset at \(FastFormatting.timestamp(exhausted.resetsAt)).",
            detail: .quotaExceeded(
                QuotaExceeded(
                    name: "api_calls_per_month", limit: exhausted.allowance, used: exhausted.used,
                    resetsAt: exhausted.resetsAt)))
    }
}
