import Foundation
import TenantryCore
import TenantryOIDC
import TenantryTestSupport
import Testing

/// The whole code flow against a provider we did not write: PyPI's `oidc-provider-mock` 0.3.4
/// (authlib), run on loopback by `scripts/test-peers/oidc_provider_mock_server.py`.
@Suite("OpenID Connect against oidc-provider-mock")
struct ThirdPartyProviderTests {
    @Test func codeFlowAgainstOIDCProviderMockYieldsTheSubjectAndEmailOfTheSignedInPerson() async throws {
        let peer = try await PythonPeer(
            script: "oidc_provider_mock_server.py",
            arguments: ["--exit-on-stdin-eof"],
            hint: "needs oidc-provider-mock 0.3.4: python3 -m pip install oidc-provider-mock==0.3.4 (scripts/test does)"
        )
        defer { peer.stop() }
        let base = "http://127.0.0.1:\(peer.port)"
        // The person's claims at the provider, set as its API allows; the form then signs in
        // as that subject.
        let claims = #"{"email": "alice@example.com", "email_verified": true, "name": "Alice Example"}"#
        let stored = try await TestHTTP.send(
            base + "/users/alice", method: .PUT, contentType: "application/json", body: claims)
        #expect(stored.status == 204)

        let client = HTTPOpenIDConnectClient(httpClient: TestHTTP.client)
        let signIn = try await SignIn.run(client: client, issuer: URL(string: base)!) { url in
            // What the browser does when the person submits the provider's authorization form.
            let answer = try await TestHTTP.send(
                url.absoluteString, method: .POST, contentType: "application/x-www-form-urlencoded", body: "sub=alice")
            #expect(answer.status == 302, "the form answered \(answer.status): \(peer.log)")
            return answer.location
        }
        #expect(signIn.provider.issuer == base)

        let verified = try await client.verify(
            idToken: signIn.idToken, provider: signIn.provider, expectations: signIn.expectations())
        #expect(verified.subject == "alice")
        #expect(verified.email == "alice@example.com")
        #expect(verified.emailVerified == true)
        #expect(verified.name == "Alice Example")
        #expect(verified.issuer == base)
    }
}
