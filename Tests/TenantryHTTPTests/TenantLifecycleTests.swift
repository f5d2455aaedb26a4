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
import TenantryWorkers
import Testing

@Suite("Tenant lifecycle")
struct TenantLifecycleTests {
    @Test("GET and PATCH /tenant: name, branding and settings are validated, changed and audited", arguments: TestDatabase.all)
    func readAndChange(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let tenant = try await client.json(.get, "/api/v1/tenant", token: owner.accessToken)
            #expect(tenant.status == .ok)
            #expect(tenant.body["slug"] as? String == owner.tenantSlug)
            #expect(tenant.body["plan"] as? String == "free")
            let patch: [String: Any] = [
                "name": "Renamed Inc",
                "branding": ["logo_url": "https://cdn.example.com/logo.png", "primary_color": "#0b6e61"],
                "settings": [
                    "allowed_email_domains": ["Example.com", "example.com", "corp.example.org"], "session_lifetime_seconds": 3600,
                ],
            ]
            let changed = try await client.json(.patch, "/api/v1/tenant", patch, token: owner.accessToken)
            #expect(changed.status == .ok, "\(changed.raw)")
            #expect(changed.body["name"] as? String == "Renamed Inc")
            let branding = try #require(changed.body["branding"] as? [String: Any])
            #expect(branding["primary_color"] as? String == "#0B6E61")
            #expect(branding["logo_url"] as? String == "https://cdn.example.com/logo.png")
            let settings = try #require(changed.body["settings"] as? [String: Any])
            #expect(settings["allowed_email_domains"] as? [String] == ["corp.example.org", "example.com"])
            #expect(settings["session_lifetime_seconds"] as? Int == 3600)
            let cleared = try await client.json(
                .patch, "/api/v1/tenant", ["branding": ["logo_url": NSNull()]], token: owner.accessToken)
            #expect((cleared.body["branding"] as? [String: Any])?["logo_url"] == nil)
            #expect((cleared.body["branding"] as? [String: Any])?["primary_color"] as? String == "#0B6E61")

            let invalid = try await client.json(
                .patch, "/api/v1/tenant",
                [
                    "name": " ",
                    "branding": ["logo_url": "http://insecure.example.com/a.png", "accent_color": "red"],
                    "settings": [
                        "allowed_email_domains": ["not a domain"], "session_lifetime_seconds": 10,
                        "session_idle_timeout_seconds": 365 * 86_400,
                    ],
                ], token: owner.accessToken)
            #expect(invalid.status == .unprocessableContent)
            let fields = Set((invalid.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String })
            #expect(
                fields == [
                    "name", "branding.logo_url", "branding.accent_color", "settings.allowed_email_domains.0",
                    "settings.session_lifetime_seconds", "settings.session_idle_timeout_seconds",
                ], "\(invalid.raw)")
            let actions = try await tenantAuditActions(context.database.database, tenantID: owner.tenantID)
            #expect(actions.filter { $0 == "tenant.updated" }.count == 2)
        }
    }

    @Test(
        "tenant settings apply: other email domains are refused; sign-in sessions get the shorter lifetimes",
        arguments: TestDatabase.all)
    func settingsApply(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let patch = try await client.json(
                .patch, "/api/v1/tenant",
                [
                    "settings": [
                        "allowed_email_domains": ["corp.example"], "session_lifetime_seconds": 3600,
                        "session_idle_timeout_seconds": 600,
                    ]
                ],
                token: owner.accessToken)
            #expect(patch.status == .ok, "\(patch.raw)")
            let outside = try await client.json(
                .post, "/api/v1/invitations", ["email": "someone@elsewhere.example", "role": "member"], token: owner.accessToken)
            #expect(outside.status == .unprocessableContent)
            #expect((outside.body["errors"] as? [[String: Any]])?.first?["code"] as? String == "domain_not_allowed")
            let added = try await client.json(
                .post, "/api/v1/members", ["email": "Ann@Corp.example", "name": "Ann", "role": "viewer"], token: owner.accessToken
            )
            #expect(added.status == .created, "\(added.raw)")
            let outsider = try await client.json(
                .post, "/api/v1/members", ["email": "bob@elsewhere.example", "name": "Bob", "role": "viewer"],
                token: owner.accessToken)
            #expect(outsider.status == .unprocessableContent)

            let login = try await client.login(email: owner.email, password: owner.password)
            let token = try #require(login.accessToken)
            let sessions = try await client.json(.get, "/api/v1/me/sessions", token: token)
            let current = try #require((sessions.body["items"] as? [[String: Any]])?.first { $0["current"] as? Bool == true })
            let expires = try #require((current["expires_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(expires < Date().addingTimeInterval(3700))
            #expect(expires > Date().addingTimeInterval(3500))
            let refreshed = try await client.refresh(try #require(login.refreshToken))
            #expect(refreshed.status == .ok)
        }
    }

    @Test(
        "DELETE /tenant: owners only, with the slug; pending deletion refuses the API except reading and restoring",
        arguments: TestDatabase.all)
    func deleteAndRestore(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let fixture = try await client.accessFixture(context)
            let owner = fixture.owner
            let byAdmin = try await client.json(
                .delete, "/api/v1/tenant", ["confirm": owner.tenantSlug], token: fixture.admin.token)
            #expect(byAdmin.status == .forbidden)
            let wrong = try await client.json(.delete, "/api/v1/tenant", ["confirm": "other"], token: owner.accessToken)
            #expect(wrong.status == .unprocessableContent)
            #expect(try await client.json(.delete, "/api/v1/tenant", token: owner.accessToken).status == .unprocessableContent)
            let deleted = try await client.json(
                .delete, "/api/v1/tenant", ["confirm": owner.tenantSlug], token: owner.accessToken)
            #expect(deleted.status == .ok, "\(deleted.raw)")
            #expect(deleted.body["status"] as? String == "pending_deletion")
            let purgeAfter = try #require((deleted.body["purge_after"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(purgeAfter > Date().addingTimeInterval(29 * 86_400))

            let members = try await client.json(.get, "/api/v1/members", token: fixture.admin.token)
            #expect(members.status == .forbidden)
            #expect(members.body["code"] as? String == "tenant_pending_deletion")
            #expect(try await client.json(.get, "/api/v1/tenant", token: fixture.viewer.token).status == .ok)
            // Members cannot sign in to it; owners can, to restore it.
            let memberLogin = try await client.login(email: fixture.member.email, password: "pass phrase for member")
            #expect(memberLogin.body["code"] as? String == "tenant_pending_deletion", "\(memberLogin.body)")
            let ownerLogin = try await client.login(email: owner.email, password: owner.password)
            #expect(ownerLogin.status == .ok)
            let ownerToken = try #require(ownerLogin.accessToken)
            #expect(
                try await client.json(.post, "/api/v1/tenant/restore", token: fixture.admin.token).status == .forbidden)
            let restored = try await client.json(.post, "/api/v1/tenant/restore", token: ownerToken)
            #expect(restored.status == .ok, "\(restored.raw)")
            #expect(restored.body["status"] as? String == "active")
            #expect(try await client.json(.get, "/api/v1/members", token: fixture.admin.token).status == .ok)
            #expect(try await client.json(.post, "/api/v1/tenant/restore", token: owner.accessToken).status == .conflict)
            let actions = try await tenantAuditActions(context.database.database, tenantID: owner.tenantID)
            #expect(actions.contains("tenant.deletion_requested") && actions.contains("tenant.restored"))
        }
    }

    @Test("an operator restores a tenant pending deletion", arguments: TestDatabase.all)
    func operatorRestores(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            _ = try await client.json(.delete, "/api/v1/tenant", ["confirm": owner.tenantSlug], token: owner.accessToken)
            let restored = try await client.json(.post, "/api/v1/platform/tenants/\(owner.tenantID)/restore", token: admin.token)
            #expect(restored.status == .ok, "\(restored.raw)")
            #expect(try await client.json(.get, "/api/v1/members", token: owner.accessToken).status == .ok)
            #expect(try await platformAuditActions(context.database.database).contains("tenant.restored"))
        }
    }

    @Test("the purge job removes a due tenant's every row; a restored tenant is left alone", arguments: TestDatabase.all)
    func purgeJob(engine: TestDatabase) async throws {
        try await withTestApplication(engine, configure: { $0.tenantDeletionGracePeriod = 0 }) { client, context in
            let database = context.database.database
            let doomed = try await client.register()
            let kept = try await client.register()
            _ = try await client.json(.post, "/api/v1/teams", ["name": "Doomed team"], token: doomed.accessToken)
            _ = try await client.json(.delete, "/api/v1/tenant", ["confirm": doomed.tenantSlug], token: doomed.accessToken)
            _ = try await client.json(.delete, "/api/v1/tenant", ["confirm": kept.tenantSlug], token: kept.accessToken)
            _ = try await client.json(.post, "/api/v1/tenant/restore", token: kept.accessToken)
            let worker = JobWorker(
                database: SQLDataStore(database), handler: TenantPurgeJob(database: SQLDataStore(database)),
                logger: TestLogging.logger)
            while try await worker.runOnce(now: Date().addingTimeInterval(1)) {}
            let doomedID = try #require(TenantID(doomed.tenantID))
            #expect(try await database.readGlobal { try await $0.tenants.find(id: doomedID) } == nil)
            #expect(try await TenantPurgeTests.rowsOf(doomedID, in: database).isEmpty)
            #expect(try await client.json(.get, "/api/v1/tenant", token: kept.accessToken).status == .ok)
            #expect(try await client.login(email: doomed.email, password: doomed.password).status == .ok)
            #expect(try await platformAuditActions(database).filter { $0 == "tenant.purged" }.count == 1)
        }
    }
}

