import Foundation
import HTTPTypes
import HummingbirdTesting
import TenantryCore
import TenantryTestSupport
import Testing

@Suite("Social sign-in: platform connections to Google and Microsoft")
struct SocialSignInTests {
    static let returnURL = "http://127.0.0.1:9/app/social"

    @Test(
        "operators manage the connections: the secret is sealed and never returned, one per provider, bad input is 422, changes are audited",
        arguments: TestDatabase.all)
    func operatorRoutes(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let created = try await client.json(
                .post, "/api/v1/platform/social-connections",
                [
                    "provider": "google", "client_id": "google-client", "client_secret": "g00gle-secret-value",
                    "return_urls": [Self.returnURL], "allowed_domains": ["Example.COM"],
                ], token: admin.token)
            #expect(created.status == .created, "\(created.raw)")
            #expect(!created.raw.contains("g00gle-secret-value"))
            #expect(created.body["issuer"] as? String == "https://accounts.google.com")
            #expect(created.body["allowed_domains"] as? [String] == ["example.com"])
            #expect((created.body["redirect_uri"] as? String)?.hasSuffix("/api/v1/auth/social/callback") == true)
            let stored = try await context.database.database.withGlobal { scope in
                try await scope.sql.raw("SELECT client_secret FROM social_connections").first(
                    decodingColumn: "client_secret", as: String.self)
            }
            #expect(stored != nil && stored?.contains("g00gle-secret-value") == false)
            let id = try #require(created.body["id"] as? String)

            let microsoft = try await client.json(
                .post, "/api/v1/platform/social-connections",
                ["provider": "microsoft", "client_id": "ms", "return_urls": [Self.returnURL]], token: admin.token)
            #expect(microsoft.status == .created, "\(microsoft.raw)")
            #expect(microsoft.body["issuer"] as? String == "https://login.microsoftonline.com/organizations/v2.0")

            let second = try await client.json(
                .post, "/api/v1/platform/social-connections",
                ["provider": "google", "client_id": "again", "return_urls": [Self.returnURL]], token: admin.token)
            #expect(second.status == .conflict, "\(second.raw)")
            for (body, field) in [
                (["provider": "facebook", "client_id": "x", "return_urls": [Self.returnURL]], "provider"),
                (["provider": "google", "client_id": "x", "return_urls": ["http://app.example/cb"]], "return_urls.0"),
                (["provider": "google", "client_id": "x", "return_urls": [] as [String]], "return_urls"),
                (["provider": "google", "client_id": " ", "return_urls": [Self.returnURL]], "client_id"),
                (
                    ["provider": "google", "client_id": "x", "return_urls": [Self.returnURL], "issuer": "ftp://nope"],
                    "issuer"
                ),
            ] as [([String: Any], String)] {
                let refused = try await client.json(.post, "/api/v1/platform/social-connections", body, token: admin.token)
                #expect(refused.status == .unprocessableContent, "\(field): \(refused.raw)")
                let fields = (refused.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields.contains(field), "\(field): \(refused.raw)")
            }

            let changed = try await client.json(
                .patch, "/api/v1/platform/social-connections/\(id)",
                ["enabled": false, "client_secret": "another-secret-value"], token: admin.token)
            #expect(changed.status == .ok, "\(changed.raw)")
            #expect(changed.body["enabled"] as? Bool == false)
            #expect(!changed.raw.contains("another-secret-value"))
            let list = try await client.json(.get, "/api/v1/platform/social-connections", token: admin.token)
            #expect((list.body["items"] as? [[String: Any]])?.count == 2)
            #expect(!list.raw.contains("secret-value"))
            #expect(
                try await client.json(.delete, "/api/v1/platform/social-connections/\(id)", token: admin.token).status
                    == .noContent)
            #expect(
                try await client.json(.get, "/api/v1/platform/social-connections/\(id)", token: admin.token).status == .notFound)
            #expect(
                try await client.json(.get, "/api/v1/platform/social-connections/not-an-id", token: admin.token).status
                    == .notFound)
            let actions = try await platformAuditActions(context.database.database)
            for action in ["social_connection.created", "social_connection.updated", "social_connection.deleted"] {
                #expect(actions.contains(action), "\(action)")
            }
        }
    }

    @Test(
        "role matrix of the connection routes: no token 401, a non-operator 403, support reads only, a super admin changes",
        arguments: TestDatabase.all)
    func roleMatrix(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let member = try await client.register()
            let support = try await client.signedInOperator(context.identity, role: .support)
            let admin = try await client.signedInOperator(context.identity)
            let created = try await client.json(
                .post, "/api/v1/platform/social-connections",
                ["provider": "google", "client_id": "c", "return_urls": [Self.returnURL]], token: admin.token)
            let id = try #require(created.body["id"] as? String)
            let routes: [(HTTPRequest.Method, String, [String: Any]?, PlatformRole)] = [
                (.get, "/api/v1/platform/social-connections", nil, .support),
                (.get, "/api/v1/platform/social-connections/\(id)", nil, .support),
                (
                    .post, "/api/v1/platform/social-connections",
                    ["provider": "microsoft", "client_id": "m", "return_urls": [Self.returnURL]], .superAdmin
                ),
                (.patch, "/api/v1/platform/social-connections/\(id)", ["enabled": true], .superAdmin),
                (.delete, "/api/v1/platform/social-connections/\(id)", nil, .superAdmin),
            ]
            for (method, path, body, role) in routes {
                #expect(try await client.json(method, path, body).status == .unauthorized, "\(method) \(path)")
                #expect(
                    try await client.json(method, path, body, token: member.accessToken).status == .forbidden,
                    "\(method) \(path)")
                let asSupport = try await client.json(method, path, body, token: support.token).status
                #expect((asSupport == .forbidden) == (role == .superAdmin), "\(method) \(path): support got \(asSupport)")
            }
            for (method, path, body, _) in routes {
                let status = try await client.json(method, path, body, token: admin.token).status
                #expect([.ok, .created, .noContent].contains(status), "\(method) \(path): \(status)")
            }
        }
    }

    @Test(
        "oidc-provider-mock as Google: sign-up makes a verified account and its tenant, sign-in links by verified address, a second factor is still asked",
        arguments: TestDatabase.all)
    func signUpAndSignIn(engine: TestDatabase) async throws {
        let peer = try await SocialPeer.start()
        defer { peer.stop() }
        try await peer.person("carol", #"{"email": "carol@example.com", "email_verified": true, "name": "Carol Example"}"#)
        try await peer.person("dave", #"{"email": "dave@example.com", "email_verified": true}"#)
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            try await SocialPeer.connect(client, token: admin.token, issuer: peer.issuer)

            // Sign-up: the code comes back to the application, never a token.
            let landed = try await SocialPeer.signIn(client, as: "carol", intent: "sign_up", state: "s-1")
            #expect(landed.status == .found, "\(landed.body)")
            #expect(landed.location?.hasPrefix(Self.returnURL) == true)
            #expect(landed.location?.contains("token") == false)
            let back = queryItems(landed.location)
            #expect(back["state"] == "s-1")
            let code = try #require(back["code"])
            // Without the tenant's name: a 422 that leaves the code usable.
            let nameless = try await client.json(.post, "/api/v1/auth/sso/exchange", ["code": code])
            #expect(nameless.status == .unprocessableContent, "\(nameless.raw)")
            #expect(nameless.raw.contains("tenant_name"))
            let signedUp = try await client.json(
                .post, "/api/v1/auth/sso/exchange", ["code": code, "tenant_name": "Carol Co"])
            #expect(signedUp.status == .created, "\(signedUp.raw)")
            #expect(signedUp.body["role"] as? String == "owner")
            let user = try #require(signedUp.body["user"] as? [String: Any])
            #expect(user["email"] as? String == "carol@example.com")
            #expect(user["email_verified"] as? Bool == true)
            #expect(user["name"] as? String == "Carol Example")
            let tenant = try #require(signedUp.body["tenant"] as? [String: Any])
            #expect(tenant["slug"] as? String == "carol-co")
            let tenantID = try #require(tenant["id"] as? String)
            let access = try #require((signedUp.body["tokens"] as? [String: Any])?["access_token"] as? String)
            #expect(try await client.meStatus(access) == .ok)
            // The code works once.
            let twice = try await client.json(.post, "/api/v1/auth/sso/exchange", ["code": code, "tenant_name": "Again"])
            #expect(twice.status == .badRequest, "\(twice.raw)")
            #expect(twice.body["code"] as? String == "invalid_or_expired_token")

            // Sign-in of the account just made: the provider's verified address links to it.
            let again = try await SocialPeer.signIn(client, as: "carol", intent: "sign_in")
            #expect(again.status == .found, "\(again.body)")
            let signedIn = try await client.json(
                .post, "/api/v1/auth/sso/exchange", ["code": try #require(queryItems(again.location)["code"])])
            #expect(signedIn.status == .ok, "\(signedIn.raw)")
            #expect((signedIn.body["tenant"] as? [String: Any])?["id"] as? String == tenantID)
            let actions = try await tenantAuditActions(context.database.database, tenantID: tenantID)
            for action in ["auth.registered", "auth.social_succeeded", "auth.login_succeeded"] {
                #expect(actions.contains(action), "\(action)")
            }

            // A password account is linked by its (provider-verified) address, and its second
            // factor is still asked for.
            let dave = try await client.register(email: "dave@example.com")
            let linked = try await SocialPeer.signIn(client, as: "dave", intent: "sign_in")
            let daveIn = try await client.json(
                .post, "/api/v1/auth/sso/exchange", ["code": try #require(queryItems(linked.location)["code"])])
            #expect(daveIn.status == .ok, "\(daveIn.raw)")
            #expect((daveIn.body["tenant"] as? [String: Any])?["id"] as? String == dave.tenantID)
            _ = try await client.enableTOTP(token: dave.accessToken)
            let withFactor = try await SocialPeer.signIn(client, as: "dave", intent: "sign_in")
            let stepped = try await client.json(
                .post, "/api/v1/auth/sso/exchange", ["code": try #require(queryItems(withFactor.location)["code"])])
            #expect(stepped.status == .accepted, "\(stepped.raw)")
            #expect(stepped.body["status"] as? String == "mfa_required")
            #expect(stepped.body["tokens"] == nil)
        }
    }

    @Test(
        "refusals: an unverified address, an unknown person signing in, a sign-up of a known address, a disabled connection, an unknown provider, a return_to not allowed, a forged state",
        arguments: TestDatabase.all)
    func refusals(engine: TestDatabase) async throws {
        let peer = try await SocialPeer.start()
        defer { peer.stop() }
        try await peer.person("bob", #"{"email": "bob@example.com", "email_verified": false}"#)
        try await peer.person("erin", #"{"email": "erin@example.com", "email_verified": true}"#)
        try await peer.person("owner", #"{"email": "known@example.com", "email_verified": true}"#)
        try await peer.person("mallory", #"{"email": "mallory@elsewhere.example", "email_verified": true}"#)
        try await withTestApplication(engine) { client, context in
            let admin = try await client.signedInOperator(context.identity)
            let id = try await SocialPeer.connect(client, token: admin.token, issuer: peer.issuer)
            let known = try await client.register(email: "known@example.com")

            let unverified = try await SocialPeer.signIn(client, as: "bob", intent: "sign_up")
            #expect(unverified.status == .unauthorized, "\(unverified.body)")
            #expect(unverified.body["code"] as? String == "sso_failed")
            #expect(try await client.json(.get, "/api/v1/me").status == .unauthorized)

            let stranger = try await SocialPeer.signIn(client, as: "erin", intent: "sign_in")
            #expect(stranger.status == .unauthorized, "\(stranger.body)")
            #expect(stranger.body["code"] as? String == "sign_up_required")

            let taken = try await SocialPeer.signIn(client, as: "owner", intent: "sign_up")
            #expect(taken.status == .conflict, "\(taken.body)")
            let failures = try await tenantAuditActions(context.database.database, tenantID: known.tenantID)
            #expect(failures.contains("auth.social_failed"))
            #expect(try await platformAuditActions(context.database.database).contains("auth.social_failed"))

            let start = "/api/v1/auth/social/google/start?return_to=\(Self.returnURL)"
            let notAllowed = try await client.raw(.get, "/api/v1/auth/social/google/start?return_to=http://127.0.0.1:9/evil")
            #expect(notAllowed.status == .unprocessableContent, "\(notAllowed.body)")
            let missing = try await client.raw(.get, "/api/v1/auth/social/google/start")
            #expect(missing.status == .unprocessableContent)
            let badIntent = try await client.raw(.get, start + "&intent=steal")
            #expect(badIntent.status == .unprocessableContent)
            #expect(
                try await client.raw(.get, "/api/v1/auth/social/facebook/start?return_to=\(Self.returnURL)").status == .notFound)
            let forged = try await client.raw(.get, "/api/v1/auth/social/callback?state=forged&code=x")
            #expect(forged.status == .unauthorized)
            #expect(forged.body["code"] as? String == "sso_failed")

            // Allowed domains limit who gets in.
            _ = try await client.json(
                .patch, "/api/v1/platform/social-connections/\(id)", ["allowed_domains": ["example.com"]], token: admin.token)
            let outsider = try await SocialPeer.signIn(client, as: "mallory", intent: "sign_up")
            #expect(outsider.status == .unauthorized, "\(outsider.body)")
            #expect((outsider.body["detail"] as? String)?.contains("domains") == true)

            // A disabled connection starts nothing, and a flow started before is refused.
            let pending = try await client.raw(.get, start)
            #expect(pending.status == .found)
            _ = try await client.json(
                .patch, "/api/v1/platform/social-connections/\(id)", ["enabled": false], token: admin.token)
            #expect(try await client.raw(.get, start).status == .notFound)
            let answer = try await PeerHTTP.send(
                try #require(pending.location), method: .POST, contentType: "application/x-www-form-urlencoded",
                body: "sub=erin")
            let back = try #require(answer.location)
            let callback = try #require(URLComponents(string: back))
            let late = try await client.raw(.get, callback.path + "?" + (callback.percentEncodedQuery ?? ""))
            #expect(late.status == .notFound, "\(late.body)")
        }
    }
}

/// oidc-provider-mock (PyPI) playing Google: its issuer overrides the Google connection's.
struct SocialPeer {
    let peer: PythonPeer

    var issuer: String { "http://127.0.0.1:\(peer.port)" }

    /// One peer for the whole test run (the event coverage driver's); it exits with the tests.
    static let shared = Task { try await start() }

    static func start() async throws -> SocialPeer {
        SocialPeer(
            peer: try await PythonPeer(
                script: "oidc_provider_mock_server.py", arguments: ["--exit-on-stdin-eof"],
                hint: "needs oidc-provider-mock 0.3.4: python3 -m pip install oidc-provider-mock==0.3.4 (scripts/test does)"))
    }

    func stop() { peer.stop() }

    /// Sets the claims of `subject`.
    func person(_ subject: String, _ claims: String) async throws {
        let answer = try await PeerHTTP.send(
            issuer + "/users/\(subject)", method: .PUT, contentType: "application/json", body: claims)
        #expect(answer.status == 204)
    }

    /// Creates the Google connection pointing at the peer; returns its id.
    @discardableResult
    static func connect(_ client: any TestClientProtocol, token: String, issuer: String) async throws -> String {
        let created = try await client.json(
            .post, "/api/v1/platform/social-connections",
            [
                "provider": "google", "issuer": issuer, "client_id": "tenantry-client", "client_secret": "a client secret",
                "return_urls": [SocialSignInTests.returnURL],
            ], token: token)
        #expect(created.status == .created, "\(created.raw)")
        return try #require(created.body["id"] as? String)
    }

    /// Starts a social sign-in, submits the provider's form as `subject`, and follows the
    /// provider back to the callback; returns the callback's answer.
    static func signIn(_ client: any TestClientProtocol, as subject: String, intent: String, state: String? = nil)
        async throws -> (status: HTTPResponse.Status, location: String?, body: [String: Any])
    {
        var path = "/api/v1/auth/social/google/start?return_to=\(SocialSignInTests.returnURL)&intent=\(intent)"
        if let state { path += "&state=\(state)" }
        let start = try await client.raw(.get, path)
        #expect(start.status == .found, "\(start.body)")
        let authorize = try #require(start.location)
        let query = queryItems(authorize)
        #expect(query["code_challenge_method"] == "S256")
        #expect(query["nonce"] != nil && query["state"] != nil && query["state"] != state)
        let answer = try await PeerHTTP.send(
            authorize, method: .POST, contentType: "application/x-www-form-urlencoded", body: "sub=\(subject)")
        #expect(answer.status == 302)
        let back = try #require(answer.location, "\(answer)")
        let callback = try #require(URLComponents(string: back))
        #expect(callback.path == "/api/v1/auth/social/callback")
        return try await client.raw(.get, callback.path + "?" + (callback.percentEncodedQuery ?? ""))
    }
}
