import Foundation
import TenantrySAML
import Testing

/// Responses a correct identity provider sends are accepted, and what they say is returned.
@Suite("SAML responses that verify")
struct ResponseAcceptanceTests {
    let now = Date()
    let verifier = SAMLResponseVerifier()

    @Test func assertionSignedWithThePinnedKeyYieldsSubjectAndAttributes() async throws {
        let response = try await IdentityProviderPeer.response(
            now: now,
            [
                "attributes": ["groups": ["admins", "staff"], "displayName": ["Ada Lovelace"]],
                "session_index": "_session-42",
            ]
        )
        let assertion = try verifier.verify(
            samlResponseBase64: response,
            expectations: await IdentityProviderPeer.expectations(now: now)
        )
        #expect(assertion.id == "_assertion-1")
        #expect(assertion.issuer == IdentityProviderPeer.identityProviderEntityID)
        #expect(assertion.nameID == "ada@acme.example")
        #expect(assertion.nameIDFormat == SAMLNameIDFormat.emailAddress)
        #expect(assertion.email == "ada@acme.example")
        #expect(assertion.attributes == ["groups": ["admins", "staff"], "displayName": ["Ada Lovelace"]])
        #expect(assertion.sessionIndex == "_session-42")
        // The earliest NotOnOrAfter (300 s after the IdP's whole-second now) plus the 60 s skew.
        let issued = now.timeIntervalSince1970.rounded(.down)
        #expect(assertion.notOnOrAfter == Date(timeIntervalSince1970: issued + 300 + 60))
    }

    @Test func responseSignedOnlyAtTheResponseLevelVerifies() async throws {
        let response = try await IdentityProviderPeer.response(now: now, ["sign": "response"])
        let assertion = try verifier.verify(
            samlResponseBase64: response,
            expectations: await IdentityProviderPeer.expectations(now: now)
        )
        #expect(assertion.nameID == "ada@acme.example")
    }

    @Test func responseAndAssertionBothSignedVerify() async throws {
        let response = try await IdentityProviderPeer.response(now: now, ["sign": "both"])
        let assertion = try verifier.verify(
            samlResponseBase64: response,
            expectations: await IdentityProviderPeer.expectations(now: now)
        )
        #expect(assertion.nameID == "ada@acme.example")
    }

    @Test(arguments: ["rsa-sha384", "rsa-sha512"])
    func strongerRSASignaturesVerify(algorithm: String) async throws {
        let response = try await IdentityProviderPeer.response(
            now: now,
            ["signature_algorithm": algorithm, "digest_algorithm": "sha512"]
        )
        let assertion = try verifier.verify(
            samlResponseBase64: response,
            expectations: await IdentityProviderPeer.expectations(now: now)
        )
        #expect(assertion.nameID == "ada@acme.example")
    }

    @Test func ecdsaSignatureWithThePinnedP256KeyVerifies() async throws {
        let response = try await IdentityProviderPeer.response(
            now: now,
            ["signing_key": "ec", "signature_algorithm": "ecdsa-sha256"]
        )
        let assertion = try verifier.verify(
            samlResponseBase64: response,
            expectations: await IdentityProviderPeer.expectations(now: now, certificates: ["idp", "ec"])
        )
        #expect(assertion.nameID == "ada@acme.example")
    }

    @Test func anyOfSeveralPinnedCertificatesMaySign() async throws {
        // Key rollover: the metadata lists the old and the new certificate.
        let response = try await IdentityProviderPeer.response(now: now, ["signing_key": "other"])
        let assertion = try verifier.verify(
            samlResponseBase64: response,
            expectations: await IdentityProviderPeer.expectations(now: now, certificates: ["idp", "other"])
        )
        #expect(assertion.nameID == "ada@acme.example")
    }

    @Test func certificateInKeyInfoIsIgnoredInFavourOfThePinnedOne() async throws {
        // Signed with the pinned key, but KeyInfo (which no reference covers) names another
        // certificate: verification uses the pinned certificate and never looks at KeyInfo.
        let response = try await IdentityProviderPeer.response(now: now, ["attack": "key-info-other-certificate"])
        let assertion = try verifier.verify(
            samlResponseBase64: response,
            expectations: await IdentityProviderPeer.expectations(now: now)
        )
        #expect(assertion.nameID == "ada@acme.example")
    }

    @Test func identityProviderInitiatedResponseVerifiesWhenAllowed() async throws {
        let response = try await IdentityProviderPeer.response(now: now, ["in_response_to": NSNull()])
        let assertion = try verifier.verify(
            samlResponseBase64: response,
            expectations: await IdentityProviderPeer.expectations(now: now, solicitation: .identityProviderInitiated)
        )
        #expect(assertion.nameID == "ada@acme.example")
    }

    @Test func emailComesFromAnAttributeWhenTheNameIDIsNotAnAddress() async throws {
        let response = try await IdentityProviderPeer.response(
            now: now,
            [
                "name_id": "a1b2c3",
                "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
                "attributes": ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": ["ada@acme.example"]],
            ]
        )
        let assertion = try verifier.verify(
            samlResponseBase64: response,
            expectations: await IdentityProviderPeer.expectations(now: now)
        )
        #expect(assertion.nameID == "a1b2c3")
        #expect(assertion.email == "ada@acme.example")
    }

    @Test func expiryWithinTheClockSkewIsTolerated() async throws {
        let response = try await IdentityProviderPeer.response(
            now: now,
            ["not_on_or_after": -30, "subject_not_on_or_after": -30]
        )
        _ = try verifier.verify(
            samlResponseBase64: response,
            expectations: await IdentityProviderPeer.expectations(now: now, clockSkew: .seconds(60))
        )
    }

    @Test func verificationsOnManyTasksAtOnceAllSucceed() async throws {
        let response = try await IdentityProviderPeer.response(now: now)
        let expectations = try await IdentityProviderPeer.expectations(now: now)
        let verifier = verifier
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    try verifier.verify(samlResponseBase64: response, expectations: expectations).nameID
                }
            }
            for try await nameID in group { #expect(nameID == "ada@acme.example") }
        }
    }
}
