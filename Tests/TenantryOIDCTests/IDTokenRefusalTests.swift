import Foundation
import TenantryCore
import TenantryOIDC
import Testing

/// Each rule of ID token verification, shown by a token from `oidc_provider.py` (signed by
/// PyJWT) that breaks it, after a real code flow with PKCE.
@Suite("ID tokens that are refused", .serialized)
struct IDTokenRefusalTests {
    @Test func wellFormedTokenFromTheShapedProviderIsAccepted() async throws {
        try await withShapedProvider { client, provider async throws in
            let signIn = try await provider.signIn(client)
            let claims = try await client.verify(
                idToken: signIn.idToken, provider: signIn.provider, expectations: signIn.expectations())
            #expect(claims.subject == "user-1")
            #expect(claims.email == "person@example.com")
            #expect(claims.emailVerified == true)
            #expect(claims.name == "A Person")
            #expect(claims.tenantIdentifier == nil)
        }
    }

    @Test func emailVerifiedGivenAsTheStringTrueCountsAsVerified() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["email_verified": "true", "aud": [ShapedProvider.clientID]]])
            let signIn = try await provider.signIn(client)
            let claims = try await client.verify(
                idToken: signIn.idToken, provider: signIn.provider, expectations: signIn.expectations())
            #expect(claims.emailVerified == true)
        }
    }

    /// `given` is the claim's JSON.
    @Test(arguments: [("true", true), (#""1""#, true), ("1", true), ("false", false), (#""no""#, nil)] as [(String, Bool?)])
    func entraDomainOwnerVerifiedCountsWhenEmailVerifiedIsAbsent(given: String, verified: Bool?) async throws {
        let value = try JSONSerialization.jsonObject(with: Data(given.utf8), options: .fragmentsAllowed)
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["xms_edov": value], "remove": ["email_verified"]])
            let signIn = try await provider.signIn(client)
            let claims = try await client.verify(
                idToken: signIn.idToken, provider: signIn.provider, expectations: signIn.expectations())
            #expect(claims.emailVerified == verified, "\(given)")
        }
    }

    @Test func emailVerifiedFalseIsNotOverriddenByXmsEdov() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["xms_edov": true, "email_verified": false]])
            let signIn = try await provider.signIn(client)
            let claims = try await client.verify(
                idToken: signIn.idToken, provider: signIn.provider, expectations: signIn.expectations())
            #expect(claims.emailVerified == false)
        }
    }

    @Test func tokenWithoutKidIsVerifiedWithTheOnlyPublishedKey() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["kid": NSNull()])
            #expect(try await signInRefusal(client, provider) == nil)
        }
    }

    @Test func nonceOtherThanTheOneSentIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["nonce": OpenIDAuthorizationRequest.randomToken()]])
            #expect(try await signInRefusal(client, provider) == .wrongNonce)
        }
    }

    @Test func tokenWithoutNonceIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["remove": ["nonce"]])
            #expect(try await signInRefusal(client, provider) == .wrongNonce)
        }
    }

    @Test func signatureByAnotherKeyUnderThePublishedKidIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["sign": "impostor"])
            #expect(try await signInRefusal(client, provider) == .signatureInvalid)
        }
    }

    @Test func algNoneIsRefusedBeforeAnyKeyIsFetched() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["sign": "none"])
            #expect(try await signInRefusal(client, provider) == .algorithmNotAllowed)
            #expect(try await provider.stats()["jwks_requests"] == 0)
        }
    }

    @Test func hs256SignedWithTheClientSecretIsRefusedBeforeAnyKeyIsFetched() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["sign": "hs256"])
            #expect(try await signInRefusal(client, provider) == .algorithmNotAllowed)
            #expect(try await provider.stats()["jwks_requests"] == 0)
        }
    }

    @Test func algorithmOutsideTheExpectationsIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            let signIn = try await provider.signIn(client)
            var expectations = signIn.expectations()
            expectations.allowedAlgorithms = ["ES256"]
            #expect(await refusal(client, signIn, expectations: expectations) == .algorithmNotAllowed)
        }
    }

    @Test func audienceOfAnotherClientIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["aud": "another-client"]])
            #expect(try await signInRefusal(client, provider) == .wrongAudience)
        }
    }

    @Test func authorizedPartyOfAnotherClientIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["aud": [ShapedProvider.clientID, "another-client"], "azp": "another-client"]])
            #expect(try await signInRefusal(client, provider) == .wrongAudience)
        }
    }

    @Test func severalAudiencesWithoutAuthorizedPartyAreRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["aud": [ShapedProvider.clientID, "another-client"]]])
            #expect(try await signInRefusal(client, provider) == .wrongAudience)
        }
    }

    @Test func expiredTokenIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            // Expired 2 minutes ago: beyond the 60 s leeway.
            try await provider.shape(["claims": ["exp": ["offset": -120], "iat": ["offset": -600]]])
            #expect(try await signInRefusal(client, provider) == .expired)
        }
    }

    @Test func tokenExpiredWithinTheLeewayIsAccepted() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["exp": ["offset": -20]]])
            #expect(try await signInRefusal(client, provider) == nil)
        }
    }

    @Test func tokenIssuedInTheFutureIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["iat": ["offset": 600], "exp": ["offset": 900]]])
            #expect(try await signInRefusal(client, provider) == .notYetValid)
        }
    }

    @Test func tokenNotValidBeforeAFutureTimeIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["nbf": ["offset": 600]]])
            #expect(try await signInRefusal(client, provider) == .notYetValid)
        }
    }

    @Test func issuerOtherThanTheDiscoveredOneIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["iss": "https://evil.example.test"]])
            #expect(try await signInRefusal(client, provider) == .wrongIssuer)
        }
    }

    @Test func tokenWithoutSubjectIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["remove": ["sub"]])
            #expect(try await signInRefusal(client, provider) == .missingClaim)
        }
    }

    @Test func tokenWithoutExpiryIsRefused() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["remove": ["exp"]])
            #expect(try await signInRefusal(client, provider) == .missingClaim)
        }
    }

    @Test func textThatIsNoJWSIsRefusedAsMalformed() async throws {
        try await withShapedProvider { client, provider async throws in
            let signIn = try await provider.signIn(client)
            for text in ["", "a.b", "not a token", signIn.idToken + ".extra", "e30.e30.!!"] {
                let broken = SignIn(provider: signIn.provider, nonce: signIn.nonce, idToken: text)
                #expect(await refusal(client, broken) == .malformedToken, "\(text)")
            }
        }
    }
}

