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

/// Access matrices generated from the route table: every tenant route declares its permission
/// (``RouteAccessTable``), so a new route is covered here without editing this file.
@Suite("Access matrices")
struct AccessMatrixTests {
    /// A concrete path for a route, with each `{parameter}` replaced by `value(parameter)`.
    static func path(_ template: String, _ value: (String) -> String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? value(String(part.dropFirst().dropLast())) : String(part)
        }.joined(separator: "/")
    }

    static func method(_ method: HTTPRequest.Method) -> Bool { [.post, .patch, .put].contains(method) }

    @Test(
        "BFLA: each built-in role, a custom role and a scoped key get exactly their declared permissions",
        arguments: TestDatabase.all)
    func functionLevel(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let routes = try makeTestRouter(context.database).accessTable.routes
            #expect(routes.count >= 17)
            let fixture = try await client.accessFixture(context)
            let role = try await client.json(
                .post, "/api/v1/roles",
                ["name": "Key reader", "base_role": "viewer", "permissions": ["api_keys:read", "invitations:read"]],
                token: fixture.ownerToken)
            #expect(role.status == .created, "\(role.raw)")
            let roleID = try #require(role.body["id"] as? String)
            let custom = try await client.addSignedInMember(
                context, adminToken: fixture.ownerToken, tenantSlug: fixture.owner.tenantSlug, role: roleID)
            let key = try await client.createKey(token: fixture.ownerToken, scopes: ["members:read", "roles:read"])

            struct Principal {
                let name: String
                let headers: HTTPFields
                let permissions: Set<Permission>
                let isKey: Bool
            }
            func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
            let principals = [
                Principal(
                    name: "owner", headers: bearer(fixture.ownerToken), permissions: TenantRole.owner.permissions, isKey: false),
                Principal(
                    name: "admin", headers: bearer(fixture.admin.token), permissions: TenantRole.admin.permissions, isKey: false),
                Principal(
                    name: "member", headers: bearer(fixture.member.token), permissions: TenantRole.member.permissions,
                    isKey: false),
                Principal(
                    name: "viewer", headers: bearer(fixture.viewer.token), permissions: TenantRole.viewer.permissions,
                    isKey: false),
                Principal(
                    name: "custom", headers: bearer(custom.token),
                    permissions: TenantRole.viewer.permissions.union([.apiKeysRead, .invitationsRead]), isKey: false),
                Principal(
                    name: "key", headers: [HTTPField.Name("X-API-Key")!: key.secret], permissions: [.membersRead, .rolesRead],
                    isKey: true),
            ]
            for route in routes {
                let path = Self.path(route.path) { _ in UUID().uuidString.lowercased() }
                for principal in principals {
                    var headers = principal.headers
                    var body: ByteBuffer?
                    if Self.method(route.method) {
                        headers[.contentType] = "application/json"
                        body = ByteBuffer(string: "{}")
                    }
                    let status = try await client.execute(uri: path, method: route.method, headers: headers, body: body) {
                        $0.status
                    }
                    let allowed = principal.permissions.contains(route.permission) && !(route.usersOnly && principal.isKey)
                    if allowed {
                        #expect(
                            status != .forbidden && status != .unauthorized,
                            "\(principal.name) \(route.method) \(route.path): \(status)")
                    } else {
                        #expect(status == .forbidden, "\(principal.name) \(route.method) \(route.path): \(status)")
                    }
                }
            }
        }
    }

    @Test("BOLA: tenant A's token and key with tenant B's ids get 404, and B's data is unchanged", arguments: TestDatabase.all)
    func objectLevel(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let routes = try makeTestRouter(context.database).accessTable.routes
            let tenantA = try await client.register()
            let keyA = try await client.createKey(
                token: tenantA.accessToken, scopes: TenantRole.owner.permissions.map(\.rawValue))
            let tenantB = try await client.register()
            let memberB = try await client.addSignedInMember(
                context, adminToken: tenantB.accessToken, tenantSlug: tenantB.tenantSlug, role: "member")
            let roleB = try await client.json(
                .post, "/api/v1/roles", ["name": "B role", "permissions": ["members:read"]], token: tenantB.accessToken)
            let keyB = try await client.createKey(token: tenantB.accessToken, scopes: ["members:read"])
            var idsB: [String: String] = [
                "members": memberB.userID, "roles": try #require(roleB.body["id"] as? String), "api-keys": keyB.id,
            ]
            for (collection, body) in [
                ("teams", ["name": "B team"]), ("invitations", ["email": "b-invitee@example.com", "role": "member"]),
                ("webhook-endpoints", ["url": "https://hooks.example.com/b"]),
                ("webhook-sources", ["name": "B", "scheme": "stripe"]),
            ] {
                if routes.contains(where: { $0.path == "/api/v1/\(collection)" && $0.method == .post }) {
                    let created = try await client.json(.post, "/api/v1/\(collection)", body, token: tenantB.accessToken)
                    // A created webhook endpoint or source comes wrapped with its secret.
                    let resource =
                        created.body["endpoint"] as? [String: Any] ?? created.body["source"] as? [String: Any] ?? created.body
                    idsB[collection] = try #require(resource["id"] as? String, "\(collection): \(created.raw)")
                }
            }
            if routes.contains(where: { $0.path == "/api/v1/sso/connections" && $0.method == .post }) {
                let created = try await client.json(
                    .post, "/api/v1/sso/connections",
                    [
                        "name": "B", "domains": ["b.example"], "return_url": "https://app.b.example/back",
                        "oidc": ["issuer": "https://id.b.example", "client_id": "b"],
                    ], token: tenantB.accessToken)
                idsB["sso"] = try #require(created.body["id"] as? String, "sso: \(created.raw)")
            }
            if routes.contains(where: { $0.path == "/api/v1/domains" && $0.method == .post }) {
                // One id serves both B's domain and, on the join-request routes, a request of B
                // (the fixture below makes one under the same id).
                let created = try await client.json(
                    .post, "/api/v1/domains", ["domain": "b-owned.example"], token: tenantB.accessToken)
                let domainID = try #require(created.body["id"] as? String, "domains: \(created.raw)")
                idsB["domains"] = domainID
                let applicant = try Fixtures.user(name: "Applicant")
                let tenantID = try #require(TenantID(tenantB.tenantID))
                try await context.database.database.withTenant(tenantID) { scope in
                    try await scope.users.create(applicant)
                    _ = try await scope.domains.addJoinRequest(
                        JoinRequest(
                            tenantID: tenantID, id: try #require(JoinRequestID(domainID)), userID: applicant.id,
                            email: applicant.email, domainID: try #require(TenantDomainID(domainID)), role: .member,
                            createdAt: Date()))
                }
            }
            if routes.contains(where: { $0.path == "/api/v1/tenant/exports" && $0.method == .post }) {
                // The tenant's own exports sit under `/api/v1/tenant`.
                let created = try await client.json(.post, "/api/v1/tenant/exports", token: tenantB.accessToken)
                idsB["tenant"] = try #require(created.body["id"] as? String, "exports: \(created.raw)")
            }
            if routes.contains(where: { $0.path == "/api/v1/webhook-messages" }) {
                // B's endpoint has messages once B's events are fanned out.
                try await WebhookFanOut(database: SQLDataStore(context.database.database)).drain()
                let messages = try await client.json(.get, "/api/v1/webhook-messages", token: tenantB.accessToken)
                let first = (messages.body["items"] as? [[String: Any]])?.first
                idsB["webhook-messages"] = try #require(first?["id"] as? String, "\(messages.raw)")
            }

            func snapshotB() async throws -> [String: String] {
                var snapshot: [String: String] = [:]
                for route in routes where route.method == .get && !route.path.contains("{") {
                    // A problem's request id differs on every call (billing answers one without Stripe).
                    snapshot[route.path] = try await client.json(.get, route.path, token: tenantB.accessToken).raw
                        .replacingOccurrences(of: #""request_id":"[^"]*""#, with: "", options: .regularExpression)
                }
                return snapshot
            }
            let before = try await snapshotB()

            let bodyWithBIDs = try JSONSerialization.data(
                withJSONObject: ["name": "hijacked", "role": "viewer", "status": "suspended", "user_id": memberB.userID])
            var checked = 0
            for route in routes where route.path.contains("{") || route.path.hasSuffix("/transfer-ownership") {
                let collection = route.path.dropFirst("/api/v1/".count).split(separator: "/").first.map(String.init) ?? ""
                let path = Self.path(route.path) { parameter in
                    parameter == "user_id" ? memberB.userID : (idsB[collection] ?? "missing-\(collection)")
                }
                #expect(!path.contains("missing-"), "no id of B for \(route.path): extend this test's ids")
                let credentials: [HTTPFields] =
                    route.usersOnly
                    ? [[.authorization: "Bearer \(tenantA.accessToken)"]]
                    : [[.authorization: "Bearer \(tenantA.accessToken)"], [.authorization: "Bearer \(keyA.secret)"]]
                for var headers in credentials {
                    var body: ByteBuffer?
                    if Self.method(route.method) {
                        headers[.contentType] = "application/json"
                        body = ByteBuffer(data: bodyWithBIDs)
                    }
                    let (status, raw) = try await client.execute(uri: path, method: route.method, headers: headers, body: body) {
                        ($0.status, String(buffer: $0.body))
                    }
                    #expect(status == .notFound, "\(route.method) \(route.path) with B's ids: \(status) \(raw)")
                    checked += 1
                }
            }
            #expect(checked >= 10)
            #expect(try await snapshotB() == before)
        }
    }

    @Test("every tenant route's permission is the x-permission of its OpenAPI operation")
    func documentedPermissions() async throws {
        try await withTestDatabase(.sqlite) { context in
            let routes = try makeTestRouter(context).accessTable.routes
            let document = try #require(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: Any])
            for route in routes {
                let operation = (paths[route.path] as? [String: Any])?[route.method.rawValue.lowercased()] as? [String: Any]
                #expect(operation?["x-permission"] as? String == route.permission.rawValue, "\(route.method) \(route.path)")
            }
        }
    }
}
