import Foundation
import HTTPTypes
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// Every text column of every table, read from the database's own catalogue (never a hand
/// list), and which of them hold any of `texts` (case-insensitive), as `table.column` names.
func columnsHolding(_ texts: [String], _ context: TestApplicationContext) async throws -> [String] {
    let database = context.database
    var hits: [String] = []
    switch context.kind {
    case .postgres:
        // As the superuser: row-level security hides no tenant's rows.
        let columns = try await database.asSuperuser(
            """
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
                AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
            ORDER BY 1, 2
            """
        ).map { (try $0.decode(column: "table_name", as: String.self), try $0.decode(column: "column_name", as: String.self)) }
        #expect(columns.count > 50, "the catalogue lists the text columns")
        for (table, column) in columns {
            for text in texts {
                let found =
                    try await database.asSuperuser(
                        """
                        SELECT count(*) AS n FROM \(ident: table)
                        WHERE strpos(lower(\(ident: column)::text), lower(\(bind: text))) > 0
                        """
                    ).first?.decode(column: "n", as: Int.self) ?? 0
                if found > 0 { hits.append("\(table).\(column)") }
            }
        }
    case .sqlite:
        try await database.database.readGlobal { scope in
            let tables = try await scope.sql.raw(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            ).all().map { try $0.decode(column: "name", as: String.self) }
            #expect(tables.count > 30, "the catalogue lists the tables")
            for table in tables {
                let columns = try await scope.sql.raw("SELECT name, type FROM pragma_table_info(\(bind: table))").all()
                for row in columns {
                    guard try row.decode(column: "type", as: String.self).uppercased() == "TEXT" else { continue }
                    let column = try row.decode(column: "name", as: String.self)
                    for text in texts {
                        let found =
                            try await scope.sql.raw(
                                """
                                SELECT count(*) AS n FROM \(ident: table)
                                WHERE instr(lower(\(ident: column)), lower(\(bind: text))) > 0
                                """
                            ).first()?.decode(column: "n", as: Int.self) ?? 0
                        if found > 0 { hits.append("\(table).\(column)") }
                    }
                }
            }
        }
    }
    return hits
}

/// Runs the real `tenantry audit verify` on the test's database (on SQLite, a copy of the
/// in-memory database written to a file); its exit status and output.
func runAuditVerify(_ context: TestApplicationContext) async throws -> (status: Int32?, lines: [String]) {
    var environment = ["TENANTRY_LOG_LEVEL": "warning"]
    var copy: URL?
    switch context.kind {
    case .postgres:
        environment["TENANTRY_DATABASE_URL"] = context.database.configuration.databaseURL
        environment["TENANTRY_MASTER_KEY"] = context.database.configuration.masterKey ?? ""
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-erasure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("copy.db")
        try await context.database.database.readGlobal { scope in
            try await scope.sql.raw("VACUUM INTO \(bind: file.path)").run()
        }
        copy = directory
        environment["TENANTRY_DATABASE_URL"] = "sqlite:" + file.path
    }
    defer { if let copy { try? FileManager.default.removeItem(at: copy) } }
    let process = try ServerProcess(arguments: ["audit", "verify"], environment: environment)
    let status = try await process.waitForExit(timeout: .seconds(120))
    return (status, process.lines)
}

@Suite("Erasure of a person's data")
struct ErasureTests {
    static let password = "correct horse battery staple"

    /// Makes the person's sign-in older than the five minutes a fresh authentication lasts.
    static func ageSignIn(_ sessionID: String, _ context: TestApplicationContext) async throws {
        let id = try #require(UUID(uuidString: sessionID))
        try await context.database.database.withGlobal { scope in
            try await scope.sql.raw(
                """
                UPDATE sessions SET created_at = \(bind: Date().addingTimeInterval(-600)), authenticated_at = NULL
                WHERE id = \(bind: id)
                """
            ).run()
        }
    }

