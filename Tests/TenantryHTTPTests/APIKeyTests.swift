import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("API keys")
struct APIKeyTests {
    static let xAPIKey = HTTPField.Name("X-API-Key")!

    @Test(
        "a key is shown once, stored as a hash, works as Bearer and X-API-Key, and is refused once revoked",
        arguments: TestDatabase.all)
    func lifecycle(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let created = try await client.json(
                .post, "/api/v1/api-keys", ["name": "CI", "scopes": ["members:read"]], token: owner.accessToken)
            #expect(created.status == .created)
            #expect(created.headers[.cacheControl] == "no-store")
            let secret = try #require(created.body["secret"] as? String)
            let key = try #require(created.body["key"] as? [String: Any])
            let id = try #require(key["id"] as? String)
            #expect(secret.hasPrefix("tnty_") && secret.count >= 5 + 43)
            #expect(key["prefix"] as? String == String(secret.prefix(9)))
            #expect(key["last_four"] as? String == String(secret.suffix(4)))
            // Never again: not in the list, not in a single read, not in the database, not in the audit trail.
            let listed = try await client.json(.get, "/api/v1/api-keys", token: owner.accessToken)
            #expect(!listed.raw.contains(secret) && listed.raw.contains(id))
            #expect(!(try await client.json(.get, "/api/v1/api-keys/\(id)", token: owner.accessToken).raw.contains(secret)))
            let tenantID = try #require(TenantID(owner.tenantID))
            let stored = try await context.database.database.withTenant(tenantID) { scope in
                try await scope.sql.raw("SELECT secret_hash FROM api_key_secrets").all().map {
                    try $0.decode(column: "secret_hash", as: String.self)
                }
            }
            #expect(stored.contains(SecretToken.digest(secret)) && !stored.contains(secret))
            let audit = try await context.database.database.withTenant(tenantID) { scope in
                try await scope.auditEvents.list(PageRequest(limit: 200)).items
            }
            #expect(audit.contains { $0.action == "api_key.created" })
            #expect(!String(describing: audit).contains(secret))

            let bearer = try await client.json(.get, "/api/v1/members", headers: [.authorization: "Bearer \(secret)"])
            #expect(bearer.status == .ok)
            let header = try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: secret])
            #expect(header.status == .ok)
            // Out of its scopes: 403.
            #expect(try await client.json(.get, "/api/v1/api-keys", headers: [Self.xAPIKey: secret]).status == .forbidden)
            #expect(try await client.json(.delete, "/api/v1/api-keys/\(id)", token: owner.accessToken).status == .noContent)
            let revoked = try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: secret])
            #expect(revoked.status == .unauthorized)
            #expect(revoked.body["code"] as? String == "invalid_api_key")
            let unknown = try await client.json(
                .get, "/api/v1/members", headers: [Self.xAPIKey: "tnty_" + String(repeating: "A", count: 43)])
            #expect(unknown.status == .unauthorized)
        }
    }

    @Test("rotation keeps the old secret working for the overlap, and zero overlap ends it at once", arguments: TestDatabase.all)
    func rotation(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let key = try await client.createKey(token: owner.accessToken, scopes: ["members:read"])
            let rotated = try await client.json(
                .post, "/api/v1/api-keys/\(key.id)/rotate", ["overlap_seconds": 3600], token: owner.accessToken)
            #expect(rotated.status == .ok, "\(rotated.raw)")
            let second = try #require(rotated.body["secret"] as? String)
            #expect(second != key.secret)
            #expect(try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: key.secret]).status == .ok)
            #expect(try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: second]).status == .ok)
            let again = try await client.json(
                .post, "/api/v1/api-keys/\(key.id)/rotate", ["overlap_seconds": 0], token: owner.accessToken)
            let third = try #require(again.body["secret"] as? String)
            #expect(try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: key.secret]).status == .unauthorized)
            #expect(try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: second]).status == .unauthorized)
            #expect(try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: third]).status == .ok)
            let tooLong = try await client.json(
                .post, "/api/v1/api-keys/\(key.id)/rotate", ["overlap_seconds": 8 * 86_400], token: owner.accessToken)
            #expect(tooLong.status == .unprocessableContent)
        }
    }

    @Test("an expired key, and a key whose creator was removed, are refused", arguments: TestDatabase.all)
    func expiryAndCreator(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let f = try await client.accessFixture(context)
            let soon = try await client.createKey(
                token: f.ownerToken, scopes: ["members:read"],
                extra: ["expires_at": FastFormatting.timestamp(Date().addingTimeInterval(3600))])
            #expect(try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: soon.secret]).status == .ok)
            let tenantID = try #require(TenantID(f.owner.tenantID))
            try await context.database.database.withTenant(tenantID) { scope in
                try await scope.sql.raw(
                    "UPDATE api_keys SET expires_at = \(bind: Date().addingTimeInterval(-1)) WHERE tenant_id = \(bind: tenantID.rawValue)"
                ).run()
                try await scope.announceAccessChange()
            }
            context.identity.caches.access.invalidate(tenant: tenantID)
            #expect(try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: soon.secret]).status == .unauthorized)
            let past = try await client.json(
                .post, "/api/v1/api-keys", ["name": "old", "scopes": ["members:read"], "expires_at": "2001-01-01T00:00:00Z"],
                token: f.ownerToken)
            #expect(past.status == .unprocessableContent)

            let adminsKey = try await client.createKey(token: f.admin.token, scopes: ["members:read"])
            #expect(try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: adminsKey.secret]).status == .ok)
            #expect(try await client.json(.delete, "/api/v1/members/\(f.admin.userID)", token: f.ownerToken).status == .noContent)
            #expect(
                try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: adminsKey.secret]).status == .unauthorized)
            let listed = try await client.json(.get, "/api/v1/api-keys/\(adminsKey.id)", token: f.ownerToken)
            #expect(listed.body["status"] as? String == "revoked")
        }
    }

    @Test("a key bound to one team gets 403 out_of_scope for any other team", arguments: TestDatabase.all)
    func resourceBound(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let tenantID = try #require(TenantID(owner.tenantID))
            let teams = (0..<2).map { index in
                Team(
                    tenantID: tenantID, id: .generate(), name: "Team \(index)", description: nil, createdAt: Date(),
                    updatedAt: Date())
            }
            try await context.database.database.withTenant(tenantID) { scope in
                for team in teams { try await scope.teams.create(team) }
            }
            let bound = try await client.json(
                .post, "/api/v1/api-keys",
                ["name": "bound", "scopes": ["teams:read"], "resource": ["type": "team", "id": teams[0].id.description]],
                token: owner.accessToken)
            #expect(bound.status == .created, "\(bound.raw)")
            let secret = try #require(bound.body["secret"] as? String)
            // Scopes outside the minimal set, an unknown resource type or a foreign team are refused.
            for body: [String: Any] in [
                ["name": "b", "scopes": ["members:read"], "resource": ["type": "team", "id": teams[0].id.description]],
                ["name": "b", "scopes": ["teams:read"], "resource": ["type": "planet", "id": "x"]],
                ["name": "b", "scopes": ["teams:read"], "resource": ["type": "team", "id": UUID().uuidString]],
            ] {
                #expect(
                    try await client.json(.post, "/api/v1/api-keys", body, token: owner.accessToken).status
                        == .unprocessableContent)
            }
            // The authorization check itself: inside its team it passes, outside it is out_of_scope.
            let key = try #require(try await context.identity.caches.access.key(secret: secret)?.key)
            let scoped = TenantAccess(
                tenantID: tenantID, principal: .apiKey(key.id, createdBy: key.createdBy), rank: .owner, permissions: key.scopes,
                resource: key.resource)
            try scoped.authorize(.teamsRead, resource: (type: "team", id: teams[0].id.description))
            let outside = #expect(throws: TenantryError.self) {
                try scoped.authorize(.teamsRead, resource: (type: "team", id: teams[1].id.description))
            }
            #expect(outside?.code == .outOfScope)
            let listing = #expect(throws: TenantryError.self) {
                try scoped.authorize(.teamsRead, resource: (type: "team", id: nil))
            }
            #expect(listing?.code == .outOfScope)
        }
    }

    @Test("last use is recorded in memory and written in a batch, not per request", arguments: TestDatabase.all)
    func lastUsed(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let key = try await client.createKey(token: owner.accessToken, scopes: ["members:read", "api_keys:read"])
            #expect(try await client.json(.get, "/api/v1/members", headers: [Self.xAPIKey: key.secret]).status == .ok)
            let before = try await client.json(.get, "/api/v1/api-keys/\(key.id)", token: owner.accessToken)
            #expect(before.body["last_used_at"] == nil)
            try await context.identity.caches.access.flushUses()
            let after = try await client.json(.get, "/api/v1/api-keys/\(key.id)", token: owner.accessToken)
            #expect(after.body["last_used_at"] is String)
        }
    }
}
