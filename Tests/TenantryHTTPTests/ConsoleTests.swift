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

@Suite("Consoles")
struct ConsoleTests {
    @Test("an anonymous visit to either console is sent to its sign-in page", arguments: TestDatabase.all)
    func anonymousRedirects(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let browser = ConsoleBrowser(client)
            for (path, signIn) in [
                ("/console", "/console/sign-in"), ("/console/members", "/console/sign-in"),
                ("/admin", "/admin/sign-in"), ("/admin/tenants", "/admin/sign-in"),
            ] {
                let page = try await browser.get(path)
                #expect(page.status == .seeOther, "\(path)")
                #expect(page.location == signIn, "\(path)")
            }
            let signInPage = try await browser.get("/console/sign-in")
            #expect(signInPage.status == .ok)
            #expect(signInPage.html.contains("<form id=\"sign-in\""))
            let policy = try #require(signInPage.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"))
        }
    }

    @Test(
        "signing in through the form sets httpOnly, SameSite=Strict and Secure session cookies and opens the console",
        arguments: TestDatabase.all)
    func signInCookies(engine: TestDatabase) async throws {
        try await withTestApplication(engine, configure: { $0.publicURL = "https://tenantry.example" }) { client, _ in
            let owner = try await client.register()
            let browser = ConsoleBrowser(client)
            let form = try await browser.get("/console/sign-in")
            let anonymous = try #require(form.setCookie("tenantry_console_csrf"))
            #expect(anonymous.contains("SameSite=Strict") && anonymous.contains("Secure"))

            let wrong = try await browser.post(
                "/console/sign-in", [("email", owner.email), ("password", "not the password")])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.html.contains("role=\"alert\""))

            let signedIn = try await browser.post(
                "/console/sign-in", [("email", owner.email), ("password", owner.password)])
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.location == "/console")
            for name in ["tenantry_console", "tenantry_console_refresh"] {
                let cookie = try #require(signedIn.setCookie(name), "\(name) is set")
                #expect(cookie.contains("HttpOnly"), "\(cookie)")
                #expect(cookie.contains("SameSite=Strict"), "\(cookie)")
                #expect(cookie.contains("Secure"), "\(cookie)")
                #expect(cookie.contains("Path=/console"), "\(cookie)")
            }
            let overview = try await browser.get("/console")
            #expect(overview.status == .ok)
            #expect(overview.html.contains("id=\"console-nav\""))

            let out = try await browser.post("/console/sign-out")
            #expect(out.location == "/console/sign-in?notice=signed_out")
            #expect(try await browser.get("/console").location == "/console/sign-in")
        }
    }

    @Test(
        "the stylesheet and htmx go gzip-compressed to a browser that accepts it, each encoding with its own tag; pages never",
        arguments: TestDatabase.all)
    func compressedAssets(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            func fetch(_ path: String, _ headers: HTTPFields = [:]) async throws -> (HTTPResponse.Status, HTTPFields, [UInt8]) {
                try await client.execute(uri: path, method: .get, headers: headers) { response in
                    (response.status, response.headers, Array(buffer: response.body))
                }
            }
            for path in ["/console/assets/htmx.js", "/console/assets/console.css"] {
                let (_, plainHeaders, plain) = try await fetch(path)
                #expect(plainHeaders[.contentEncoding] == nil && plainHeaders[.vary] == "Accept-Encoding")
                let (status, headers, packed) = try await fetch(path, [.acceptEncoding: "gzip, deflate, br"])
                #expect(status == .ok && headers[.contentEncoding] == "gzip", "\(path)")
                #expect(packed.count < plain.count)
                #expect(try gunzip(packed) == plain, "\(path) decompresses to the file")
                let plainTag = try #require(plainHeaders[.eTag])
                let packedTag = try #require(headers[.eTag])
                #expect(plainTag != packedTag)
                #expect(try await fetch(path, [.acceptEncoding: "gzip", .ifNoneMatch: packedTag]).0 == .notModified)
                #expect(try await fetch(path, [.acceptEncoding: "gzip", .ifNoneMatch: plainTag]).0 == .ok)
                #expect(try await fetch(path, [.acceptEncoding: "gzip;q=0, identity"]).1[.contentEncoding] == nil)
            }
            // A page carries the CSRF token and echoes its form's text: compressed together, that
            // is what BREACH reads secrets through, so pages go uncompressed.
            let (_, pageHeaders, _) = try await fetch("/console/sign-in", [.acceptEncoding: "gzip"])
            #expect(pageHeaders[.contentEncoding] == nil)
        }
    }

    @Test("the sign-in form is limited per client IP as the API's sign-in is, and says so in a page", arguments: TestDatabase.all)
    func signInRateLimit(engine: TestDatabase) async throws {
        try await withTestApplication(engine, configure: { $0.clientIPRequestsPerMinute = 2 }) { client, _ in
            let browser = ConsoleBrowser(client)
            _ = try await browser.get("/console/sign-in")
            var statuses: [HTTPResponse.Status] = []
            var last: ConsoleBrowser.Page?
            for _ in 0..<3 {
                last = try await browser.post("/console/sign-in", [("email", "nobody@example.com"), ("password", "wrong")])
                statuses.append(last?.status ?? .ok)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests])
            let refused = try #require(last)
            #expect(refused.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(refused.headers[.retryAfter] != nil)
        }
    }

    @Test("a form post without the token, or with another session's, is refused with 403", arguments: TestDatabase.all)
    func csrfRefusals(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let second = try await client.login(email: owner.email, password: owner.password)
            let browser = ConsoleBrowser.signedIn(client, accessToken: owner.accessToken)
            let other = ConsoleBrowser.signedIn(client, accessToken: try #require(second.accessToken))
            _ = try await browser.get("/console/members")
            _ = try await other.get("/console/members")
            let mine = try #require(browser.csrf)
            let theirs = try #require(other.csrf)
            #expect(mine != theirs)

            let invite = [("email", "new-\(UUID().uuidString.prefix(6))@example.com"), ("role", "member")]
            #expect(try await browser.post("/console/members/invite", invite, csrf: .some(nil)).status == .forbidden)
            #expect(try await browser.post("/console/members/invite", invite, csrf: theirs).status == .forbidden)
            #expect(try await browser.post("/console/members/invite", invite, csrf: "forged").status == .forbidden)
            let accepted = try await browser.post("/console/members/invite", invite, csrf: mine)
            #expect(accepted.status == .seeOther)
            #expect(accepted.location == "/console/members?notice=invited")

            // The sign-in form, before any session, is bound to its double-submit cookie.
            let anonymous = ConsoleBrowser(client)
            _ = try await anonymous.get("/console/sign-in")
            let refused = try await anonymous.post(
                "/console/sign-in", [("email", owner.email), ("password", owner.password)], csrf: "not the cookie")
            #expect(refused.status == .forbidden)
            #expect(refused.setCookie("tenantry_console") == nil)
        }
    }

    @Test(
        "a member without a permission sees no control for it, and a forged post of it is refused with 403",
        arguments: TestDatabase.all)
    func permissions(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let fixture = try await client.accessFixture(context)
            let viewer = ConsoleBrowser.signedIn(client, accessToken: fixture.viewer.token)
            let members = try await viewer.get("/console/members")
            #expect(members.status == .ok)
            #expect(!members.html.contains("id=\"invite\""))
            #expect(!members.html.contains("/remove\""))
            let nav = try await viewer.get("/console")
            #expect(!nav.html.contains("href=\"/console/api-keys\""), "a viewer reads no keys")
            #expect(try await viewer.get("/console/api-keys").status == .forbidden)
            let forged = try await viewer.post(
                "/console/members/invite", [("email", "x-\(UUID().uuidString.prefix(6))@example.com"), ("role", "admin")])
            #expect(forged.status == .forbidden)
            let removal = try await viewer.post("/console/members/\(fixture.member.userID)/remove")
            #expect(removal.status == .forbidden)

            let admin = ConsoleBrowser.signedIn(client, accessToken: fixture.admin.token)
            let adminMembers = try await admin.get("/console/members")
            #expect(adminMembers.html.contains("id=\"invite\""))
            let removed = try await admin.post("/console/members/\(fixture.member.userID)/remove")
            #expect(removed.location == "/console/members?notice=member_removed")
        }
    }

    @Test("every console route with an id answers 404 for another tenant's id", arguments: TestDatabase.all)
    func crossTenantMatrix(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let consoleRoutes = try makeTestRouter(context.database).routes
            let mine = try await client.register()
            let theirs = try await client.register()
            let theirKey = try await client.createKey(token: theirs.accessToken, scopes: ["members:read"])
            let endpoint = try await client.json(
                .post, "/api/v1/webhook-endpoints", ["url": "https://hooks.example.com/theirs"], token: theirs.accessToken)
            let endpointID = try #require((endpoint.body["endpoint"] as? [String: Any])?["id"] as? String, "\(endpoint.raw)")
            try await WebhookFanOut(database: SQLDataStore(context.database.database)).drain()
            let messages = try await client.json(.get, "/api/v1/webhook-messages", token: theirs.accessToken)
            let messageID = try #require((messages.body["items"] as? [[String: Any]])?.first?["id"] as? String)
            let team = try await client.json(.post, "/api/v1/teams", ["name": "Theirs"], token: theirs.accessToken)
            let role = try await client.json(
                .post, "/api/v1/roles", ["name": "Theirs", "permissions": ["members:read"]], token: theirs.accessToken)
            let export = try await client.json(
                .post, "/api/v1/tenant/exports", token: theirs.accessToken,
                headers: [HTTPField.Name("Idempotency-Key")!: UUID().uuidString])
            // Their id for each collection a console path names before its `{…}`.
            let source = try await client.json(
                .post, "/api/v1/webhook-sources", ["name": "Theirs", "scheme": "stripe"], token: theirs.accessToken)
            let invitation = try await client.invite(
                "theirs-\(UUID().uuidString.prefix(6))@example.com", role: "member", token: theirs.accessToken)
            let connection = try await client.json(
                .post, "/api/v1/sso/connections",
                [
                    "name": "Theirs", "domains": ["theirs.example"], "return_url": "http://127.0.0.1:9/back",
                    "oidc": ["issuer": "https://id.theirs.example", "client_id": "theirs"],
                ], token: theirs.accessToken)
            let domain = try await client.json(.post, "/api/v1/domains", ["domain": "theirs.example"], token: theirs.accessToken)
            let ids = [
                "sso": try #require(connection.body["id"] as? String, "\(connection.raw)"),
                "domains": try #require(domain.body["id"] as? String, "\(domain.raw)"),
                "invitations": try #require(invitation.body["id"] as? String, "\(invitation.raw)"),
                "webhook-sources": try #require((source.body["source"] as? [String: Any])?["id"] as? String, "\(source.raw)"),
                "data": try #require(export.body["id"] as? String, "\(export.raw)"),
                "members": theirs.userID, "api-keys": theirKey.id, "sessions": theirs.sessionID, "webhooks": endpointID,
                "webhook-messages": messageID, "teams": try #require(team.body["id"] as? String, "\(team.raw)"),
                "roles": try #require(role.body["id"] as? String, "\(role.raw)"),
            ]
            let browser = ConsoleBrowser.signedIn(client, accessToken: mine.accessToken)
            _ = try await browser.get("/console")
            // Join requests need a verified domain: ConsoleSignOnTests decides another tenant's.
            let withIDs = consoleRoutes.filter {
                $0.path.hasPrefix("/console/") && $0.path.contains("{") && !$0.path.contains("/join-requests/")
            }
            #expect(withIDs.count >= 24)
            for route in withIDs {
                let collection = route.path.split(separator: "/")[1]
                let id = ids[String(collection)] ?? "missing"
                #expect(id != "missing", "\(route.path): the matrix has no id of theirs for \(collection); add one")
                let path = route.path.replacing(/\{[a-z_]+\}/, with: id)
                let page =
                    route.method == .get
                    ? try await browser.get(path)
                    : try await browser.post(
                        path, [("role", "viewer"), ("status", "suspended"), ("enabled", "false"), ("hours", "24")])
                #expect(page.status == .notFound, "\(route.method) \(route.path): \(page.status)")
            }
            // Their data is untouched.
            let members = try await client.json(.get, "/api/v1/members", token: theirs.accessToken)
            #expect((members.body["items"] as? [[String: Any]])?.count == 1)
            let keys = try await client.json(.get, "/api/v1/api-keys/\(theirKey.id)", token: theirs.accessToken)
            #expect(keys.body["revoked_at"] == nil || keys.body["revoked_at"] is NSNull)
        }
    }

    @Test("an expired access token is renewed from the refresh cookie, and the new cookies go out", arguments: TestDatabase.all)
    func refresh(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            // The refresh cookie alone: the access token is gone, as when its cookie expired.
            let browser = ConsoleBrowser(client, cookies: ["tenantry_console_refresh": owner.refreshToken])
            let page = try await browser.get("/console")
            #expect(page.status == .ok)
            let access = try #require(page.setCookie("tenantry_console"))
            #expect(access.contains("HttpOnly"))
            let rotated = try #require(browser.cookies["tenantry_console_refresh"])
            #expect(rotated != owner.refreshToken)
            #expect(try await browser.get("/console/members").status == .ok)

            // A refresh token that no longer works ends the console session.
            let stale = ConsoleBrowser(client, cookies: ["tenantry_console_refresh": "not-a-token"])
            let ended = try await stale.get("/console")
            #expect(ended.location == "/console/sign-in?notice=session_ended")
        }
    }

    @Test("when an operator suspends the tenant, its member's next click ends on the sign-in page", arguments: TestDatabase.all)
    func suspension(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let member = ConsoleBrowser.signedIn(client, accessToken: owner.accessToken, refreshToken: owner.refreshToken)
            #expect(try await member.get("/console").status == .ok)

            let op = try await client.signedInOperator(context.identity)
            let admin = ConsoleBrowser.signedIn(client, accessToken: op.token, admin: true)
            let list = try await admin.get("/admin/tenants?q=\(owner.tenantSlug)")
            #expect(list.status == .ok)
            #expect(list.html.contains("data-tenant-slug=\"\(owner.tenantSlug)\""))
            let tenantPage = try await admin.get("/admin/tenants/\(owner.tenantID)")
            #expect(tenantPage.html.contains("data-tenant-status=\"active\""))
            let suspended = try await admin.post("/admin/tenants/\(owner.tenantID)/suspend", [("reason", "unpaid invoices")])
            #expect(suspended.location == "/admin/tenants/\(owner.tenantID)?notice=tenant_suspended")
            #expect(try await admin.get("/admin/tenants/\(owner.tenantID)").html.contains("data-tenant-status=\"suspended\""))

            let next = try await member.get("/console/members")
            #expect(next.status == .seeOther)
            #expect(next.location == "/console/sign-in?notice=tenant_suspended")
            #expect(member.cookies["tenantry_console"] == nil, "the session cookies are removed")
            let notice = try await member.get(try #require(next.location))
            #expect(notice.html.contains("role=\"alert\""))
        }
    }

    @Test("the operators' console needs a platform role, and support may read but not suspend", arguments: TestDatabase.all)
    func operatorRoles(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let notOperator = ConsoleBrowser.signedIn(client, accessToken: owner.accessToken, admin: true)
            #expect(try await notOperator.get("/admin/tenants").status == .forbidden)

            let support = try await client.signedInOperator(context.identity, role: .support)
            let browser = ConsoleBrowser.signedIn(client, accessToken: support.token, admin: true)
            let page = try await browser.get("/admin/tenants/\(owner.tenantID)")
            #expect(page.status == .ok)
            #expect(!page.html.contains("id=\"suspend\""))
            let forged = try await browser.post("/admin/tenants/\(owner.tenantID)/suspend", [("reason", "no")])
            #expect(forged.status == .forbidden)
            #expect(try await browser.get("/admin/tenants/\(UUID().uuidString.lowercased())").status == .notFound)

            // A member of a tenant signing in at /admin is refused and gets no session.
            let anonymous = ConsoleBrowser(client)
            _ = try await anonymous.get("/admin/sign-in")
            let refused = try await anonymous.post(
                "/admin/sign-in", [("email", owner.email), ("password", owner.password)])
            #expect(refused.status == .forbidden)
            #expect(refused.setCookie("tenantry_admin") == nil)
        }
    }

    @Test(
        "an operator changes a tenant's plan, asks for its export and purges it from its page; the overview, plans and audit pages read the platform",
        arguments: TestDatabase.all)
    func operatorTenantPage(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let op = try await client.signedInOperator(context.identity)
            let admin = ConsoleBrowser.signedIn(client, accessToken: op.token, admin: true)
            let path = "/admin/tenants/\(owner.tenantID)"
            let page = try await admin.get(path)
            #expect(page.html.contains("id=\"change-plan\"") && page.html.contains("id=\"purge\""))
            let moved = try await admin.post(path + "/plan", [("plan", "pro")])
            #expect(moved.location == path + "?notice=plan_changed")
            #expect(try await admin.get(path).html.contains("<option value=\"pro\" selected>"))
            let unknown = try await admin.post(path + "/plan", [("plan", "no-such-plan")])
            #expect(unknown.status == .unprocessableContent || unknown.status == .notFound)

            let exported = try await admin.post(path + "/exports")
            #expect(exported.location == path + "?notice=export_requested")
            #expect(try await admin.get(path).html.contains("data-status=\"queued\""))

            let overview = try await admin.get("/admin")
            #expect(overview.status == .ok && overview.html.contains("<h2>"))
            let plans = try await admin.get("/admin/plans")
            #expect(plans.html.contains("data-plan-id=\"free\"") && plans.html.contains("data-plan-id=\"pro\""))
            let audit = try await admin.get("/admin/audit?tenant_id=\(owner.tenantID)")
            #expect(audit.html.contains("<code>tenant.plan_changed</code>"))

            let mismatch = try await admin.post(path + "/purge", [("confirm", "wrong")])
            #expect(mismatch.status == .unprocessableContent)
            let purged = try await admin.post(path + "/purge", [("confirm", owner.tenantSlug)])
            #expect(purged.location == "/admin/tenants?notice=tenant_purged")
            #expect(try await admin.get(path).status == .notFound)
        }
    }

    @Test("pages speak the person's language, then the tenant's default, then Accept-Language", arguments: TestDatabase.all)
    func languages(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let anonymous = ConsoleBrowser(client)
            let portuguese = try await anonymous.get("/console/sign-in", headers: [.acceptLanguage: "pt-BR,pt;q=0.9,en;q=0.8"])
            #expect(portuguese.html.contains("<html lang=\"pt-BR\">"))
            #expect(portuguese.html.contains("Entrar"))
            let english = try await anonymous.get("/console/sign-in", headers: [.acceptLanguage: "de-DE, en;q=0.5"])
            #expect(english.html.contains("<html lang=\"en\">"))

            let owner = try await client.register()
            let browser = ConsoleBrowser.signedIn(client, accessToken: owner.accessToken)
            _ = try await browser.get("/console/profile")
            let saved = try await browser.post("/console/profile", [("name", "Ada"), ("locale", "pt-BR")])
            #expect(saved.location == "/console/profile?notice=profile_saved")
            let members = try await browser.get("/console/members", headers: [.acceptLanguage: "en"])
            #expect(members.html.contains("<html lang=\"pt-BR\">"))
            #expect(members.html.contains(">Membros</a>"))
            #expect(members.html.contains("1 membro exibido"))

            // Back to no preference: the tenant's default decides.
            _ = try await browser.post("/console/profile", [("name", "Ada"), ("locale", "")])
            let patched = try await client.json(
                .patch, "/api/v1/tenant", ["settings": ["default_language": "pt-BR"]], token: owner.accessToken,
                headers: [.init("Idempotency-Key")!: UUID().uuidString])
            #expect(patched.status == .ok, "\(patched.raw)")
            let tenantDefault = try await browser.get("/console", headers: [.acceptLanguage: "en"])
            #expect(tenantDefault.html.contains("<html lang=\"pt-BR\">"))
        }
    }

    @Test("creating an API key shows its secret once; revoking it marks the row revoked", arguments: TestDatabase.all)
    func apiKeys(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let browser = ConsoleBrowser.signedIn(client, accessToken: owner.accessToken)
            _ = try await browser.get("/console/api-keys")
            let created = try await browser.post("/console/api-keys", [("name", "deploy bot")])
            #expect(created.status == .created)
            #expect(created.headers[.cacheControl] == "no-store")
            let marker = "<code id=\"new-key-secret\" class=\"secret\">"
            let start = try #require(created.html.range(of: marker))
            let secret = String(created.html[start.upperBound...].prefix { $0 != "<" })
            #expect(secret.hasPrefix("tnty_"))
            // The secret works against the API, and the list never shows it again.
            #expect(try await client.json(.get, "/api/v1/members", token: secret).status == .ok)
            let list = try await browser.get("/console/api-keys")
            #expect(!list.html.contains(secret))
            let id = try #require(ConsoleBrowser.attribute("data-key-id", in: list.html))
            let revoked = try await browser.post("/console/api-keys/\(id)/revoke")
            #expect(revoked.location == "/console/api-keys?notice=key_revoked")
            #expect(try await browser.get("/console/api-keys").html.contains("data-key-id=\"\(id)\" data-status=\"revoked\""))
            #expect(try await client.json(.get, "/api/v1/members", token: secret).status == .unauthorized)

            // A bad name re-shows the form with the problem, as the API would answer it.
            let invalid = try await browser.post("/console/api-keys", [("name", "")])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.html.contains("role=\"alert\""))
        }
    }

    @Test(
        "teams and custom roles are managed from the console, each change checked as the API checks it",
        arguments: TestDatabase.all)
    func teamsAndRoles(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let fixture = try await client.accessFixture(context)
            let owner = ConsoleBrowser.signedIn(client, accessToken: fixture.ownerToken)
            _ = try await owner.get("/console/teams")
            let created = try await owner.post("/console/teams", [("name", "Platform"), ("description", "Infra")])
            let location = try #require(created.location)
            #expect(location.hasPrefix("/console/teams/") && location.hasSuffix("?notice=team_created"))
            let teamPath = String(location.prefix { $0 != "?" })
            let added = try await owner.post(teamPath + "/members", [("user_id", fixture.member.userID)])
            #expect(added.location == teamPath + "?notice=team_member_added")
            let team = try await owner.get(teamPath)
            #expect(team.html.contains("data-user-id=\"\(fixture.member.userID)\""))
            let removed = try await owner.post(teamPath + "/members/\(fixture.member.userID)/remove")
            #expect(removed.location == teamPath + "?notice=team_member_removed")

            let roles = try await owner.get("/console/roles")
            #expect(roles.html.contains("value=\"members:read\""))
            let role = try await owner.post(
                "/console/roles", [("name", "Auditor"), ("permission", "audit:read"), ("permission", "members:read")])
            let rolePath = String(try #require(role.location).prefix { $0 != "?" })
            let page = try await owner.get(rolePath)
            #expect(page.html.contains("value=\"audit:read\" checked"))
            #expect(!page.html.contains("value=\"members:manage\" checked"))
            let unknown = try await owner.post("/console/roles", [("name", "Bad"), ("permission", "nope:nothing")])
            #expect(unknown.status == .unprocessableContent)

            // A viewer reads teams but cannot create one, and sees no role editor.
            let viewer = ConsoleBrowser.signedIn(client, accessToken: fixture.viewer.token)
            let viewerTeams = try await viewer.get("/console/teams")
            #expect(viewerTeams.status == .ok && !viewerTeams.html.contains("id=\"create-team\""))
            #expect(try await viewer.post("/console/teams", [("name", "Nope")]).status == .forbidden)
            #expect(try await viewer.post(rolePath + "/delete").status == .forbidden)
            let deleted = try await owner.post(rolePath + "/delete")
            #expect(deleted.location == "/console/roles?notice=role_deleted")
        }
    }

    @Test("the audit log page filters and exports the tenant's log; the usage page charts its days", arguments: TestDatabase.all)
    func auditAndUsage(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let fixture = try await client.accessFixture(context)
            let owner = ConsoleBrowser.signedIn(client, accessToken: fixture.ownerToken)
            let log = try await owner.get("/console/audit?action=member.added")
            #expect(log.status == .ok)
            #expect(log.html.contains("<code>member.added</code>"))
            #expect(!log.html.contains("<code>tenant.created</code>"), "the filter applies")
            let csv = try await owner.get("/console/audit/export?format=csv&action=member.added")
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(
                csv.html.split(whereSeparator: \.isNewline).count == 4,
                "a header and the three members added: \(csv.html.debugDescription)")
            #expect(try await owner.get("/console/audit?from=yesterday").status == .unprocessableContent)

            let usage = try await owner.get("/console/usage")
            #expect(usage.status == .ok)
            #expect(usage.html.contains("<svg class=\"chart\" role=\"img\""))
            #expect(usage.html.contains("<title id=\"requests-title\">"))
            #expect(try await owner.get("/console/usage?from=2026-13-01").status == .unprocessableContent)

            // A viewer holds neither permission: no links, and 403 on the pages.
            let viewer = ConsoleBrowser.signedIn(client, accessToken: fixture.viewer.token)
            let overview = try await viewer.get("/console")
            #expect(!overview.html.contains("href=\"/console/audit\""))
            #expect(try await viewer.get("/console/audit").status == .forbidden)
            #expect(try await viewer.get("/console/audit/export?format=csv").status == .forbidden)
        }
    }

    @Test(
        "settings are saved with the API's checks, contrast included; exports, deletion and restore run from the data page",
        arguments: TestDatabase.all)
    func settingsAndData(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let fixture = try await client.accessFixture(context)
            let owner = ConsoleBrowser.signedIn(client, accessToken: fixture.ownerToken)
            _ = try await owner.get("/console/settings")
            let pale = try await owner.post(
                "/console/settings", [("name", "Acme"), ("primary_color", "#FFEE00"), ("default_language", "pt-BR")])
            #expect(pale.status == .unprocessableContent)
            #expect(pale.html.contains("role=\"alert\"") && pale.html.contains("contrast"))
            let saved = try await owner.post(
                "/console/settings",
                [("name", "Acme Renamed"), ("primary_color", "#0b6e61"), ("default_language", "pt-BR"), ("mfa_policy", "admins")])
            #expect(saved.location == "/console/settings?notice=settings_saved")
            let tenant = try await client.json(.get, "/api/v1/tenant", token: fixture.ownerToken)
            #expect(tenant.body["name"] as? String == "Acme Renamed")
            #expect((tenant.body["branding"] as? [String: Any])?["primary_color"] as? String == "#0B6E61")
            #expect((tenant.body["settings"] as? [String: Any])?["mfa_policy"] as? String == "admins")

            let member = ConsoleBrowser.signedIn(client, accessToken: fixture.member.token)
            let readOnly = try await member.get("/console/settings")
            #expect(readOnly.status == .ok && readOnly.html.contains(" disabled>") && !readOnly.html.contains("Salvar configura"))
            #expect(try await member.post("/console/settings", [("name", "Mine")]).status == .forbidden)
            #expect(try await member.get("/console/data").status == .forbidden)

            _ = try await owner.get("/console/data")
            let requested = try await owner.post("/console/data/exports")
            #expect(requested.location == "/console/data?notice=export_requested")
            let listed = try await owner.get("/console/data")
            #expect(listed.html.contains("data-status=\"queued\""))

            let wrong = try await owner.post("/console/data/delete", [("confirm", "not-the-slug")])
            #expect(wrong.status == .unprocessableContent)
            let deleted = try await owner.post("/console/data/delete", [("confirm", fixture.owner.tenantSlug)])
            #expect(deleted.location == "/console/data?notice=deletion_scheduled")
            let overview = try await owner.get("/console")
            #expect(overview.html.contains("id=\"restore-tenant\""))
            let restored = try await owner.post("/console/data/restore")
            #expect(restored.location == "/console?notice=tenant_restored")
            #expect(!(try await owner.get("/console")).html.contains("id=\"restore-tenant\""))

            // Without Stripe, the billing page says billing is off.
            let billing = try await owner.get("/console/billing")
            #expect(billing.status == .ok)
            #expect(billing.html.contains("não está configurada") || billing.html.contains("not configured"))
        }
    }

    @Test(
        "an inbound webhook source is made from the console, its secret and receiving URL shown once", arguments: TestDatabase.all
    )
    func webhookSources(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let browser = ConsoleBrowser.signedIn(client, accessToken: owner.accessToken)
            _ = try await browser.get("/console/webhook-sources")
            let created = try await browser.post("/console/webhook-sources", [("name", "Payments"), ("scheme", "stripe")])
            #expect(created.status == .created)
            #expect(created.html.contains("id=\"new-source-secret\"") && created.html.contains("/receive</code>"))
            let id = try #require(ConsoleBrowser.attribute("data-source-id", in: created.html))
            let detail = try await browser.get("/console/webhook-sources/\(id)")
            #expect(detail.status == .ok && !detail.html.contains("new-source-secret"))
            let bad = try await browser.post(
                "/console/webhook-sources", [("name", "Bad"), ("scheme", "stripe"), ("signature_header", "X-Sig")])
            #expect(bad.status == .unprocessableContent)
            let deleted = try await browser.post("/console/webhook-sources/\(id)/delete")
            #expect(deleted.location == "/console/webhook-sources?notice=source_deleted")
        }
    }

    @Test(
        "a tenant's own host shows its sign-in with the workspace filled in, in its default language", arguments: TestDatabase.all
    )
    func hostSignIn(engine: TestDatabase) async throws {
        try await withTestApplication(engine, configure: { $0.consoleBaseDomain = "console.example.com" }) { client, _ in
            let owner = try await client.register(tenantName: "Host Test \(UUID().uuidString.prefix(4))")
            _ = try await client.json(
                .patch, "/api/v1/tenant", ["settings": ["default_language": "pt-BR"]], token: owner.accessToken,
                headers: [HTTPField.Name("Idempotency-Key")!: UUID().uuidString])
            let browser = ConsoleBrowser(client)
            let page = try await browser.get(
                "/console/sign-in",
                headers: [HTTPField.Name("Host")!: "\(owner.tenantSlug).console.example.com", .acceptLanguage: "en"])
            #expect(page.html.contains("<input type=\"hidden\" name=\"tenant\" value=\"\(owner.tenantSlug)\">"))
            #expect(page.html.contains("<html lang=\"pt-BR\">"))
            #expect(!page.html.contains("id=\"tenant-hint\""))
            let signedIn = try await browser.post(
                "/console/sign-in", [("email", owner.email), ("password", owner.password), ("tenant", owner.tenantSlug)],
                headers: [HTTPField.Name("Host")!: "\(owner.tenantSlug).console.example.com"])
            #expect(signedIn.location == "/console")

            // An unknown slug, another domain, or a nested name brand nothing.
            for host in ["nobody.console.example.com", "example.org", "a.\(owner.tenantSlug).console.example.com"] {
                let plain = try await ConsoleBrowser(client).get("/console/sign-in", headers: [HTTPField.Name("Host")!: host])
                #expect(plain.html.contains("id=\"tenant-hint\""), "\(host)")
            }
        }
    }

    @Test(
        "pending invitations are resent and revoked, and ownership handed over, from the members page",
        arguments: TestDatabase.all)
    func invitationsAndOwnership(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let fixture = try await client.accessFixture(context)
            let owner = ConsoleBrowser.signedIn(client, accessToken: fixture.ownerToken)
            _ = try await owner.get("/console/members")
            let email = "pending-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            #expect(try await owner.post("/console/members/invite", [("email", email), ("role", "viewer")]).status == .seeOther)
            let page = try await owner.get("/console/members")
            let id = try #require(ConsoleBrowser.attribute("data-invitation-id", in: page.html))
            #expect(
                try await owner.post("/console/invitations/\(id)/resend").location == "/console/members?notice=invitation_resent")
            #expect(
                try await owner.post("/console/invitations/\(id)/revoke").location == "/console/members?notice=invitation_revoked"
            )
            #expect(!(try await owner.get("/console/members")).html.contains(email))

            // Only an owner sees the hand-over, and the admin cannot post it.
            let admin = ConsoleBrowser.signedIn(client, accessToken: fixture.admin.token)
            #expect(!(try await admin.get("/console/members")).html.contains("/ownership\""))
            #expect(try await admin.post("/console/members/\(fixture.member.userID)/ownership").status == .forbidden)
            #expect(page.html.contains("/console/members/\(fixture.admin.userID)/ownership"))
            let handed = try await owner.post("/console/members/\(fixture.admin.userID)/ownership")
            #expect(handed.location == "/console/members?notice=ownership_transferred")
            let members = try await client.json(.get, "/api/v1/members/\(fixture.admin.userID)", token: fixture.admin.token)
            #expect(members.body["role"] as? String == "owner")
        }
    }

    @Test("every permission is described in both catalogues")
    func permissionWords() throws {
        let strings = try Self.catalogueKeys()
        for permission in PermissionCatalogue.all {
            #expect(strings.english.contains("permissions.\(permission.rawValue)"), "\(permission.rawValue)")
        }
        for module in PermissionCatalogue.modules {
            #expect(strings.english.contains("modules.\(module.id)"), "\(module.id)")
        }
    }

    static var consoleFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/TenantryHTTP/Console")
    }

    /// Every dotted key of each catalogue.
    static func catalogueKeys() throws -> (english: Set<String>, portuguese: Set<String>) {
        func keys(_ file: String) throws -> Set<String> {
            let data = try Data(contentsOf: consoleFolder.appendingPathComponent("Strings/\(file)"))
            var keys = Set<String>()
            func walk(_ value: Any, _ prefix: String) {
                if let object = value as? [String: Any] {
                    for (key, nested) in object { walk(nested, prefix.isEmpty ? key : "\(prefix).\(key)") }
                } else {
                    keys.insert(prefix)
                }
            }
            walk(try JSONSerialization.jsonObject(with: data), "")
            return keys
        }
        return (try keys("en.json"), try keys("pt-BR.json"))
    }

    @Test("both string catalogues have the same keys, and every key a template names exists")
    func catalogues() throws {
        let folder = Self.consoleFolder
        let (english, portuguese) = try Self.catalogueKeys()
        #expect(english.subtracting(portuguese).isEmpty, "missing in pt-BR: \(english.subtracting(portuguese).sorted())")
        #expect(portuguese.subtracting(english).isEmpty, "missing in en: \(portuguese.subtracting(english).sorted())")
        let templates = try FileManager.default.contentsOfDirectory(
            at: folder.appendingPathComponent("Templates"), includingPropertiesForKeys: nil)
        #expect(templates.count >= 14)
        let pattern = /\{\{[#^\/]?t\.([a-z_.\-]+)\}\}/
        var named = 0
        for template in templates {
            let text = try String(contentsOf: template, encoding: .utf8)
            for match in text.matches(of: pattern) {
                named += 1
                let key = String(match.1)
                #expect(english.contains(key), "\(template.lastPathComponent) names \(key), which no catalogue has")
            }
        }
        #expect(named > 100)
    }
}

extension ConsoleBrowser {
    /// The value of the first `name="…"` attribute in `html`.
    static func attribute(_ name: String, in html: String) -> String? {
        guard let range = html.range(of: "\(name)=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}

@Suite("Console formatting")
struct ConsoleFormattingTests {
    @Test("numbers are grouped the language's way")
    func grouping() {
        #expect(ConsoleFormat.integer(0, .english) == "0")
        #expect(ConsoleFormat.integer(999, .english) == "999")
        #expect(ConsoleFormat.integer(1_234, .english) == "1,234")
        #expect(ConsoleFormat.integer(1_234_567, .portuguese) == "1.234.567")
        #expect(ConsoleFormat.integer(-12_345, .english) == "-12,345")
    }
}

/// `bytes` decompressed by the system's gzip, an implementation other than the server's.
private func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-dc"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(bytes))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    return Array(data)
}
