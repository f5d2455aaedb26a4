public import Foundation
public import TenantryCore

extension PlatformService {
    /// What the operators' overview shows of the platform's health.
    public struct Health: Sendable {
        /// How many tenants there are in each status on each plan.
        public var tenants: [(status: Tenant.Status, plan: String, count: Int)]
        /// Tenants made on each of the last days, oldest day first (days without any included).
        public var newTenants: [(day: UsageDay, count: Int)]
        /// Webhook endpoints that fail, longest-failing first.
        public var failingEndpoints: [FailingWebhookEndpoint]
        /// The job queues with work waiting, running or given up in the last day.
        public var queues: [JobQueueHealth]
    }

    /// The platform's health at `now`: the new tenants of the last `days` days (today
    /// included), up to `endpoints` failing webhook endpoints, and the job queues.
    public func health(now: Date = Date(), days: Int = 30, endpoints: Int = 10) async throws -> Health {
        let today = UsageDay(now)
        let first = today.adding(days: -(days - 1))
        return try await database.withPlatform { scope in
            var perDay: [UsageDay: Int] = [:]
            for created in try await scope.health.tenantsCreated(since: first.start, limit: 100_000) {
                perDay[UsageDay(created), default: 0] += 1
            }
            return Health(
                tenants: try await scope.health.tenantCounts(),
                newTenants: (0..<days).map { offset in
                    let day = first.adding(days: offset)
                    return (day, perDay[day] ?? 0)
                },
                failingEndpoints: try await scope.health.failingWebhookEndpoints(limit: endpoints),
                queues: try await scope.health.jobQueues(now: now, deadSince: now.addingTimeInterval(-86_400)))
        }
    }
}

extension PlatformService {
    /// A tenant's members, for its page in the operators' console (`404` for no such tenant).
    public func members(of id: TenantID, page: PageRequest) async throws -> Page<Member> {
        try await database.withPlatform { scope in
            guard try await scope.tenants.find(id: id) != nil else { throw Self.noSuchTenant }
            return try await scope.memberships(of: id).members(MemberFilter(), page: page)
        }
    }
}
