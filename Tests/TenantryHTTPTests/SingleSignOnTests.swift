import Foundation
import HTTPTypes
import HummingbirdTesting
import TenantryCore
import TenantryTestSupport
import Testing

@Suite("Single sign-on")
struct SingleSignOnTests {
    static let returnURL = "http://127.0.0.1:9/app/signed-in"

    @Test(
        "connections are created, read, changed and deleted; a client secret is never shown; bad settings are 422",
        arguments: TestDatabase.all)
    func connections(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let oidc = try await client.json(
                .post, "/api/v1/sso/connections",
                [
                    "name": "Okta", "domains": ["Acme.Example"], "return_url": Self.returnURL,
                    "oidc": ["issuer": "https://id.acme.example", "client_id": "abc", "client_secret": "s3cret-value"],
                ], token: owner.accessToken)
            #expect(oidc.status == .created, "\(oidc.raw)")
            #expect(!oidc.raw.contains("s3cret-value"))
            #expect(oidc.body["default_role"] as? String == "member")
            #expect(oidc.body["domains"] as? [String] == ["acme.example"])
            #expect(
                ((oidc.body["oidc"] as? [String: Any])?["redirect_uri"] as? String)?.hasSuffix("/api/v1/auth/sso/oidc/callback")
                    == true)
            let stored = try await context.database.database.withPlatform { scope in
                try await scope.sql.raw("SELECT client_secret FROM sso_connections").first(
                    decodingColumn: "client_secret", as: String.self)
            }
            #expect(stored != nil && stored?.contains("s3cret-value") == false)
            let saml = try await client.json(
                .post, "/api/v1/sso/connections",
                [
                    "name": "ADFS", "domains": ["acme.example"], "return_url": Self.returnURL, "default_role": "viewer",
                    "saml": ["metadata_xml": try SAMLPeer.metadata()],
                ], token: owner.accessToken)
            #expect(saml.status == .created, "\(saml.raw)")
            let samlBody = try #require(saml.body["saml"] as? [String: Any])
            #expect(samlBody["idp_entity_id"] as? String == SAMLPeer.entityID)
            #expect(samlBody["sso_url"] as? String == SAMLPeer.ssoURL)
            #expect((samlBody["certificates"] as? [String])?.count == 1)
            let metadataURL = try #require(samlBody["metadata_url"] as? String)
            let path = try #require(URL(string: metadataURL)?.path)
            let metadata = try await client.raw(.get, path)
            #expect(metadata.status == .ok)

