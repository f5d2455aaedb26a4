import Foundation
import TenantryCore
import TenantryOIDC
import Testing

/// The JWKS cache and its refresh rule, counted at the provider peer.
@Suite("Provider keys: cache and refresh", .serialized)
struct KeyRotationTests {
    @Test func keySetIsFetchedOnceForSeveralTokens() async throws {
        try await withShapedProvider { client, provider async throws in
            for _ in 0..<3 {
                #expect(try await signInRefusal(client, provider) == nil)
            }
            #expect(try await provider.stats()["jwks_requests"] == 1)
        }
    }

    @Test func tokenSignedByAKeyPublishedAfterTheCacheWasFilledIsAcceptedAfterOneRefetch() async throws {
        try await withShapedProvider { client, provider async throws in
            #expect(try await signInRefusal(client, provider) == nil)
            #expect(try await provider.stats()["jwks_requests"] == 1)

            // The provider rotates: a new key signs, and is published (after our cache was filled).
            try await provider.control("add-key", ["kid": "key-2", "publish": true])
            try await provider.shape(["sign": "unpublished", "signing_kid": "key-2"])
            #expect(try await signInRefusal(client, provider) == nil)
            #expect(try await provider.stats()["jwks_requests"] == 2)

            // Known now: no further fetch.
            #expect(try await signInRefusal(client, provider) == nil)
            #expect(try await provider.stats()["jwks_requests"] == 2)
        }
    }

    @Test func unknownKidIsRefusedAfterOneRefetchAndASecondWithin30SecondsFetchesNothing() async throws {
        try await withShapedProvider { client, provider async throws in
            #expect(try await signInRefusal(client, provider) == nil)
            #expect(try await provider.stats()["jwks_requests"] == 1)

            try await provider.control("add-key", ["kid": "never-published", "publish": false])
            try await provider.shape(["sign": "unpublished", "signing_kid": "never-published"])
            #expect(try await signInRefusal(client, provider) == .unknownKey)
            #expect(try await provider.stats()["jwks_requests"] == 2)

            try await provider.shape(["sign": "unpublished", "signing_kid": "never-published", "kid": "made-up"])
            #expect(try await signInRefusal(client, provider) == .unknownKey)
            #expect(try await provider.stats()["jwks_requests"] == 2)
        }
    }

    @Test func unknownKidsRefetchAgainOnceTheIntervalHasPassed() async throws {
        let provider = try await ShapedProvider()
        defer { provider.stop() }
        let client = HTTPOpenIDConnectClient(
            httpClient: TestHTTP.client,
            configuration: .init(unknownKeyRefetchInterval: .milliseconds(300))
        )
        #expect(try await signInRefusal(client, provider) == nil)
        try await provider.shape(["kid": "made-up"])
        #expect(try await signInRefusal(client, provider) == .unknownKey)
        #expect(try await provider.stats()["jwks_requests"] == 2)
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await signInRefusal(client, provider) == .unknownKey)
        #expect(try await provider.stats()["jwks_requests"] == 3)
    }
}
