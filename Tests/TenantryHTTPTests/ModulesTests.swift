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

@Suite("Modules and client configuration")
struct ModulesTests {
    @Test("the registry resolves dependencies and keeps always-on modules")
    func registry() {
        #expect(ModuleRegistry.resolve([]) == [.core])
        #expect(ModuleRegistry.resolve([.teams, "unknown"]) == [.core, .teams])
        var validator = Validator()
        ModuleRegistry.validate([.core: false, "ghost": true], base: [.core], field: "modules", into: &validator)
        #expect(Set(validator.errors.map(\.field)) == ["modules.core", "modules.ghost"])
        #expect(PermissionCatalogue.modules.map(\.id) == ["core", "teams", "api_keys", "webhooks", "sso"])
    }

    @Test("every tenant route declares a registered module")
    func routesDeclareModules() async throws {
        try await withTestDatabase(.sqlite) { context in
            let routes = try makeTestRouter(context).accessTable.routes
            for route in routes {
                #expect(ModuleRegistry.module(route.module) != nil, "\(route.method) \(route.path)")
                #expect(
                    ModuleRegistry.module(route.module)?.permissions.map(\.permission).contains(route.permission) == true,
                    "\(route.path): \(route.permission) is not a permission of \(route.module)")
            }
        }
    }

    @Test("a disabled module's routes answer 404 for that tenant only, and come back when enabled", arguments: TestDatabase.all)
    func disabledModule404(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            let other = try await client.register()
            let team = try await client.json(.post, "/api/v1/teams", ["name": "Kept"], token: owner.accessToken)
            let teamID = try #require(team.body["id"] as? String)
            try await PlansTests.override(client, admin, tenant: owner.tenantID, ["modules": ["teams": false]])
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/teams"), (.get, "/api/v1/teams/\(teamID)"),
                (.delete, "/api/v1/teams/\(teamID)"),
            ] {
                let response = try await client.json(method, path, token: owner.accessToken)
                #expect(response.status == .notFound, "\(method) \(path): \(response.raw)")
                #expect(response.body["code"] as? String == "route_not_found")
            }
            #expect(try await client.json(.get, "/api/v1/teams", token: other.accessToken).status == .ok)
            #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .ok)
            try await PlansTests.override(client, admin, tenant: owner.tenantID, [:])
            let back = try await client.json(.get, "/api/v1/teams/\(teamID)", token: owner.accessToken)
            #expect(back.status == .ok, "the team survived: \(back.raw)")
        }
    }

    @Test("/me/config follows the plan and overrides, with a strong ETag and 304", arguments: TestDatabase.all)
    func clientConfig(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let fixture = try await client.accessFixture(context)
            let owner = fixture.owner
            let first = try await client.json(.get, "/api/v1/me/config", token: fixture.viewer.token)
            #expect(first.status == .ok, "\(first.raw)")
            let etag = try #require(first.headers[.eTag])
            #expect(etag.hasPrefix("\"") && !etag.hasPrefix("W/"))
            #expect(
                (first.body["modules"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                    == ["core", "teams", "api_keys", "webhooks", "sso"])
            #expect(first.body["permissions"] as? [String] == TenantRole.viewer.permissions.map(\.rawValue).sorted())
            #expect(first.body["features"] as? [String] == [])
            #expect(first.body["plan"] as? String == "free")

            let unchanged = try await client.json(
                .get, "/api/v1/me/config", token: fixture.viewer.token, headers: [.ifNoneMatch: etag])
            #expect(unchanged.status == .notModified)
            #expect(unchanged.raw.isEmpty)

            #expect(
                try await client.json(
                    .put, "/api/v1/platform/tenants/\(owner.tenantID)/plan", ["plan": "pro"], token: admin.token
                )
                .status == .ok)
            try await PlansTests.override(client, admin, tenant: owner.tenantID, ["modules": ["teams": false]])
            _ = try await client.json(
                .patch, "/api/v1/tenant", ["branding": ["primary_color": "#000000"]], token: owner.accessToken)
            let changed = try await client.json(
                .get, "/api/v1/me/config", token: fixture.viewer.token, headers: [.ifNoneMatch: etag])
            #expect(changed.status == .ok)
            #expect(changed.headers[.eTag] != etag)
            #expect(changed.body["plan"] as? String == "pro")
            #expect(changed.body["features"] as? [String] == ["custom_branding", "resource_bound_keys"])
            #expect(
                (changed.body["modules"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                    == ["core", "api_keys", "webhooks", "sso"])
            #expect((changed.body["permissions"] as? [String])?.contains("teams:read") == false)
            #expect((changed.body["branding"] as? [String: Any])?["primary_color"] as? String == "#000000")
            #expect((changed.body["limits"] as? [String: Any])?["members"] as? Int == 100)
        }
    }
}
