import Foundation
import TenantryCore
import TenantryOIDC
import Testing

/// Discovery and the code exchange against `oidc_provider.py`.
@Suite("Discovery and code exchange", .serialized)
struct DiscoveryAndExchangeTests {
    @Test func discoveryReadsTheEndpointsAndIsCachedPerIssuer() async throws {
        try await withShapedProvider { client, provider async throws in
            let metadata = try await client.discover(issuer: provider.issuer())
            #expect(metadata.issuer == provider.base)
            #expect(metadata.authorizationEndpoint.absoluteString == provider.base + "/authorize")
            #expect(metadata.tokenEndpoint.absoluteString == provider.base + "/token")
            #expect(metadata.jwksURI.absoluteString == provider.base + "/jwks")
            #expect(metadata.idTokenSigningAlgorithms == ["RS256"])
            // A trailing slash names the same issuer, and the cached document answers.
            #expect(try await client.discover(issuer: provider.issuer("/")) == metadata)
            #expect(try await provider.stats()["discovery_requests"] == 1)
        }
    }

    @Test func discoveryDocumentNamingAnotherIssuerIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.control("discovery", ["issuer": provider.base + "/elsewhere"])
            await #expect(throws: OpenIDError.discoveryFailed) {
                try await client.discover(issuer: provider.issuer())
            }
        }
    }

    @Test func tenantPlaceholderIssuerOfAnotherHostIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.control("discovery", ["issuer": "https://login.example.test/{tenantid}/v2.0"])
            await #expect(throws: OpenIDError.discoveryFailed) {
                try await client.discover(issuer: provider.issuer("/common/v2.0"))
            }
        }
    }

    @Test func discoveryOfAnUnreachableIssuerFailsWithinItsTimeout() async throws {
        // async-http-client retries a refused connection until the request's deadline.
        let client = HTTPOpenIDConnectClient(
            httpClient: TestHTTP.client, configuration: .init(discoveryTimeout: .seconds(1)))
        // Port 9 (discard) on loopback: nothing listens there.
        await #expect(throws: OpenIDError.discoveryFailed) {
            try await client.discover(issuer: URL(string: "http://127.0.0.1:9")!)
        }
    }

    @Test func plainHTTPIssuerOutsideLoopbackIsRefusedWithoutARequest() async throws {
        let client = HTTPOpenIDConnectClient(httpClient: TestHTTP.client)
        await #expect(throws: OpenIDError.discoveryFailed) {
            try await client.discover(issuer: URL(string: "http://idp.example.test")!)
        }
    }

    @Test func tokenEndpointAnswering400IsAFailedExchange() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["token_status": 400])
            await #expect(throws: OpenIDError.tokenExchangeFailed) {
                _ = try await provider.signIn(client)
            }
        }
    }

    @Test func codeExchangedWithAWrongPKCEVerifierIsRefusedByTheProvider() async throws {
        try await withShapedProvider { client, provider async throws in
            await #expect(throws: OpenIDError.tokenExchangeFailed) {
                _ = try await provider.signIn(client, verifierSentWithCode: PKCE.verifier())
            }
            #expect(try await provider.stats()["token_requests"] == 1)
        }
    }

    @Test func codeCannotBeExchangedTwice() async throws {
        try await withShapedProvider { client, provider async throws in
            let metadata = try await client.discover(issuer: provider.issuer())
            let verifier = PKCE.verifier()
            let url = OpenIDAuthorizationRequest.url(
                provider: metadata, clientID: ShapedProvider.clientID, redirectURI: ShapedProvider.redirectURI,
                state: "s", nonce: "n", codeChallenge: PKCE.challenge(for: verifier))
            let location = try await TestHTTP.send(url.absoluteString).location
            let code = try #require(TestHTTP.queryParameters(of: location)["code"])
            func exchange() async throws -> String {
                try await client.exchange(
                    code: code, codeVerifier: verifier, redirectURI: ShapedProvider.redirectURI,
                    clientID: ShapedProvider.clientID, clientSecret: ShapedProvider.clientSecret, provider: metadata)
            }
            _ = try await exchange()
            await #expect(throws: OpenIDError.tokenExchangeFailed) { _ = try await exchange() }
        }
    }
}
