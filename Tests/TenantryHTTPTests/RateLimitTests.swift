import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryTestSupport
import Testing

@Suite("Rate limits")
struct RateLimitTests {
    static let policyField = HTTPField.Name("RateLimit-Policy")!
    static let stateField = HTTPField.Name("RateLimit")!

    /// A limiter whose clock stands still, so a test's requests all fall in one instant.
    static func frozenLimiter() -> GCRARateLimiter { ManualClock().limiter() }

    @Test(
        "a tenant over its requests per minute gets 429 rate_limited with Retry-After and the headers",
        arguments: TestDatabase.all)
    func tenantLimit(engine: TestDatabase) async throws {
        try await withTestApplication(
            engine, allowances: FixedAllowances(Allowances(requestsPerMinute: 3, apiCallsPerMonth: nil)),
            limiter: Self.frozenLimiter()
        ) { client, _ in
            let owner = try await client.register()
            var remaining: [String] = []
            for _ in 0..<3 {
                let allowed = try await client.json(.get, "/api/v1/members", token: owner.accessToken)
                #expect(allowed.status == .ok)
                #expect(allowed.headers[Self.policyField] == #""tenant";q=3;w=60"#)
                remaining.append(allowed.headers[Self.stateField] ?? "")
            }
            #expect(remaining == [#""tenant";r=2;t=20"#, #""tenant";r=1;t=40"#, #""tenant";r=0;t=60"#])
            let refused = try await client.json(.get, "/api/v1/members", token: owner.accessToken)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.body["code"] as? String == "rate_limited")
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(refused.headers[.retryAfter] == "20")
            #expect(refused.headers[Self.policyField] == #""tenant";q=3;w=60"#)
            #expect(refused.headers[Self.stateField] == #""tenant";r=0;t=20"#)
            // An error of the handler itself also carries the headers once the limit applied.
            let another = try await client.register()
            let notFound = try await client.json(.get, "/api/v1/teams/\(UUID())", token: another.accessToken)
            #expect(notFound.status == .notFound)
            #expect(notFound.headers[Self.policyField] == #""tenant";q=3;w=60"#)
        }
    }

    @Test(
        "the server takes each tenant's rate limit and monthly allowance from its plan and overrides, changed at once",
        arguments: TestDatabase.all)
    func planAllowances(engine: TestDatabase) async throws {
        try await withTestApplication(engine, limiter: Self.frozenLimiter()) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            // The free plan: 600 requests a minute.
            let onFree = try await client.json(.get, "/api/v1/members", token: owner.accessToken)
            #expect(onFree.headers[Self.policyField] == #""tenant";q=600;w=60"#)
            try await PlansTests.override(
                client, admin, tenant: owner.tenantID, ["limits": ["requests_per_minute": 2, "api_calls_per_month": 1000]])
            let usage = try await client.json(.get, "/api/v1/tenant/usage", token: owner.accessToken)
            #expect(usage.status == .ok)
            #expect(usage.headers[Self.policyField] == #""tenant";q=2;w=60"#)
            #expect((usage.body["allowances"] as? [String: Any])?["api_calls_per_month"] as? Int == 1000, "\(usage.raw)")
            // The clock stands still: within the next two requests the new quota of 2 is used up.
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<2 {
                statuses.append(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status)
            }
            #expect(statuses.last == .tooManyRequests, "\(statuses)")
        }
    }

    @Test("an API key's own limit applies on top of its tenant's, and can be set, shown and removed", arguments: TestDatabase.all)
    func keyLimit(engine: TestDatabase) async throws {
        try await withTestApplication(engine, limiter: Self.frozenLimiter()) { client, _ in
            let owner = try await client.register()
            let key = try await client.createKey(
                token: owner.accessToken, scopes: ["members:read"], extra: ["rate_limit_per_minute": 2])
            let shown = try await client.json(.get, "/api/v1/api-keys/\(key.id)", token: owner.accessToken)
            #expect(shown.body["rate_limit_per_minute"] as? Int == 2)
            for _ in 0..<2 {
                let allowed = try await client.json(.get, "/api/v1/members", headers: [APIKeyTests.xAPIKey: key.secret])
                #expect(allowed.status == .ok)
                #expect(allowed.headers[Self.policyField] == #""tenant";q=600;w=60, "api_key";q=2;w=60"#)
            }
            let refused = try await client.json(.get, "/api/v1/members", headers: [APIKeyTests.xAPIKey: key.secret])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "30")
            #expect(refused.headers[Self.stateField]?.hasSuffix(#""api_key";r=0;t=30"#) == true)
            // The tenant's own members are not held back by the key's limit, and the requests
            // it refused took nothing from the tenant's allowance.
            func tenantRemaining() async throws -> Int? {
                let member = try await client.json(.get, "/api/v1/members", token: owner.accessToken)
                #expect(member.status == .ok)
                let state = member.headers[Self.stateField] ?? ""
                return state.split(separator: ";").first(where: { $0.hasPrefix("r=") }).flatMap { Int($0.dropFirst(2)) }
            }
            let before = try #require(try await tenantRemaining())
            for _ in 0..<5 {
                let again = try await client.json(.get, "/api/v1/members", headers: [APIKeyTests.xAPIKey: key.secret])
                #expect(again.status == .tooManyRequests)
            }
            #expect(try await tenantRemaining() == before - 1)

            let invalid = try await client.json(
                .patch, "/api/v1/api-keys/\(key.id)", ["rate_limit_per_minute": 0], token: owner.accessToken)
            #expect(invalid.status == .unprocessableContent)
            let removed = try await client.json(
                .patch, "/api/v1/api-keys/\(key.id)", ["rate_limit_per_minute": NSNull()], token: owner.accessToken)
            #expect(removed.status == .ok)
            #expect(removed.body["rate_limit_per_minute"] == nil)
            let unlimited = try await client.json(.get, "/api/v1/members", headers: [APIKeyTests.xAPIKey: key.secret])
            #expect(unlimited.status == .ok)
            #expect(unlimited.headers[Self.policyField] == #""tenant";q=600;w=60"#)
        }
    }

    @Test("sign-in is limited per client IP, with the headers on every answer", arguments: TestDatabase.all)
    func signInPerIP(engine: TestDatabase) async throws {
        try await withTestApplication(
            engine, configure: { $0.clientIPRequestsPerMinute = 3 }, limiter: Self.frozenLimiter()
        ) { client, _ in
            let owner = try await client.register()
            // Registering took one request of the three.
            let first = try await client.json(.post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password])
            #expect(first.status == .ok)
            #expect(first.headers[Self.policyField] == #""ip";q=3;w=60"#)
            #expect(first.headers[Self.stateField] == #""ip";r=1;t=40"#)
            let wrong = try await client.json(.post, "/api/v1/auth/login", ["email": owner.email, "password": "wrong password"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[Self.stateField] == #""ip";r=0;t=60"#)
            let refused = try await client.json(.post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.body["code"] as? String == "rate_limited")
            #expect(refused.headers[.retryAfter] == "20")
            #expect(try await client.json(.post, "/api/v1/auth/refresh", ["refresh_token": "x"]).status == .tooManyRequests)
            // Tenant routes are not limited per IP.
            #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .ok)
        }
    }

    @Test("with rate limits off no request is limited and no header is sent", arguments: TestDatabase.all)
    func off(engine: TestDatabase) async throws {
        try await withTestApplication(
            engine,
            configure: {
                $0.rateLimitsEnabled = false; $0.clientIPRequestsPerMinute = 1
            },
            allowances: FixedAllowances(Allowances(requestsPerMinute: 1, apiCallsPerMonth: nil)),
            limiter: Self.frozenLimiter()
        ) { client, _ in
            let owner = try await client.register()
            for _ in 0..<3 {
                let response = try await client.json(.get, "/api/v1/members", token: owner.accessToken)
                #expect(response.status == .ok)
                #expect(response.headers[Self.policyField] == nil && response.headers[Self.stateField] == nil)
            }
            _ = try await client.login(email: owner.email, password: owner.password)
            #expect(try await client.login(email: owner.email, password: owner.password).accessToken != nil)
        }
    }
}