@Suite("Tenant purge")
struct TenantPurgeTests {
    /// Each tenant-scoped table that still holds a row of `tenantID`, with its count.
    static func rowsOf(_ tenantID: TenantID, in database: any DatabaseClient) async throws -> [String: Int] {
        try await database.withPlatform { scope in
            var found: [String: Int] = [:]
            for table in try await scope.purge.tenantScopedTables() {
                let count =
                    try await scope.sql.raw(
                        "SELECT count(*) AS n FROM \(ident: table) WHERE tenant_id = \(bind: tenantID.rawValue)"
                    )
                    .first()?.decode(column: "n", as: Int.self) ?? 0
                if count > 0 { found[table] = count }
            }
            return found
        }
    }

    @Test(
        "after a purge no tenant-scoped table holds a row of the tenant, and other tenants are untouched",
        arguments: TestDatabase.all)
    func purgeRemovesEveryRow(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let database = context.database.database
            let doomed = try await Fixtures.seedTenant(database, name: "Doomed")
            let other = try await Fixtures.seedTenant(database, name: "Other")
            let tables = try await database.withPlatform { scope in try await scope.purge.tenantScopedTables() }
            #expect(tables.count >= 8)
            let before = try await Self.rowsOf(doomed.id, in: database)
            #expect(Set(before.keys) == Set(tables), "seedTenant covers every tenant-scoped table")
            // Idempotency records name their tenant outside a `tenant_id` column.
            func record(_ tenant: TenantID) -> IdempotencyRecord {
                IdempotencyRecord(
                    scopeHash: "scope-\(tenant)", tenantID: tenant, ownerToken: UUID(), sealedRequest: "sealed",
                    lockedUntil: nil, createdAt: Date(), expiresAt: Date().addingTimeInterval(86_400))
            }
            try await database.withGlobal { scope in
                _ = try await scope.idempotencyRecords.reserve(record(doomed.id))
                _ = try await scope.idempotencyRecords.reserve(record(other.id))
            }
            let otherBefore = try await Self.rowsOf(other.id, in: database)
            // A tenant not pending deletion cannot be purged.
            await #expect(throws: TenantryError.self) {
                try await database.withPlatform { scope in try await scope.purge.run(doomed.id) }
            }
            let admin = try await client.signedInOperator(context.identity)
            let wrong = try await client.json(
                .post, "/api/v1/platform/tenants/\(doomed.id)/purge", ["confirm": "nope"], token: admin.token)
            #expect(wrong.status == .unprocessableContent)
            let purged = try await client.json(
                .post, "/api/v1/platform/tenants/\(doomed.id)/purge", ["confirm": doomed.slug.rawValue], token: admin.token)
            #expect(purged.status == .noContent, "\(purged.raw)")
            #expect(try await Self.rowsOf(doomed.id, in: database).isEmpty)
            #expect(try await database.readGlobal { try await $0.tenants.find(id: doomed.id) } == nil)
            #expect(try await Self.rowsOf(other.id, in: database) == otherBefore)
            let (doomedRecord, otherRecord) = try await database.readGlobal { scope in
                (
                    try await scope.idempotencyRecords.find(scopeHash: "scope-\(doomed.id)"),
                    try await scope.idempotencyRecords.find(scopeHash: "scope-\(other.id)")
                )
            }
            #expect(doomedRecord == nil, "the purged tenant's idempotency records are deleted, not orphaned")
            #expect(otherRecord?.tenantID == other.id)
            #expect(try await platformAuditActions(database).contains("tenant.purged"))
        }
    }
}
