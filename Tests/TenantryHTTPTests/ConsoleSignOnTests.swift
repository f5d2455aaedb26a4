import Foundation
import HTTPTypes
import HummingbirdTesting
import TenantryCore
import TenantryTestSupport
import Testing

@Suite("Console: single sign-on and domains")
struct ConsoleSignOnTests {
    static let returnURL = "http://127.0.0.1:9/app/signed-in"

    @Test(
        "SSO connections are made, changed and deleted from the console with the API's checks, and show what the provider needs",
        arguments: TestDatabase.all)
    func connections(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let fixture = try await client.accessFixture(context)
            let admin = ConsoleBrowser.signedIn(client, accessToken: fixture.admin.token)
            let list = try await admin.get("/console/sso")
            #expect(list.status == .ok)
            #expect(list.html.contains("href=\"/console/sso\"") && list.html.contains("href=\"/console/domains\""))
            #expect(list.html.contains("id=\"create-connection\""))

            let created = try await admin.post(
                "/console/sso",
                [
                    ("name", "ADFS"), ("domains", "Acme.Example, corp.example"), ("return_url", Self.returnURL),
                    ("default_role", "viewer"), ("protocol", "saml"), ("metadata_xml", try SAMLPeer.metadata()),
                ])
            #expect(created.status == .seeOther, "\(created.html)")
            let location = try #require(created.location)
            #expect(location.hasSuffix("?notice=connection_created"))
            let id = String(location.dropFirst("/console/sso/".count).prefix { $0 != "?" })
            let detail = try await admin.get("/console/sso/\(id)")
            #expect(detail.status == .ok)
            #expect(detail.html.contains("id=\"acs-url\">") && detail.html.contains("/acs</code>"))
            #expect(detail.html.contains(SAMLPeer.entityID))
            let api = try await client.json(.get, "/api/v1/sso/connections/\(id)", token: fixture.admin.token)
            #expect(api.body["domains"] as? [String] == ["acme.example", "corp.example"])
            #expect(api.body["default_role"] as? String == "viewer")

            // The API's checks: plain http to a public host, and no protocol settings.
            let insecure = try await admin.post(
                "/console/sso",
                [
                    ("name", "Okta"), ("domains", "acme.example"), ("return_url", "http://app.example/cb"),
                    ("protocol", "oidc"), ("issuer", "https://id.acme.example"), ("client_id", "abc"),
                ])
            #expect(insecure.status == .unprocessableContent)
            #expect(insecure.html.contains("class=\"error\""))
            let oidc = try await admin.post(
                "/console/sso",
                [
                    ("name", "Okta"), ("domains", "okta.example"), ("return_url", Self.returnURL), ("protocol", "oidc"),
                    ("preset", "custom"), ("issuer", "https://id.acme.example"), ("client_id", "abc"),
                    ("client_secret", "s3cret-value"),
                ])
            #expect(oidc.status == .seeOther, "\(oidc.html)")
            let oidcPage = try await admin.get(try #require(oidc.location))
            #expect(oidcPage.html.contains("/api/v1/auth/sso/oidc/callback") && !oidcPage.html.contains("s3cret-value"))

            // A change: renamed and disabled (the box unticked).
            let changed = try await admin.post(
                "/console/sso/\(id)",
                [("name", "ADFS 2"), ("domains", "acme.example"), ("return_url", Self.returnURL), ("default_role", "member")])
            #expect(changed.location == "/console/sso/\(id)?notice=connection_saved")
            let after = try await client.json(.get, "/api/v1/sso/connections/\(id)", token: fixture.admin.token)
            #expect(after.body["name"] as? String == "ADFS 2")
            #expect(after.body["enabled"] as? Bool == false)
            #expect(after.body["domains"] as? [String] == ["acme.example"])

            // A viewer sees no link and gets 403; a forged post too.
            let viewer = ConsoleBrowser.signedIn(client, accessToken: fixture.viewer.token)
            let overview = try await viewer.get("/console")
            #expect(!overview.html.contains("href=\"/console/sso\""))
            #expect(try await viewer.get("/console/sso").status == .forbidden)
            #expect(try await viewer.post("/console/sso/\(id)/delete").status == .forbidden)

            let deleted = try await admin.post("/console/sso/\(id)/delete")
            #expect(deleted.location == "/console/sso?notice=connection_deleted")
            #expect(try await admin.get("/console/sso/\(id)").status == .notFound)

            // Without the `sso` module the link goes and the pages are not there (404, as in the API).
            let operatorToken = try await client.signedInOperator(context.identity)
            try await PlansTests.override(client, operatorToken, tenant: fixture.owner.tenantID, ["modules": ["sso": false]])
            let withoutModule = try await admin.get("/console")
            #expect(!withoutModule.html.contains("href=\"/console/sso\""))
            #expect(try await admin.get("/console/sso").status == .notFound)
        }
    }

