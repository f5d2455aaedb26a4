import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ServiceLifecycle
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import TenantryWorkers
import Testing

@Suite("Usage metering")
struct UsageTests {
    static func today(_ report: [String: Any]) throws -> [String: Any] {
        let days = try #require(report["days"] as? [[String: Any]])
        return try #require(days.last)
    }

    @Test(
        "requests, sign-ins, active users and delivered emails reach /tenant/usage when the meter flushes",
        arguments: TestDatabase.all)
    func countedAndFlushed(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            // The verification email is sent for the new tenant.
            let worker = JobWorker(
                database: SQLDataStore(context.database.database),
                handler: EmailDeliveryJob(transport: RecordingTransport(), usage: context.traffic.meter),
                logger: TestLogging.logger)
            #expect(try await worker.runOnce())
            let signedIn = try #require(try await client.login(email: owner.email, password: owner.password).accessToken)
            #expect(try await client.json(.get, "/api/v1/members", token: signedIn).status == .ok)
            #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .ok)
            let key = try await client.createKey(token: owner.accessToken, scopes: ["members:read"])
            #expect(try await client.json(.get, "/api/v1/members", headers: [APIKeyTests.xAPIKey: key.secret]).status == .ok)

            // Nothing is written per request: before the flush the stored day is empty.
            let before = try await client.json(.get, "/api/v1/tenant/usage", token: owner.accessToken)
            #expect(before.status == .ok)
            #expect(try Self.today(before.body)["api_requests"] as? Int == 0)
            #expect(context.traffic.meter.hasUnflushedCounts)

            try await context.traffic.meter.flush()
            #expect(!context.traffic.meter.hasUnflushedCounts)
            let after = try await client.json(.get, "/api/v1/tenant/usage", token: owner.accessToken)
            #expect(after.status == .ok)
            let today = try Self.today(after.body)
            #expect(today["day"] as? String == UsageDay(Date()).description)
            // Two member lists, the key's creation, the key's list and the first usage read.
            #expect(today["api_requests"] as? Int == 5)
            #expect(today["sign_ins"] as? Int == 1)
            #expect(today["emails_sent"] as? Int == 1)
            #expect(today["active_users"] as? Int == 1)
            #expect((after.body["days"] as? [Any])?.count == 30)
            let totals = try #require(after.body["totals"] as? [String: Any])
            #expect(totals["api_requests"] as? Int == 5 && totals["active_users"] as? Int == 1)
            let allowances = try #require(after.body["allowances"] as? [String: Any])
            // The free plan's allowances.
            #expect(allowances["requests_per_minute"] as? Int == 600)
            #expect(allowances["api_calls_per_month"] as? Int == 100_000)
            #expect(allowances["api_calls_this_month"] as? Int == 5)
        }
    }

    @Test("DAU, WAU and MAU count distinct users over 1, 7 and 30 days ending at `to`", arguments: TestDatabase.all)
    func activeUsers(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let tenantID = try #require(TenantID(owner.tenantID))
            let to = UsageDay("2026-03-31")!
            let (a, b, c, d) = (UserID.generate(), UserID.generate(), UserID.generate(), UserID.generate())
            try await context.database.database.withTenant(tenantID) { scope in
                try await scope.usage.markActive([a, b], on: to)
                try await scope.usage.markActive([a, c], on: to.adding(days: -3))
                try await scope.usage.markActive([d], on: to.adding(days: -20))
                try await scope.usage.markActive([d], on: to.adding(days: -20))
                try await scope.usage.markActive([UserID.generate()], on: to.adding(days: -45))
                try await scope.usage.add(UsageCounts(apiRequests: 7), on: to.adding(days: -3))
            }
            let report = try await client.json(
                .get, "/api/v1/tenant/usage?from=2026-03-01&to=2026-03-31", token: owner.accessToken)
            #expect(report.status == .ok)
            let active = try #require(report.body["active_users"] as? [String: Any])
            #expect(active["dau"] as? Int == 2)
            #expect(active["wau"] as? Int == 3)
            #expect(active["mau"] as? Int == 4)
            let days = try #require(report.body["days"] as? [[String: Any]])
            #expect(days.count == 31)
            #expect(days.first?["day"] as? String == "2026-03-01")
            #expect(days[27]["api_requests"] as? Int == 7 && days[27]["active_users"] as? Int == 2)
            #expect((report.body["totals"] as? [String: Any])?["active_users"] as? Int == 4)
        }
    }

    @Test("the range is validated: dates, order and at most 366 days", arguments: TestDatabase.all)
    func rangeValidation(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            for (query, field) in [
                ("from=2026-02-30", "from"), ("to=yesterday", "to"), ("from=2026-03-02&to=2026-03-01", "from"),
                ("from=2025-01-01&to=2026-03-01", "to"),
            ] {
                let response = try await client.json(.get, "/api/v1/tenant/usage?\(query)", token: owner.accessToken)
                #expect(response.status == .unprocessableContent, "\(query)")
                let errors = response.body["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == field, "\(query)")
            }
            let single = try await client.json(
                .get, "/api/v1/tenant/usage?from=2024-02-29&to=2024-02-29", token: owner.accessToken)
            #expect(single.status == .ok && (single.body["days"] as? [Any])?.count == 1)
            // A `from` in the future without `to` is that one day, not a reversed range.
            let future = try await client.json(.get, "/api/v1/tenant/usage?from=2999-01-01", token: owner.accessToken)
            #expect(future.status == .ok)
            #expect(future.body["from"] as? String == "2999-01-01" && future.body["to"] as? String == "2999-01-01")
        }
    }

    @Test(
        "over the monthly API-call allowance a tenant gets 429 quota_exceeded naming the allowance and its reset",
        arguments: TestDatabase.all)
    func monthlyAllowance(engine: TestDatabase) async throws {
        try await withTestApplication(
            engine, allowances: FixedAllowances(Allowances(requestsPerMinute: nil, apiCallsPerMonth: 3))
        ) { client, context in
            let owner = try await client.register()
            for _ in 0..<3 {
                #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .ok)
            }
            let refused = try await client.json(.get, "/api/v1/members", token: owner.accessToken)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.body["code"] as? String == "quota_exceeded")
            let allowance = try #require(refused.body["allowance"] as? [String: Any])
            #expect(allowance["name"] as? String == "api_calls_per_month")
            #expect(allowance["limit"] as? Int == 3 && allowance["used"] as? Int == 3)
            let reset = FastFormatting.timestamp(UsageDay(Date()).firstOfNextMonth.start)
            #expect(allowance["resets_at"] as? String == reset)
            #expect((refused.body["detail"] as? String)?.contains(reset) == true)
            let retryAfter = try #require(refused.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter >= 1 && retryAfter <= 31 * 86_400)

            // Refused calls are not counted; after a flush the stored total still holds the line,
            // and another node reading it refuses too.
            try await context.traffic.meter.flush()
            #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .tooManyRequests)
            let otherNode = UsageMeter(database: SQLDataStore(context.database.database))
            let tenantID = try #require(TenantID(owner.tenantID))
            #expect(try await otherNode.recordRequest(in: tenantID, by: nil, monthlyAllowance: 3)?.used == 3)
            #expect(try await otherNode.recordRequest(in: tenantID, by: nil, monthlyAllowance: 4) == nil)
            try await otherNode.flush()
            let stored = try await context.database.database.withTenant(tenantID) { scope in
                try await scope.usage.apiRequests(from: UsageDay(Date()).firstOfMonth, to: UsageDay(Date()))
            }
            #expect(stored == 4)
        }
    }

    @Test("counts still in memory are written when the service group shuts down gracefully", arguments: TestDatabase.all)
    func flushedOnShutdown(engine: TestDatabase) async throws {
        try await withTestApplication(engine, configure: { $0.usageFlushInterval = 300 }) { client, context in
            let owner = try await client.register()
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [.init(service: context.traffic.flushing(logger: TestLogging.logger))],
                    logger: TestLogging.logger))
            let running = Task { try await group.run() }
            for _ in 0..<4 {
                #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .ok)
            }
            #expect(context.traffic.meter.hasUnflushedCounts)
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(!context.traffic.meter.hasUnflushedCounts)
            let tenantID = try #require(TenantID(owner.tenantID))
            let days = try await context.database.database.withTenant(tenantID) { scope in
                try await scope.usage.daily(from: UsageDay(Date()), to: UsageDay(Date()))
            }
            #expect(days.first?.counts.apiRequests == 4)
            #expect(days.first?.activeUsers == 1)
        }
    }
}
