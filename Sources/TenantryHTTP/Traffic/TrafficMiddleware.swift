public import Foundation
public import Hummingbird
public import TenantryCore
public import TenantryStorage

/// Applies the tenant's and the API key's rate limits and the monthly API-call allowance to
/// every tenant request, and counts it for usage. Runs after ``TenantAuthenticationMiddleware``,
/// so the tenant and principal are known. Costs one lock per limit and one for the meter; no
/// database access once a tenant with a monthly allowance has been seen.
public struct TenantTrafficMiddleware: RouterMiddleware {
    public typealias Context = TenantRequestContext
    let traffic: TrafficControl

    /// Creates the middleware.
    public init(traffic: TrafficControl) {
        self.traffic = traffic
    }

    public func handle(
        _ request: Request,
        context: TenantRequestContext,
        next: (Request, TenantRequestContext) async throws -> Response
    ) async throws -> Response {
        let access = context.access
        let allowances = traffic.allowances.allowances(for: access.tenantID)
        var headers = RateLimitHeaders()
        if traffic.rateLimitsEnabled {
            if let perMinute = allowances.requestsPerMinute {
                let key = RateLimitKey.tenant(access.tenantID)
                let policy = RateLimitPolicy(quota: perMinute)
                headers.add(key.policyName, policy, await traffic.limiter.acquire(key, policy: policy))
            }
            if case .apiKey(let keyID, _) = access.principal, let perMinute = access.keyRequestsPerMinute {
                let key = RateLimitKey.apiKey(keyID)
                let policy = RateLimitPolicy(quota: perMinute)
                headers.add(key.policyName, policy, await traffic.limiter.acquire(key, policy: policy))
            }
        }
        do {
            if let wait = headers.refusedFor { throw RateLimited.error(wait) }
            if let exhausted = try await traffic.meter.recordRequest(
                in: access.tenantID, by: access.userID, monthlyAllowance: allowances.apiCallsPerMonth)
            {
                throw QuotaExceeded.error(exhausted)
            }
            var response = try await next(request, context)
            headers.apply(to: &response.headers)
            return response
        } catch {
            if !headers.isEmpty { context.base.annotations.rateLimitHeaders = headers }
            throw error
        }
    }
}

/// Limits each client IP on the unauthenticated routes (sign-up, sign-in, refresh, password
/// recovery, email verification, invitations), where no tenant or key is known yet.
public struct ClientRateLimitMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let traffic: TrafficControl

    /// Creates the middleware.
    public init(traffic: TrafficControl) {
        self.traffic = traffic
    }

    public func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard traffic.rateLimitsEnabled else { return try await next(request, context) }
        let key = RateLimitKey.clientIP(context.clientIP ?? "unknown")
        var headers = RateLimitHeaders()
        headers.add(key.policyName, traffic.clientIPPolicy, await traffic.limiter.acquire(key, policy: traffic.clientIPPolicy))
        do {
            if let wait = headers.refusedFor { throw RateLimited.error(wait) }
            var response = try await next(request, context)
            headers.apply(to: &response.headers)
            return response
        } catch {
            context.annotations.rateLimitHeaders = headers
            throw error
        }
    }
}

enum RateLimited {
    static func error(_ wait: Int) -> TenantryError {
        TenantryError(.rateLimited, "Too many requests; retry in \(wait) seconds.", cause: RetryAfter(seconds: wait))
    }
}

/// Why a request was refused for the monthly allowance: carried as the cause of
/// `quota_exceeded`, and turned into `Retry-After` and the problem's `allowance` member.
public struct QuotaExceeded: Error, Sendable {
    /// The allowance that is used up, e.g. `api_calls_per_month`.
    public var name: String
    /// The allowance.
    public var limit: Int
    /// What was used.
    public var used: Int
    /// When the allowance starts again.
    public var resetsAt: Date

    static func error(_ exhausted: UsageMeter.MonthlyAllowanceExhausted) -> TenantryError {
        TenantryError(
            .quotaExceeded,
            "This tenant has used its \(exhausted.allowance) API calls for this month; they reset at \(FastFormatting.timestamp(exhausted.resetsAt)).",
            cause: QuotaExceeded(
                name: "api_calls_per_month", limit: exhausted.allowance, used: exhausted.used, resetsAt: exhausted.resetsAt))
    }
}

extension TenantryError.Code {
    /// The tenant's monthly API-call allowance is used up; the response carries `Retry-After`
    /// and an `allowance` member.
    public static let quotaExceeded = Self("quota_exceeded")
}