    @Test(
        "after DELETE /api/v1/me no text or JSON column of any table holds the person's email or name, every audit chain still verifies with the real command, their credentials are refused and other people are untouched",
        arguments: TestDatabase.all)
    func erasureLeavesNoTrace(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let ownerA = try await client.register()
            let ownerB = try await client.register()
            _ = try await client.json(
                .post, "/api/v1/webhook-endpoints", ["url": "https://hooks.example.com/all"], token: ownerB.accessToken)
            let email = "grace.erasable-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let name = "Grace Erasable-Hopper"
            let person = try await client.register(email: email, password: Self.password)
            let renamed = try await client.json(.patch, "/api/v1/me", ["name": name], token: person.accessToken)
            #expect(renamed.status == .ok, "\(renamed.raw)")
            // A sign-in with a user agent and a second tenant, then a second factor and a key.
            let signedIn = try await client.json(
                .post, "/api/v1/auth/login", ["email": email, "password": Self.password],
                headers: [.userAgent: "ErasureBrowser/1.0"])
            let signedInTokens = try #require(signedIn.body["tokens"] as? [String: Any])
            let refreshToken = try #require(signedInTokens["refresh_token"] as? String)
            let added = try await client.json(
                .post, "/api/v1/members", ["email": email, "role": "admin"], token: ownerB.accessToken)
            #expect(added.status == .created, "\(added.raw)")
            let key = try await client.json(
                .post, "/api/v1/api-keys", ["name": "Grace's key", "scopes": ["members:read"]], token: person.accessToken)
            #expect(key.status == .created, "\(key.raw)")
            let secret = try #require(key.body["secret"] as? String)
            _ = try await client.enableTOTP(token: person.accessToken)
            let invited = try await client.json(
                .post, "/api/v1/invitations", ["email": email, "role": "member"], token: ownerA.accessToken)
            #expect(invited.status == .created, "\(invited.raw)")
            _ = try await WebhookFanOut(database: SQLDataStore(context.database.database)).drain()

            let before = try await columnsHolding([email, name], context)
            for column in ["users.email", "users.name", "invitations.email", "jobs.payload", "audit_events.changes"] {
                #expect(before.contains(column), "before erasure \(column) holds the person: \(before)")
            }
            // Webhook messages about them exist (they name the person by id).
            #expect(try await columnsHolding([person.userID], context).contains("webhook_messages.body"))

            // The last owner of a tenant is refused until someone else owns it too.
            let lastOwner = try await client.json(.delete, "/api/v1/me", token: person.accessToken)
            #expect(lastOwner.status == .conflict, "\(lastOwner.raw)")
            #expect(lastOwner.body["code"] as? String == "last_owner")
            #expect((lastOwner.body["detail"] as? String)?.contains(person.tenantID) == true, "\(lastOwner.raw)")
            let coOwner = try await client.json(
                .post, "/api/v1/members", ["email": ownerB.email, "role": "owner"], token: person.accessToken)
            #expect(coOwner.status == .created, "\(coOwner.raw)")

            // Without a fresh authentication, and with a wrong password, refused.
            try await Self.ageSignIn(person.sessionID, context)
            let stale = try await client.json(.delete, "/api/v1/me", token: person.accessToken)
            #expect(stale.status == .forbidden, "\(stale.raw)")
            #expect(stale.body["code"] as? String == "reauthentication_required")
            let wrong = try await client.json(
                .post, "/api/v1/auth/reauthenticate", ["password": "not the password at all"], token: person.accessToken)
            #expect(wrong.status == .unprocessableContent)
            #expect(try await client.json(.delete, "/api/v1/me", token: person.accessToken).status == .forbidden)
            let fresh = try await client.json(
                .post, "/api/v1/auth/reauthenticate", ["password": Self.password], token: person.accessToken)
            #expect(fresh.status == .noContent, "\(fresh.raw)")
            let erased = try await client.json(.delete, "/api/v1/me", token: person.accessToken)
            #expect(erased.status == .noContent, "\(erased.raw)")

            // The user agent of their sign-in goes too (sessions, the audit events about them).
            let after = try await columnsHolding([email, name, "ErasureBrowser"], context)
            #expect(after.isEmpty, "after erasure these columns still hold the person: \(after)")

            let verify = try await runAuditVerify(context)
            #expect(verify.status == 0, "\(verify.lines)")
            #expect(verify.lines.contains { $0.hasPrefix("audit chains intact") }, "\(verify.lines)")
            #expect(verify.lines.contains { $0.contains("redacted event(s) verified through their digests") }, "\(verify.lines)")

            // Their credentials: sign-in, the access token, the refresh token and the API key.
            #expect(try await client.login(email: email, password: Self.password).status == .unauthorized)
            #expect(try await client.meStatus(person.accessToken) == .unauthorized)
            #expect(try await client.refresh(refreshToken).status == .unauthorized)
            let byKey = try await client.json(.get, "/api/v1/members", headers: [.authorization: "Bearer \(secret)"])
            #expect(byKey.status == .unauthorized, "\(byKey.raw)")
            #expect(try await client.json(.delete, "/api/v1/me", token: person.accessToken).status == .unauthorized)

            // Other people are untouched; the tenants record the erasure without the person's data.
            let other = try await client.json(.get, "/api/v1/me", token: ownerB.accessToken)
            #expect(other.status == .ok)
            #expect((other.body["user"] as? [String: Any])?["email"] as? String == ownerB.email.lowercased())
            let members = try await client.json(.get, "/api/v1/members", token: ownerB.accessToken)
            #expect(!members.raw.contains(person.userID), "\(members.raw)")
            let events = try await client.json(
                .get, "/api/v1/audit-events?action=user.erased", token: ownerB.accessToken)
            let items = try #require(events.body["items"] as? [[String: Any]])
            #expect(items.count == 1, "\(events.raw)")
            #expect((items.first?["target"] as? [String: Any])?["id"] as? String == person.userID)
            #expect(items.first?["ip"] == nil && items.first?["user_agent"] == nil)
        }
    }
}