/// Microsoft Entra ID's multi-tenant issuer, served by `oidc_provider.py` as Entra does for
/// `/common/v2.0`: `{tenantid}` in the document, the tenant in the token's `iss` and `tid`.
@Suite("Entra ID multi-tenant issuer", .serialized)
struct EntraIssuerTests {
    static let tenant = "9b1c4b7e-3f41-4a0e-9d3c-2f7a1d0c5e11"

    @Test func tenantIssuerIsAcceptedWhenItsTenantIsTheTokensTid() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape([
                "claims": ["iss": "\(provider.base)/\(Self.tenant)/v2.0", "tid": Self.tenant]
            ])
            let signIn = try await provider.signIn(client, issuerPrefix: "/common/v2.0")
            #expect(signIn.provider.issuer == "\(provider.base)/{tenantid}/v2.0")
            let claims = try await client.verify(
                idToken: signIn.idToken, provider: signIn.provider, expectations: signIn.expectations())
            #expect(claims.tenantIdentifier == Self.tenant)
            #expect(claims.issuer == "\(provider.base)/\(Self.tenant)/v2.0")
        }
    }

    @Test func tenantIssuerIsRefusedWhenTheTokensTidNamesAnotherTenant() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape([
                "claims": [
                    "iss": "\(provider.base)/\(Self.tenant)/v2.0", "tid": "00000000-0000-0000-0000-000000000001",
                ]
            ])
            let signIn = try await provider.signIn(client, issuerPrefix: "/common/v2.0")
            #expect(await refusal(client, signIn) == .wrongIssuer)
        }
    }

    @Test func tenantIssuerIsRefusedWhenTheTokenHasNoTid() async throws {
        try await withShapedProvider { client, provider async throws in
            try await provider.shape(["claims": ["iss": "\(provider.base)/\(Self.tenant)/v2.0"]])
            let signIn = try await provider.signIn(client, issuerPrefix: "/common/v2.0")
            #expect(await refusal(client, signIn) == .wrongIssuer)
        }
    }
}
