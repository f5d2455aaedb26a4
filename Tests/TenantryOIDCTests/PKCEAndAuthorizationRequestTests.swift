import Foundation
import TenantryCore
import TenantryOIDC
import Testing

/// PKCE and the authorization URL, without a provider.
@Suite("PKCE and the authorization request")
struct PKCEAndAuthorizationRequestTests {
    @Test func challengeOfTheRFC7636AppendixBVerifierIsTheRFCsChallenge() {
        #expect(
            PKCE.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
                == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test func verifiersAre43UnreservedCharactersAndDiffer() {
        let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let verifiers = (0..<100).map { _ in PKCE.verifier() }
        #expect(Set(verifiers).count == 100)
        for verifier in verifiers {
            #expect((43...128).contains(verifier.count))
            #expect(verifier.allSatisfy { unreserved.contains($0) })
        }
    }

    @Test func randomTokensCarry256BitsInBase64URL() {
        let token = OpenIDAuthorizationRequest.randomToken()
        #expect(token.count == 43)
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(token != OpenIDAuthorizationRequest.randomToken())
    }

    @Test func authorizationURLCarriesTheCodeFlowParametersWithS256() throws {
        let provider = OpenIDProviderMetadata(
            issuer: "https://idp.example.test",
            authorizationEndpoint: URL(string: "https://idp.example.test/authorize?tenant=a")!,
            tokenEndpoint: URL(string: "https://idp.example.test/token")!,
            jwksURI: URL(string: "https://idp.example.test/jwks")!,
            idTokenSigningAlgorithms: ["RS256"]
        )
        let url = OpenIDAuthorizationRequest.url(
            provider: provider, clientID: "client 1", redirectURI: URL(string: "https://app.example.test/cb?x=1&y=2")!,
            state: "state-1", nonce: "nonce-1", codeChallenge: "challenge-1",
            extra: ["prompt": "select_account", "state": "ignored", "login_hint": "a+b@example.test"]
        )
        let components = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false))
        var query: [String: [String]] = [:]
        for item in components.queryItems ?? [] { query[item.name, default: []].append(item.value ?? "") }
        #expect(components.host == "idp.example.test")
        #expect(components.path == "/authorize")
        #expect(query["tenant"] == ["a"])
        #expect(query["response_type"] == ["code"])
        #expect(query["client_id"] == ["client 1"])
        #expect(query["redirect_uri"] == ["https://app.example.test/cb?x=1&y=2"])
        #expect(query["scope"] == ["openid email profile"])
        #expect(query["state"] == ["state-1"])
        #expect(query["nonce"] == ["nonce-1"])
        #expect(query["code_challenge"] == ["challenge-1"])
        #expect(query["code_challenge_method"] == ["S256"])
        #expect(query["prompt"] == ["select_account"])
        // `+` is escaped, so no form decoder can read it as a space.
        #expect(components.percentEncodedQuery?.contains("login_hint=a%2Bb%40example.test") == true)
    }

    @Test func presetsNameTheProvidersIssuers() {
        #expect(OpenIDProviderPreset.google.issuer.absoluteString == "https://accounts.google.com")
        #expect(
            OpenIDProviderPreset.microsoft(tenant: "contoso.onmicrosoft.com").issuer.absoluteString
                == "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0")
        #expect(OpenIDProviderPreset.microsoft(tenant: "common").hasTenantPlaceholderIssuer)
        #expect(OpenIDProviderPreset.microsoft(tenant: "organizations").hasTenantPlaceholderIssuer)
        #expect(!OpenIDProviderPreset.microsoft(tenant: "contoso.onmicrosoft.com").hasTenantPlaceholderIssuer)
        #expect(!OpenIDProviderPreset.google.hasTenantPlaceholderIssuer)
    }
}
