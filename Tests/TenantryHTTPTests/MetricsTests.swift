import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

/// `GET /metrics`: what it counts, how it is exposed, and that Prometheus's own linter accepts a
/// real scrape.
@Suite("Metrics")
struct MetricsTests {
    static let token = "metrics-token-" + String(repeating: "0123456789", count: 3)

    /// The samples of a text exposition by series (`name{labels}` exactly as written).
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    static func scrape(_ client: some TestClientProtocol) async throws -> (text: String, samples: [String: Double]) {
        let text = try await client.execute(
            uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)"]
        ) { response in
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == MetricsEndpoint.contentType)
            return String(buffer: response.body)
        }
        return (text, samples(text))
    }

    static func requests(_ route: String, _ method: String, _ statusClass: String) -> String {
        #"tenantry_http_requests_total{route="\#(route)",method="\#(method)",status_class="\#(statusClass)"}"#
    }

    @Test(
        "after traffic, a scrape passes promtool check metrics without a warning and counts each request under its route template, refusals, sign-ins, caches, the pool and the job queue",
        arguments: TestDatabase.all)
    func scrapeAfterTraffic(engine: TestDatabase) async throws {
        try await withTestApplication(
            engine, configure: { $0.metricsToken = Self.token },
            allowances: FixedAllowances(Allowances(requestsPerMinute: 3, apiCallsPerMonth: nil)),
            limiter: ManualClock().limiter()
        ) { client, context in
            let owner = try await client.register()
            let before = try await Self.scrape(client).samples
            for _ in 0..<3 {
                #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .ok)
            }
            #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .tooManyRequests)
            let other = try await client.register()
            let missing = try await client.json(.get, "/api/v1/members/\(UUID())", token: other.accessToken)
            #expect(missing.status == .notFound)
            #expect(try await client.json(.get, "/no/such/\(UUID())").status == .notFound)
            let wrong = try await client.login(email: owner.email, password: "not the password at all")
            #expect(wrong.status == .unauthorized)
            // A job waiting for a minute (besides the sign-ups' emails, due now).
            let database = context.database.database
            try await database.withGlobal { scope in
                _ = try await scope.jobs.enqueue(
                    queue: "email", payload: "{}", maxAttempts: 3, runAt: Date().addingTimeInterval(-60))
            }
            try await JobBacklogMetrics(database: database, metrics: context.identity.metrics).refresh()

            let (text, after) = try await Self.scrape(client)
            func delta(_ series: String) -> Double { (after[series] ?? 0) - (before[series] ?? 0) }
            #expect(delta(Self.requests("/api/v1/members", "GET", "2xx")) == 3, "\(text)")
            #expect(delta(Self.requests("/api/v1/members", "GET", "4xx")) == 1)
            #expect(delta(Self.requests("/api/v1/members/{user_id}", "GET", "4xx")) == 1)
            #expect(delta(Self.requests("unmatched", "GET", "4xx")) == 1)
            #expect(delta(Self.requests("/api/v1/auth/register", "POST", "2xx")) == 1)
            #expect(delta(#"tenantry_rate_limit_refusals_total{policy="tenant"}"#) == 1)
            #expect(after[#"tenantry_rate_limit_refusals_total{policy="ip"}"#] == 0)
            #expect(after[#"tenantry_quota_refusals_total"#] == 0)
            #expect(delta(#"tenantry_sign_ins_total{method="password",outcome="failure"}"#) == 1)
            #expect(after[#"tenantry_sign_ins_total{method="sso",outcome="success"}"#] == 0)
            #expect(after[#"tenantry_webhook_deliveries_total{outcome="delivered"}"#] == 0)
            // The scrape itself is in flight.
            #expect(after["tenantry_http_requests_in_flight"] == 1)
            #expect(
                delta(
                    #"tenantry_http_request_duration_seconds_count{route="/api/v1/members",method="GET",status_class="2xx"}"#)
                    == 3)
            let accessLookups =
                delta(#"tenantry_cache_requests_total{cache="access",result="hit"}"#)
                + delta(#"tenantry_cache_requests_total{cache="access",result="miss"}"#)
            #expect(accessLookups >= 4)
            #expect(delta("tenantry_db_pool_acquire_duration_seconds_count") > 0)
            #expect(after["tenantry_db_pool_connections_in_use"] == 0)
            #expect(after["tenantry_db_pool_waiters"] == 0)
            #expect((after[#"tenantry_jobs_queued{kind="email"}"#] ?? 0) >= 1)
            let age = try #require(after[#"tenantry_jobs_oldest_age_seconds{kind="email"}"#])
            #expect(age >= 59 && age < 600)
            // Bounded labels only: no tenant, user or raw path in any series.
            for identifier in [owner.tenantID, owner.userID, other.tenantID, "/no/such"] {
                #expect(!text.contains(identifier), "\(identifier) appears in the metrics")
            }

            let promtool = try await CommandRunner.run(["promtool", "check", "metrics"], input: Data(text.utf8))
            #expect(promtool.status == 0, "\(promtool.errors)")
            #expect(String(decoding: promtool.output, as: UTF8.self).isEmpty)
            #expect(promtool.errors.isEmpty, "promtool: \(promtool.errors)")
        }
    }

    @Test("on the main listener /metrics needs the token as a bearer token, and answers 404 when no token is configured")
    func mainListenerExposure() async throws {
        try await withTestApplication(.sqlite, configure: { $0.metricsToken = Self.token }) { client, _ in
            let none = try await client.json(.get, "/metrics")
            #expect(none.status == .unauthorized)
            #expect(none.body["code"] as? String == "unauthenticated")
            let wrong = try await client.json(.get, "/metrics", token: String(Self.token.dropLast()) + "x")
            #expect(wrong.status == .unauthorized)
            #expect(try await Self.scrape(client).text.contains("# TYPE tenantry_http_requests_total counter"))
        }
        try await withTestApplication(.sqlite) { client, _ in
            let hidden = try await client.json(.get, "/metrics", token: Self.token)
            #expect(hidden.status == .notFound)
            #expect(hidden.body["code"] as? String == "route_not_found")
        }
    }

    @Test("tenantry serve with TENANTRY_METRICS_ADDRESS serves /metrics there without a token, and not on the main listener")
    func separateListener() async throws {
        let directory = try ServerProcessTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServerProcess(
            arguments: ["serve", "--port", "0"],
            environment: ["TENANTRY_METRICS_ADDRESS": "127.0.0.1:0", "TENANTRY_LOG_FORMAT": "json"],
            directory: directory)
        defer { server.stop() }
        let port = try await server.waitForListeningPort()
        let metricsPort = try await server.waitForPort(announcedBy: "metrics listening on")
        #expect(try await LoopbackHTTP.request(port: port, path: "/health/live").status == 200)
        let scrape = try await LoopbackHTTP.request(port: metricsPort, path: "/metrics")
        #expect(scrape.status == 200)
        #expect(scrape.body.contains(#"tenantry_http_requests_total{route="/health/live",method="GET",status_class="2xx"} 1"#))
        #expect(try await LoopbackHTTP.request(port: port, path: "/metrics").status == 404)
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(30)) == 0)
    }
}