    @Test(
        "a tenant's branded sign-in offers its SSO connections, and the sign-on lands in the console only in the browser that began it",
        arguments: TestDatabase.all)
    func signOnFromTheSignInPage(engine: TestDatabase) async throws {
        try await withTestApplication(engine, configure: { $0.consoleBaseDomain = "console.example.com" }) { client, _ in
            let owner = try await client.register()
            let created = try await client.json(
                .post, "/api/v1/sso/connections",
                [
                    "name": "Acme IdP", "domains": ["acme.example"], "return_url": Self.returnURL,
                    "saml": ["metadata_xml": try SAMLPeer.metadata()],
                ], token: owner.accessToken)
            let connectionID = try #require(created.body["id"] as? String, "\(created.raw)")
            let settings = try #require(created.body["saml"] as? [String: Any])
            let acs = try #require(settings["acs_url"] as? String)
            let acsPath = try #require(URL(string: acs)?.path)
            let host: HTTPFields = [HTTPField.Name("Host")!: "\(owner.tenantSlug).console.example.com"]

            let browser = ConsoleBrowser(client)
            let page = try await browser.get("/console/sign-in", headers: host)
            let start = "/console/sign-in/sso/start?tenant=\(owner.tenantSlug)&connection=\(connectionID)"
            #expect(
                page.html.contains(
                    "href=\"/console/sign-in/sso/start?tenant=\(owner.tenantSlug)&amp;connection=\(connectionID)\""))
            #expect(page.html.contains("Acme IdP"))
            // The public host names no tenant: no buttons.
            #expect(!(try await ConsoleBrowser(client).get("/console/sign-in")).html.contains("/console/sign-in/sso"))

            // A host that names another tenant (or none) cannot be the landing.
            let elsewhere = try await browser.get(start, headers: [HTTPField.Name("Host")!: "nobody.console.example.com"])
            #expect(elsewhere.status == .notFound)

            let started = try await browser.get(start, headers: host)
            #expect(started.status == .seeOther)
            let cookie = try #require(started.setCookie("tenantry_console_sso"))
            #expect(
                cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/console/sign-in/sso"))
            let request = try await SAMLPeer.inspect(try #require(started.location))
            let response = try await SAMLPeer.response([
                "in_response_to": try #require(request["id"] as? String), "destination": acs, "recipient": acs,
                "audience": try #require(settings["sp_entity_id"] as? String), "name_id": "ada@acme.example",
                "assertion_id": "_a-\(UUID().uuidString)",
            ])
            let landed = try await client.raw(
                .post, acsPath, contentType: "application/x-www-form-urlencoded",
                body: formEncoded(["SAMLResponse": response, "RelayState": try #require(request["relay_state"] as? String)]))
            #expect(landed.status == .found, "\(landed.body)")
            let landing = try #require(landed.location)
            let landingURL = try #require(URL(string: landing))
            #expect(landingURL.host == "\(owner.tenantSlug).console.example.com")
            #expect(landingURL.path == "/console/sign-in/sso")
            let path = landingURL.path + "?" + (landingURL.query ?? "")

            // Another browser, without the cookie, is not signed in, and the code survives it.
            let stranger = try await ConsoleBrowser(client).get(path, headers: host)
            #expect(stranger.location == "/console/sign-in?notice=sso_failed")
            #expect(stranger.setCookie("tenantry_console") == nil)

            let signedIn = try await browser.get(path, headers: host)
            #expect(signedIn.status == .ok)
            #expect(signedIn.html.contains("<meta http-equiv=\"refresh\" content=\"0; url=/console\">"))
            #expect(signedIn.setCookie("tenantry_console")?.contains("SameSite=Strict") == true)
            #expect(signedIn.setCookie("tenantry_console_sso")?.contains("Max-Age=0") == true)
            let console = try await browser.get("/console", headers: host)
            #expect(console.status == .ok)
            #expect(console.html.contains("ada"))
            // The code worked once.
            #expect(try await browser.get(path, headers: host).location == "/console/sign-in?notice=sso_failed")
        }
    }

    @Test(
        "a domain is claimed, proven and given a policy from the console, and requests to join are decided there",
        arguments: TestDatabase.all)
    func domains(engine: TestDatabase) async throws {
        try await DomainTests.withDomainApplication(engine) { client, context, port in
            let owner = try await client.register()
            let browser = ConsoleBrowser.signedIn(client, accessToken: owner.accessToken)
            _ = try await browser.get("/console/domains")
            let claimed = try await browser.post("/console/domains", [("domain", "Acme.Example")])
            #expect(claimed.status == .seeOther)
            let location = try #require(claimed.location)
            let id = String(location.dropFirst("/console/domains/".count).prefix { $0 != "?" })
            let page = try await browser.get("/console/domains/\(id)")
            #expect(page.html.contains("_tenantry-challenge.acme.example"))
            let bad = try await browser.post("/console/domains", [("domain", "not a domain")])
            #expect(bad.status == .unprocessableContent)

            // Not in the DNS yet: the page says so, with the API's status.
            try await DnsmasqServer.with(["--local=/example/"], port: port) { _ in
                let early = try await browser.post("/console/domains/\(id)/verify")
                #expect(early.status == .unprocessableContent, "\(early.html)")
            }
            let claim = try await client.json(.get, "/api/v1/domains/\(id)", token: owner.accessToken)
            try await DnsmasqServer.with(try DomainTests.records([claim.body]), port: port) { _ in
                let verified = try await browser.post("/console/domains/\(id)/verify")
                #expect(verified.location == "/console/domains/\(id)?notice=domain_verified")
            }
            let saved = try await browser.post(
                "/console/domains/\(id)", [("join_policy", "approval"), ("default_role", "viewer")])
            #expect(saved.location == "/console/domains/\(id)?notice=domain_saved")
            let policy = try await client.json(.get, "/api/v1/domains/\(id)", token: owner.accessToken)
            #expect(policy.body["join_policy"] as? String == "approval")
            #expect(policy.body["sso_required"] as? Bool == false)

            // Someone at the domain asks to join; the owner approves in the console.
            let registered = try await client.json(
                .post, "/api/v1/auth/register", ["email": "sam@acme.example", "password": owner.password, "name": "Sam"])
            #expect(registered.status == .accepted, "\(registered.raw)")
            let token = try await DomainTests.verificationToken(to: "sam@acme.example", context)
            #expect(try await client.json(.post, "/api/v1/auth/verify-email", ["token": token]).status == .ok)
            let list = try await browser.get("/console/domains")
            #expect(list.html.contains("sam@acme.example"))
            let requestID = try #require(ConsoleBrowser.attribute("data-request-id", in: list.html))

            // Another tenant's console cannot decide it.
            let other = try await client.register()
            let stranger = ConsoleBrowser.signedIn(client, accessToken: other.accessToken)
            _ = try await stranger.get("/console/domains")
            #expect(try await stranger.post("/console/domains/join-requests/\(requestID)/approve").status == .notFound)
            #expect(try await stranger.get("/console/domains/\(id)").status == .notFound)

            let approved = try await browser.post("/console/domains/join-requests/\(requestID)/approve")
            #expect(approved.location == "/console/domains?notice=request_approved")
            let sam = try await client.login(email: "sam@acme.example", password: owner.password)
            #expect((sam.body["tenant"] as? [String: Any])?["id"] as? String == owner.tenantID, "\(sam.body)")

            let released = try await browser.post("/console/domains/\(id)/delete")
            #expect(released.location == "/console/domains?notice=domain_released")
        }
    }
}

@Suite("Console: keys and passwords")
struct ConsoleAccountTests {
    @Test(
        "a member changes their password on the security page (the API's checks; other sessions end), and an API key is rotated with its new secret shown once",
        arguments: TestDatabase.all)
    func passwordAndKeyRotation(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let other = try await client.login(email: owner.email, password: owner.password)
            let otherToken = try #require(other.accessToken)
            let browser = ConsoleBrowser.signedIn(client, accessToken: owner.accessToken)
            // The members page's hand-written rows escape a person's name.
            let renamed = try await client.json(.patch, "/api/v1/me", ["name": "<i>Ada</i> & Co"], token: owner.accessToken)
            #expect(renamed.status == .ok, "\(renamed.raw)")
            let members = try await browser.get("/console/members")
            #expect(members.html.contains("<td>&lt;i&gt;Ada&lt;/i&gt; &amp; Co</td>") && !members.html.contains("<i>Ada"))
            #expect(try await browser.get("/console/security").html.contains("id=\"change-password\""))
            let wrong = try await browser.post(
                "/console/security/password", [("current_password", "not it"), ("new_password", "a brand new pass phrase")])
            #expect(wrong.status == .unprocessableContent)
            let weak = try await browser.post(
                "/console/security/password", [("current_password", owner.password), ("new_password", "short")])
            #expect(weak.status == .unprocessableContent)
            let changed = try await browser.post(
                "/console/security/password",
                [("current_password", owner.password), ("new_password", "a brand new pass phrase")])
            #expect(changed.location == "/console/security?notice=password_changed")
            #expect(try await client.meStatus(otherToken) == .unauthorized)
            #expect(try await browser.get("/console").status == .ok, "this session goes on")
            #expect(try await client.login(email: owner.email, password: owner.password).status == .unauthorized)
            #expect(try await client.login(email: owner.email, password: "a brand new pass phrase").status == .ok)

            let key = try await client.createKey(token: owner.accessToken, scopes: ["members:read"])
            _ = try await browser.get("/console/api-keys")
            let rotated = try await browser.post("/console/api-keys/\(key.id)/rotate")
            #expect(rotated.status == .ok)
            #expect(rotated.headers[.cacheControl] == "no-store")
            let secret = try #require(
                rotated.html.firstMatch(of: /id="new-key-secret" class="secret">([^<]+)</)?.output.1)
            #expect(String(secret) != key.secret)
            let again = try await browser.get("/console/api-keys")
            #expect(!again.html.contains(String(secret)))
        }
    }
}