@Suite("Rate limits in the OpenAPI document")
struct RateLimitDocumentTests {
    @Test("every tenant and public operation documents its 429 and the RateLimit fields of its successful answers")
    func documented() throws {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        let paths = try #require((object as? [String: Any])?["paths"] as? [String: [String: Any]])
        func operation(_ path: String, _ method: String) throws -> [String: Any] {
            try #require(paths[path]?[method] as? [String: Any], "\(method) \(path)")
        }
        func tooMany(_ operation: [String: Any]) -> String? {
            ((operation["responses"] as? [String: Any])?["429"] as? [String: Any])?["$ref"] as? String
        }
        let members = try operation("/api/v1/members", "get")
        #expect(tooMany(members) == "#/components/responses/TenantRateLimited")
        let ok = (members["responses"] as? [String: Any])?["200"] as? [String: Any]
        let headers = Set(((ok?["headers"] as? [String: Any]) ?? [:]).keys)
        #expect(headers.isSuperset(of: ["RateLimit-Policy", "RateLimit"]))
        #expect(tooMany(try operation("/api/v1/tenant/usage", "get")) == "#/components/responses/TenantRateLimited")
        #expect(tooMany(try operation("/api/v1/auth/login", "post")) == "#/components/responses/RateLimited")
        #expect(tooMany(try operation("/api/v1/invitations/accept", "post")) == "#/components/responses/RateLimited")
        // Signed-in routes outside a tenant are not rate limited.
        #expect(tooMany(try operation("/api/v1/me", "get")) == nil)
    }
}