@Suite("Erasure by an operator, and a person's export")
struct ErasureByOperatorTests {
    @Test(
        "a super admin erases a user through the platform API; unknown ids are 404, their own account 409, and a last owner 409",
        arguments: TestDatabase.all)
    func operatorErasure(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let owner = try await client.register()
            let person = try await client.register()
            let lastOwner = try await client.json(
                .delete, "/api/v1/platform/users/\(person.userID)", token: admin.token)
            #expect(lastOwner.status == .conflict, "\(lastOwner.raw)")
            #expect(lastOwner.body["code"] as? String == "last_owner")
            _ = try await client.json(
                .post, "/api/v1/members", ["email": owner.email, "role": "owner"], token: person.accessToken)
            let erased = try await client.json(.delete, "/api/v1/platform/users/\(person.userID)", token: admin.token)
            #expect(erased.status == .noContent, "\(erased.raw)")
            #expect(try await client.meStatus(person.accessToken) == .unauthorized)
            #expect(try await client.login(email: person.email, password: person.password).status == .unauthorized)
            let again = try await client.json(.delete, "/api/v1/platform/users/\(person.userID)", token: admin.token)
            #expect(again.status == .notFound, "\(again.raw)")
            let unknown = try await client.json(
                .delete, "/api/v1/platform/users/\(UUID().uuidString.lowercased())", token: admin.token)
            #expect(unknown.status == .notFound)
            let own = try await client.json(.delete, "/api/v1/platform/users/\(admin.userID)", token: admin.token)
            #expect(own.status == .conflict, "\(own.raw)")
            #expect(try await columnsHolding([person.email], context).isEmpty)
            // The erased account can never be enabled again.
            let platform = UseCases(context.identity).platform
            let userID = try #require(UserID(person.userID))
            await #expect(throws: TenantryError.self) {
                try await platform.setUserStatus(userID, to: .active, actor: .system, origin: .none)
            }
            #expect(try await runAuditVerify(context).status == 0)
        }
    }

    @Test(
        "GET /api/v1/me/export holds the profile, memberships, sessions, factor metadata, keys without secrets and every audit event about the person, across batches",
        arguments: TestDatabase.all)
    func export(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let ownerB = try await client.register()
            let person = try await client.register()
            _ = try await client.json(
                .post, "/api/v1/members", ["email": person.email, "role": "member"], token: ownerB.accessToken)
            let key = try await client.json(
                .post, "/api/v1/api-keys", ["name": "exported", "scopes": ["members:read"]], token: person.accessToken)
            let secret = try #require(key.body["secret"] as? String)
            let (totp, codes) = try await client.enableTOTP(token: person.accessToken)
            // More events than one batch, in the second tenant, by the person.
            let tenantB = try #require(TenantID(ownerB.tenantID))
            let userID = try #require(UserID(person.userID))
            try await context.database.database.withTenant(tenantB) { scope in
                for _ in 0..<(PersonalDataService.auditBatchSize + 5) {
                    try await scope.auditEvents.append(Fixtures.auditEvent(in: tenantB, action: "test.bulk", actor: userID))
                }
            }
            let exported = try await client.json(.get, "/api/v1/me/export", token: person.accessToken)
            #expect(exported.status == .ok)
            #expect(exported.headers[.contentDisposition]?.contains("personal-data-\(person.userID).json") == true)
            #expect(
                !exported.raw.contains(secret) && !exported.raw.contains(totp) && !codes.contains { exported.raw.contains($0) })
            #expect((exported.body["user"] as? [String: Any])?["email"] as? String == person.email.lowercased())
            let tenants = ((exported.body["memberships"] as? [[String: Any]]) ?? []).compactMap {
                ($0["tenant"] as? [String: Any])?["id"] as? String
            }
            #expect(Set(tenants) == [person.tenantID, ownerB.tenantID])
            #expect(((exported.body["sessions"] as? [[String: Any]]) ?? []).count == 1)
            #expect((exported.body["mfa"] as? [String: Any])?["totp_enabled"] as? Bool == true)
            #expect(((exported.body["api_keys"] as? [[String: Any]]) ?? []).map { $0["name"] as? String } == ["exported"])
            let events = (exported.body["audit_events"] as? [[String: Any]]) ?? []
            let ids = events.compactMap { $0["id"] as? String }
            #expect(Set(ids).count == ids.count, "no event twice")
            #expect(events.filter { $0["action"] as? String == "test.bulk" }.count == PersonalDataService.auditBatchSize + 5)
            #expect(events.contains { $0["action"] as? String == "user.mfa_enabled" })
            // Done to them by someone else: their addition to tenant B.
            #expect(
                events.contains {
                    $0["tenant_id"] as? String == ownerB.tenantID
                        && ($0["actor"] as? [String: Any])?["id"] as? String == ownerB.userID
                })
            #expect(try await client.json(.get, "/api/v1/me/export").status == .unauthorized)
        }
    }
}
