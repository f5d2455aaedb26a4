import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryTestSupport
import Testing

/// What the API document promises and `scripts/fuzz-api` checks from the outside, pinned
/// here: each case is one the fuzzer found the server and the document disagreeing on.
@Suite("API contract: the server answers as openapi.json says")
struct ContractTests {
    /// Expects 422 `validation_failed` whose `errors[]` names `field`.
    private static func expectInvalid(
        _ response: (status: HTTPResponse.Status, headers: HTTPFields, body: [String: Any], raw: String),
        field: String,
        _ request: String
    ) {
        #expect(response.status == .unprocessableContent, "\(request): \(response.raw)")
        #expect(problemCode(response.body) == "validation_failed", "\(request): \(response.raw)")
        let fields = (response.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
        #expect(fields.contains(field), "\(request): \(response.raw)")
    }

    @Test("null for an optional field that may not be null gets 422 naming the field", arguments: TestDatabase.all)
    func nullRefused(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let team = try await client.json(.post, "/api/v1/teams", ["name": "Platform"], token: owner.accessToken)
            let teamID = try #require(team.body["id"] as? String)
            let key = try await client.createKey(token: owner.accessToken, scopes: ["members:read"])
            let null = NSNull()
            let requests: [(HTTPRequest.Method, String, [String: Any], String)] = [
                (.patch, "/api/v1/me", ["name": null], "name"),
                (.patch, "/api/v1/teams/\(teamID)", ["name": null], "name"),
                (.post, "/api/v1/teams", ["name": "Other", "description": null], "description"),
                (.patch, "/api/v1/members/\(owner.userID)", ["role": null], "role"),
                (.patch, "/api/v1/members/\(owner.userID)", ["status": null], "status"),
                (.post, "/api/v1/api-keys/\(key.id)/rotate", ["overlap_seconds": null], "overlap_seconds"),
                (.patch, "/api/v1/api-keys/\(key.id)", ["name": null], "name"),
                (.post, "/api/v1/api-keys", ["name": "k", "scopes": ["members:read"], "expires_at": null], "expires_at"),
                (.patch, "/api/v1/tenant", ["settings": null], "settings"),
                (.post, "/api/v1/roles", ["name": "Auditor", "permissions": null], "permissions"),
                (.post, "/api/v1/auth/forgot-password", ["email": owner.email, "tenant_slug": null], "tenant_slug"),
                (.post, "/api/v1/auth/verify-email/resend", ["email": owner.email, "tenant_slug": null], "tenant_slug"),
                (
                    .post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password, "tenant_slug": null],
                    "tenant_slug"
                ),
                (.post, "/api/v1/auth/refresh", ["refresh_token": null], "refresh_token"),
                (.post, "/api/v1/invitations/accept", ["token": "unknown", "name": null], "name"),
            ]
            for (method, path, body, field) in requests {
                let response = try await client.json(method, path, body, token: owner.accessToken)
                Self.expectInvalid(response, field: field, "\(method) \(path)")
            }
            // Where the document allows null, it still clears.
            let cleared = try await client.json(
                .patch, "/api/v1/teams/\(teamID)", ["description": null], token: owner.accessToken)
            #expect(cleared.status == .ok, "clear description: \(cleared.raw)")

            let admin = try await client.signedInOperator(context.identity)
            let platform: [(HTTPRequest.Method, String, [String: Any], String)] = [
                (.patch, "/api/v1/platform/plans/free", ["name": null], "name"),
                (.patch, "/api/v1/platform/plans/free", ["modules": null], "modules"),
                (.put, "/api/v1/platform/tenants/\(owner.tenantID)/overrides", ["modules": null], "modules"),
                (.post, "/api/v1/platform/tenants", ["name": "N", "owner_email": "n@example.com", "plan": null], "plan"),
            ]
            for (method, path, body, field) in platform {
                let response = try await client.json(method, path, body, token: admin.token)
                Self.expectInvalid(response, field: field, "\(method) \(path)")
            }
        }
    }

    @Test("an expires_at that is not a timestamp gets 422 naming it", arguments: TestDatabase.all)
    func badTimestamp(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let key = try await client.createKey(token: owner.accessToken, scopes: ["members:read"])
            let values: [Any] = ["tomorrow", 17, true]
            for value in values {
                let patch = try await client.json(
                    .patch, "/api/v1/api-keys/\(key.id)", ["expires_at": value], token: owner.accessToken)
                Self.expectInvalid(patch, field: "expires_at", "PATCH expires_at \(value)")
                let create = try await client.json(
                    .post, "/api/v1/api-keys", ["name": "k", "scopes": ["members:read"], "expires_at": value],
                    token: owner.accessToken)
                Self.expectInvalid(create, field: "expires_at", "POST expires_at \(value)")
            }
        }
    }

    @Test("accepting an invitation checks a given password before the token", arguments: TestDatabase.all)
    func invitationFieldsBeforeToken(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let response = try await client.json(
                .post, "/api/v1/invitations/accept", ["token": "no-such-token", "name": "Ann", "password": "short"])
            Self.expectInvalid(response, field: "password", "accept with a short password")
            let unknown = try await client.json(
                .post, "/api/v1/invitations/accept",
                ["token": "no-such-token", "name": "Ann", "password": "a fine long passphrase"])
            #expect(unknown.status == .gone, "accept with an unknown token: \(unknown.raw)")
            #expect(problemCode(unknown.body) == "invitation_invalid")
        }
    }

    @Test("a refresh without any refresh token is a missing credential: 401 invalid_refresh_token", arguments: TestDatabase.all)
    func refreshWithoutToken(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let bodies: [[String: Any]?] = [[:], nil]
            for body in bodies {
                let response = try await client.json(.post, "/api/v1/auth/refresh", body)
                #expect(response.status == .unauthorized, "refresh with \(String(describing: body)): \(response.raw)")
                #expect(problemCode(response.body) == "invalid_refresh_token")
                #expect(response.headers[.wwwAuthenticate] != nil)
            }
        }
    }

    @Test(
        "stored names, descriptions and reasons refuse control characters, NUL included, and keep line breaks",
        arguments: TestDatabase.all)
    func storedTextRefusesControlCharacters(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let admin = try await client.signedInOperator(context.identity)
            let team = try await client.json(.post, "/api/v1/teams", ["name": "Platform"], token: owner.accessToken)
            let teamID = try #require(team.body["id"] as? String)
            let role = try await client.json(
                .post, "/api/v1/roles", ["name": "Auditor", "permissions": ["audit:read"]], token: owner.accessToken)
            let roleID = try #require(role.body["id"] as? String, "\(role.raw)")
            let key = try await client.createKey(token: owner.accessToken, scopes: ["members:read"])
            let plan = ["id": "pro-x", "name": "Pro X"]
            #expect(try await client.json(.post, "/api/v1/platform/plans", plan, token: admin.token).status == .created)
            for bad in ["a\u{0}b", "a\u{7}b", "a\u{1B}[31mb", "a\u{85}b"] {
                let requests: [(HTTPRequest.Method, String, [String: Any], String, String)] = [
                    (.post, "/api/v1/api-keys", ["name": bad, "scopes": ["members:read"]], "name", owner.accessToken),
                    (.patch, "/api/v1/api-keys/\(key.id)", ["name": bad], "name", owner.accessToken),
                    (.post, "/api/v1/teams", ["name": bad], "name", owner.accessToken),
                    (.patch, "/api/v1/teams/\(teamID)", ["description": bad], "description", owner.accessToken),
                    (.post, "/api/v1/roles", ["name": bad, "permissions": ["audit:read"]], "name", owner.accessToken),
                    (.patch, "/api/v1/roles/\(roleID)", ["description": bad], "description", owner.accessToken),
                    (.patch, "/api/v1/platform/plans/pro-x", ["description": bad], "description", admin.token),
                    (.post, "/api/v1/platform/tenants/\(owner.tenantID)/suspend", ["reason": bad], "reason", admin.token),
                    (.patch, "/api/v1/me", ["name": bad], "name", owner.accessToken),
                ]
                for (method, path, body, field, token) in requests {
                    let response = try await client.json(method, path, body, token: token)
                    Self.expectInvalid(response, field: field, "\(method) \(path) with \(bad.debugDescription)")
                }
            }
            // A length is the document's maxLength, counted as sent, before trimming.
            let padded = try await client.json(
                .patch, "/api/v1/api-keys/\(key.id)", ["name": " " + String(repeating: "k", count: 100)], token: owner.accessToken
            )
            Self.expectInvalid(padded, field: "name", "key name of 101 characters with its space")
            let full = try await client.json(
                .patch, "/api/v1/api-keys/\(key.id)", ["name": String(repeating: "k", count: 100)], token: owner.accessToken)
            #expect(full.status == .ok, "\(full.raw)")
            // Names stay on one line; descriptions and reasons keep tabs and line breaks.
            let twoLines = try await client.json(.post, "/api/v1/teams", ["name": "a\nb"], token: owner.accessToken)
            Self.expectInvalid(twoLines, field: "name", "team name with a line break")
            let described = try await client.json(
                .patch, "/api/v1/teams/\(teamID)", ["description": "  first line\n\tsecond line\r\n"], token: owner.accessToken)
            #expect(described.status == .ok, "\(described.raw)")
            #expect(described.body["description"] as? String == "first line\n\tsecond line")
            let suspended = try await client.json(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/suspend", ["reason": "unpaid\ninvoices"], token: admin.token)
            #expect(suspended.status == .ok, "\(suspended.raw)")
        }
    }

    @Test(
        "an audit range whose end equals its start is empty, one that ends before it starts is refused",
        arguments: TestDatabase.all)
    func auditRangeBounds(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let instant = "2000-01-01T00%3A00%3A00Z"
            for path in ["/api/v1/audit-events", "/api/v1/audit-events/export"] {
                let empty = try await client.json(.get, "\(path)?from=\(instant)&to=\(instant)", token: owner.accessToken)
                #expect(empty.status == .ok, "\(path) empty range: \(empty.raw)")
                let reversed = try await client.json(
                    .get, "\(path)?from=2000-01-02T00%3A00%3A00Z&to=\(instant)", token: owner.accessToken)
                Self.expectInvalid(reversed, field: "to", "\(path) reversed range")
            }
        }
    }

    @Test("a literal path beside a parameter path allows only its own methods", arguments: TestDatabase.all)
    func allowOfLiteralPath(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            for method in [HTTPRequest.Method.get, .delete, .put] {
                try await client.execute(uri: "/api/v1/invitations/accept", method: method) { response in
                    #expect(response.status == .methodNotAllowed)
                    #expect(response.headers[.allow] == "POST")
                }
            }
        }
    }

    @Test("the route table prefers literal segments over parameters, as the router does")
    func routeTableSpecificity() {
        let table = RouteTable(routes: [
            (path: "/api/v1/invitations/accept", method: .post),
            (path: "/api/v1/invitations/{id}", method: .delete),
            (path: "/api/v1/invitations/{id}/resend", method: .post),
            (path: "/files/**", method: .get),
        ])
        #expect(table.allowedMethods(for: "/api/v1/invitations/accept") == [.post])
        #expect(table.allowedMethods(for: "/api/v1/invitations/0190") == [.delete])
        #expect(table.allowedMethods(for: "/api/v1/invitations/accept/resend") == [.post])
        #expect(table.allowedMethods(for: "/files/a/b") == [.get])
        #expect(table.allowedMethods(for: "/nothing").isEmpty)
    }
}