            for (body, field) in [
                (["name": "x", "domains": ["acme.example"], "return_url": Self.returnURL], "oidc"),
                (
                    [
                        "name": "x", "domains": ["acme.example"], "return_url": "http://app.example/cb",
                        "oidc": ["issuer": "https://id.acme.example", "client_id": "a"],
                    ], "return_url"
                ),
                (
                    [
                        "name": "x", "domains": ["acme.example"], "return_url": Self.returnURL, "default_role": "owner",
                        "oidc": ["preset": "google", "client_id": "a"],
                    ], "default_role"
                ),
                (
                    [
                        "name": "x", "domains": [], "return_url": Self.returnURL,
                        "oidc": ["preset": "google", "client_id": "a"],
                    ], "domains"
                ),
                (
                    [
                        "name": "x", "domains": ["acme.example"], "return_url": Self.returnURL,
                        "saml": ["metadata_xml": "<nope/>"],
                    ], "saml.metadata_xml"
                ),
            ] as [([String: Any], String)] {
                let refused = try await client.json(.post, "/api/v1/sso/connections", body, token: owner.accessToken)
                #expect(refused.status == .unprocessableContent, "\(field): \(refused.raw)")
                let fields = (refused.body["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields.contains(field), "\(field): \(refused.raw)")
            }
            let id = try #require(oidc.body["id"] as? String)
            let changed = try await client.json(
                .patch, "/api/v1/sso/connections/\(id)",
                ["enabled": false, "oidc": ["preset": "microsoft", "client_id": "abc"]],
                token: owner.accessToken)
            #expect(changed.status == .ok, "\(changed.raw)")
            #expect(changed.body["enabled"] as? Bool == false)
            #expect(
                (changed.body["oidc"] as? [String: Any])?["issuer"] as? String
                    == "https://login.microsoftonline.com/organizations/v2.0")
            let crossed = try await client.json(
                .patch, "/api/v1/sso/connections/\(id)", ["saml": ["metadata_xml": try SAMLPeer.metadata()]],
                token: owner.accessToken)
            #expect(crossed.status == .unprocessableContent)
            let list = try await client.json(.get, "/api/v1/sso/connections", token: owner.accessToken)
            #expect((list.body["items"] as? [[String: Any]])?.count == 2)
            #expect(
                try await client.json(.delete, "/api/v1/sso/connections/\(id)", token: owner.accessToken).status == .noContent)
            #expect(try await client.json(.get, "/api/v1/sso/connections/\(id)", token: owner.accessToken).status == .notFound)
            let audit = try await client.json(.get, "/api/v1/audit-events?limit=100", token: owner.accessToken)
            let actions = ((audit.body["items"] as? [[String: Any]]) ?? []).compactMap { $0["action"] as? String }
            for action in ["sso_connection.created", "sso_connection.updated", "sso_connection.deleted"] {
                #expect(actions.contains(action), "\(action)")
            }
        }
    }

    @Test(
        "SAML: the tenant's IdP signs in a new person, who joins with the default role and gets tokens for a one-time code",
        arguments: TestDatabase.all)
    func samlSignIn(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let created = try await client.json(
                .post, "/api/v1/sso/connections",
                [
                    "name": "ADFS", "domains": ["acme.example"], "return_url": Self.returnURL,
                    "saml": ["metadata_xml": try SAMLPeer.metadata()],
                ], token: owner.accessToken)
            let settings = try #require(created.body["saml"] as? [String: Any])
            let acs = try #require(settings["acs_url"] as? String)
            let audience = try #require(settings["sp_entity_id"] as? String)
            let acsPath = try #require(URL(string: acs)?.path)

            // Start: the browser goes to the IdP with an AuthnRequest.
            let start = try await client.raw(.get, "/api/v1/auth/sso/start?tenant_slug=\(owner.tenantSlug)&state=app-1")
            #expect(start.status == .found)
            let location = try #require(start.location)
            #expect(location.hasPrefix(SAMLPeer.ssoURL))
            let request = try await SAMLPeer.inspect(location)
            let requestID = try #require(request["id"] as? String)
            let relayState = try #require(request["relay_state"] as? String)
            #expect(request["acs"] as? String == acs)

            func post(_ response: String, relayState: String?) async throws -> (
                status: HTTPResponse.Status, location: String?, body: [String: Any]
            ) {
                var fields = ["SAMLResponse": response]
                if let relayState { fields["RelayState"] = relayState }
                return try await client.raw(
                    .post, acsPath, contentType: "application/x-www-form-urlencoded", body: formEncoded(fields))
            }
            let base: [String: Any] = [
                "in_response_to": requestID, "destination": acs, "recipient": acs, "audience": audience,
                "name_id": "ada@acme.example", "assertion_id": "_a-\(UUID().uuidString)",
            ]
            // A wrapped assertion is refused, and the flow it used is spent.
            var wrapped = base
            wrapped["attack"] = "wrapped-sibling"
            let refused = try await post(try SAMLPeer.response(wrapped), relayState: relayState)
            #expect(refused.status == .unauthorized)
            #expect(refused.body["code"] as? String == "sso_failed")

            // A new flow, answered properly.
            let second = try await client.raw(.get, "/api/v1/auth/sso/start?tenant_slug=\(owner.tenantSlug)&state=app-2")
            let again = try await SAMLPeer.inspect(try #require(second.location))
            var good = base
            good["in_response_to"] = again["id"]
            let landed = try await post(try SAMLPeer.response(good), relayState: again["relay_state"] as? String)
            #expect(landed.status == .found, "\(landed.body)")
            let back = queryItems(landed.location)
            #expect(landed.location?.hasPrefix(Self.returnURL) == true)
            #expect(back["state"] == "app-2")
            let code = try #require(back["code"])
            #expect(landed.location?.contains("access_token") == false)

            let exchanged = try await client.json(.post, "/api/v1/auth/sso/exchange", ["code": code])
            #expect(exchanged.status == .ok, "\(exchanged.raw)")
            #expect(exchanged.body["role"] as? String == "member")
            #expect((exchanged.body["user"] as? [String: Any])?["email"] as? String == "ada@acme.example")
            let access = try #require((exchanged.body["tokens"] as? [String: Any])?["access_token"] as? String)
            #expect(try await client.meStatus(access) == .ok)
            let twice = try await client.json(.post, "/api/v1/auth/sso/exchange", ["code": code])
            #expect(twice.status == .badRequest)

            // An address outside the connection's domains is refused.
            let thirdStart = try await client.raw(.get, "/api/v1/auth/sso/start?tenant_slug=\(owner.tenantSlug)")
            let third = try await SAMLPeer.inspect(try #require(thirdStart.location))
            var outsider = base
            outsider["in_response_to"] = third["id"]
            outsider["name_id"] = "eve@elsewhere.example"
            let foreign = try await post(try SAMLPeer.response(outsider), relayState: third["relay_state"] as? String)
            #expect(foreign.body["code"] as? String == "sso_failed")

            // Unsolicited responses only when allowed, and each assertion once.
            var unsolicited = base
            unsolicited["in_response_to"] = NSNull()
            unsolicited["assertion_id"] = "_idp-initiated-1"
            let idpInitiated = try await SAMLPeer.response(unsolicited)
            #expect(try await post(idpInitiated, relayState: nil).status == .unauthorized)
            let id = try #require(created.body["id"] as? String)
            _ = try await client.json(
                .patch, "/api/v1/sso/connections/\(id)",
                ["saml": ["metadata_xml": try SAMLPeer.metadata(), "allow_idp_initiated": true]], token: owner.accessToken)
            #expect(try await post(idpInitiated, relayState: nil).status == .found)
            let replayed = try await post(idpInitiated, relayState: nil)
            #expect(replayed.status == .unauthorized)
            #expect((replayed.body["detail"] as? String)?.contains("already used") == true)

            let audit = try await client.json(.get, "/api/v1/audit-events?limit=100", token: owner.accessToken)
            let actions = ((audit.body["items"] as? [[String: Any]]) ?? []).compactMap { $0["action"] as? String }
            for action in ["auth.sso_succeeded", "auth.sso_failed", "member.added", "auth.login_succeeded"] {
                #expect(actions.contains(action), "\(action)")
            }

            // Without the `sso` module on its plan, the tenant's connection signs nobody in.
            let admin = try await client.signedInOperator(context.identity)
            try await PlansTests.override(client, admin, tenant: owner.tenantID, ["modules": ["sso": false]])
            let off = try await client.raw(.get, "/api/v1/auth/sso/start?tenant_slug=\(owner.tenantSlug)")
            #expect(off.status == .notFound)
            #expect(try await post(idpInitiated, relayState: nil).status == .notFound)
        }
    }

    @Test(
        "OpenID Connect: oidc-provider-mock signs in a person with a verified address of the connection's domain",
        arguments: TestDatabase.all)
    func openIDSignIn(engine: TestDatabase) async throws {
        let peer = try await PythonPeer(
            script: "oidc_provider_mock_server.py", arguments: ["--exit-on-stdin-eof"],
            hint: "needs oidc-provider-mock 0.3.4: python3 -m pip install oidc-provider-mock==0.3.4 (scripts/test does)")
        defer { peer.stop() }
        let issuer = "http://127.0.0.1:\(peer.port)"
        let claims = #"{"email": "alice@acme.example", "email_verified": true, "name": "Alice Example"}"#
        #expect(
            try await PeerHTTP.send(issuer + "/users/alice", method: .PUT, contentType: "application/json", body: claims).status
                == 204)
        let unverified = #"{"email": "bob@acme.example", "email_verified": false}"#
        _ = try await PeerHTTP.send(issuer + "/users/bob", method: .PUT, contentType: "application/json", body: unverified)
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let created = try await client.json(
                .post, "/api/v1/sso/connections",
                [
                    "name": "Mock", "domains": ["acme.example"], "return_url": Self.returnURL, "default_role": "viewer",
                    "oidc": ["issuer": issuer, "client_id": "tenantry-client", "client_secret": "a client secret"],
                ], token: owner.accessToken)
            #expect(created.status == .created, "\(created.raw)")

            func signIn(as subject: String) async throws -> (status: HTTPResponse.Status, location: String?, body: [String: Any])
            {
                let start = try await client.raw(.get, "/api/v1/auth/sso/start?tenant_slug=\(owner.tenantSlug)&state=s1")
                #expect(start.status == .found)
                let authorize = try #require(start.location)
                let query = queryItems(authorize)
                #expect(query["code_challenge_method"] == "S256")
                #expect(query["nonce"] != nil && query["state"] != nil)
                // The person submits the provider's form; the provider sends the browser back.
                let answer = try await PeerHTTP.send(
                    authorize, method: .POST, contentType: "application/x-www-form-urlencoded", body: "sub=\(subject)")
                #expect(answer.status == 302, "\(peer.log)")
                let back = try #require(answer.location)
                let callback = try #require(URLComponents(string: back))
                return try await client.raw(.get, callback.path + "?" + (callback.percentEncodedQuery ?? ""))
            }
            let landed = try await signIn(as: "alice")
            #expect(landed.status == .found, "\(landed.body)")
            let back = queryItems(landed.location)
            #expect(back["state"] == "s1")
            let exchanged = try await client.json(.post, "/api/v1/auth/sso/exchange", ["code": try #require(back["code"])])
            #expect(exchanged.status == .ok, "\(exchanged.raw)")
            #expect(exchanged.body["role"] as? String == "viewer")
            #expect((exchanged.body["user"] as? [String: Any])?["name"] as? String == "Alice Example")

            // An address the provider does not vouch for is not linked or made.
            let refused = try await signIn(as: "bob")
            #expect(refused.status == .unauthorized)
            #expect(refused.body["code"] as? String == "sso_failed")
            // A state nobody issued.
            let forged = try await client.raw(.get, "/api/v1/auth/sso/oidc/callback?state=forged&code=x")
            #expect(forged.body["code"] as? String == "sso_failed")
        }
    }
}
