import Foundation
import TenantrySAML
import Testing

/// Each rule of the verifier, shown by a response the third-party IdP signs that breaks it.
@Suite("SAML responses that are refused")
struct ResponseRefusalTests {
    let now = Date()
    let verifier = SAMLResponseVerifier()

    /// Verifies a peer response built with `overrides` and returns the refusal, if any.
    private func refusal(
        _ overrides: [String: Any],
        certificates: [String] = ["idp"],
        solicitation: SAMLExpectations.Solicitation = .request(id: IdentityProviderPeer.requestID),
        clockSkew: Duration = .seconds(60)
    ) async throws -> SAMLError? {
        let response = try await IdentityProviderPeer.response(now: now, overrides)
        return refusal(
            of: response,
            expectations: try await IdentityProviderPeer.expectations(
                now: now,
                certificates: certificates,
                solicitation: solicitation,
                clockSkew: clockSkew
            )
        )
    }

    private func refusal(of response: String, expectations: SAMLExpectations) -> SAMLError? {
        do {
            _ = try verifier.verify(samlResponseBase64: response, expectations: expectations)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Signatures

    @Test func unsignedResponseIsRefused() async throws {
        #expect(try await refusal(["sign": "none"]) == .unsigned)
    }

    @Test func signatureByAnUnpinnedKeyIsRefusedEvenWithItsCertificateInKeyInfo() async throws {
        // signxml puts the signer's certificate into KeyInfo; it must not be trusted.
        #expect(try await refusal(["signing_key": "other"]) == .untrustedKey)
    }

    @Test func ecdsaSignatureIsRefusedWhenOnlyAnRSACertificateIsPinned() async throws {
        #expect(try await refusal(["signing_key": "ec", "signature_algorithm": "ecdsa-sha256"]) == .untrustedKey)
    }

    @Test func contentChangedAfterSigningIsRefused() async throws {
        #expect(try await refusal(["attack": "tampered-name-id"]) == .signatureInvalid)
    }

    @Test func rsaSha1SignatureWithSha1DigestIsRefusedAsWeak() async throws {
        #expect(try await refusal(["signature_algorithm": "rsa-sha1", "digest_algorithm": "sha1"]) == .weakAlgorithm)
    }

    @Test func rsaSha1SignatureIsRefusedAsWeakEvenWithASha256Digest() async throws {
        #expect(try await refusal(["signature_algorithm": "rsa-sha1", "digest_algorithm": "sha256"]) == .weakAlgorithm)
    }

    @Test func sha1DigestIsRefusedAsWeakEvenUnderAnRSASha256Signature() async throws {
        #expect(try await refusal(["signature_algorithm": "rsa-sha256", "digest_algorithm": "sha1"]) == .weakAlgorithm)
    }

    @Test func canonicalisationWithCommentsIsRefused() async throws {
        #expect(
            try await refusal(["c14n_algorithm": "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"])
                == .disallowedTransform
        )
    }

    // MARK: Wrapping and ambiguity

    @Test func unsignedAssertionBesideTheSignedOneIsRefused() async throws {
        #expect(try await refusal(["attack": "wrapped-sibling"]) == .ambiguousStructure)
    }

    @Test func signedAssertionMovedIntoExtensionsWithAnUnsignedOneInItsPlaceIsRefused() async throws {
        #expect(try await refusal(["attack": "wrapped-in-extensions"]) == .ambiguousStructure)
    }

    @Test func duplicateIDsAreRefused() async throws {
        #expect(try await refusal(["attack": "duplicate-id"]) == .ambiguousStructure)
    }

    @Test func aSecondSignatureInsideTheAssertionIsRefused() async throws {
        #expect(try await refusal(["attack": "second-signature"]) == .ambiguousStructure)
    }

    @Test func commentInsideTheNameIDIsRefusedThoughTheSignatureStillVerifies() async throws {
        // Signed as admin@victim.example.evil.example; the comment splits it after
        // admin@victim.example. Exclusive c14n drops comments, so the digest still matches and
        // the refusal comes from reading the NameID, after the signature check passed.
        let overrides: [String: Any] = ["attack": "comment-in-name-id", "name_id": "admin@victim.example.evil.example"]
        #expect(try await refusal(overrides) == .ambiguousText)
    }

    // MARK: Addressing

    @Test func wrongDestinationIsRefused() async throws {
        #expect(try await refusal(["destination": "https://other.example.test/saml/acs"]) == .wrongDestination)
    }

    @Test func wrongRecipientIsRefused() async throws {
        #expect(try await refusal(["recipient": "https://other.example.test/saml/acs"]) == .wrongRecipient)
    }

    @Test func wrongAudienceIsRefused() async throws {
        #expect(try await refusal(["audience": "https://other.example.test/saml/metadata"]) == .wrongAudience)
    }

    @Test func assertionFromAnotherIssuerIsRefused() async throws {
        #expect(try await refusal(["issuer": "https://evil.example.test/metadata"]) == .wrongIssuer)
    }

    @Test func responseIssuerOtherThanTheIdentityProviderIsRefused() async throws {
        #expect(try await refusal(["response_issuer": "https://evil.example.test/metadata", "sign": "both"]) == .wrongIssuer)
    }

    // MARK: Time

    @Test func expiredAssertionIsRefused() async throws {
        #expect(try await refusal(["not_on_or_after": -600, "subject_not_on_or_after": -600]) == .expired)
    }

    @Test func expiredSubjectConfirmationIsRefused() async throws {
        #expect(try await refusal(["subject_not_on_or_after": -600]) == .expired)
    }

    @Test func assertionNotYetValidIsRefused() async throws {
        #expect(try await refusal(["not_before": 600]) == .notYetValid)
    }

    @Test func clockSkewIsCappedAtTwoMinutes() async throws {
        // Expired ten minutes ago: an hour of skew would accept it, the cap does not.
        let expectations = try await IdentityProviderPeer.expectations(now: now, clockSkew: .seconds(3_600))
        #expect(expectations.clockSkew == SAMLExpectations.maximumClockSkew)
        #expect(
            try await refusal(["not_on_or_after": -600, "subject_not_on_or_after": -600], clockSkew: .seconds(3_600))
                == .expired
        )
    }

    // MARK: Correlation

    @Test func responseToAnotherRequestIsRefused() async throws {
        #expect(try await refusal(["in_response_to": "_someone-elses-request"]) == .inResponseToMismatch)
    }

    @Test func unsolicitedResponseIsRefusedWhenARequestIsExpected() async throws {
        #expect(try await refusal(["in_response_to": NSNull()]) == .unsolicitedNotAllowed)
    }

    @Test func inResponseToOnAnUnsignedResponseAloneDoesNotMakeItSolicited() async throws {
        // Only the assertion is signed and it names no request; the Response's InResponseTo is
        // not covered by any signature, so anyone could have added it.
        #expect(try await refusal(["subject_in_response_to": NSNull()]) == .unsolicitedNotAllowed)
    }

    @Test func inResponseToOnASignedResponseCountsWhenTheAssertionNamesNoRequest() async throws {
        let response = try await IdentityProviderPeer.response(now: now, ["subject_in_response_to": NSNull(), "sign": "both"])
        let expectations = try await IdentityProviderPeer.expectations(now: now)
        #expect(refusal(of: response, expectations: expectations) == nil)
    }

    @Test func responseNamingARequestIsRefusedWhenOnlyIdPInitiatedIsExpected() async throws {
        #expect(try await refusal([:], solicitation: .identityProviderInitiated) == .inResponseToMismatch)
    }

    // MARK: Status and input

    @Test func failureStatusIsRefused() async throws {
        #expect(try await refusal(["status": "urn:oasis:names:tc:SAML:2.0:status:Responder"]) == .statusNotSuccess)
    }

    @Test func encryptedAssertionIsRefusedAsUnsupported() async throws {
        #expect(try await refusal(["attack": "encrypted-assertion", "sign": "response"]) == .encryptedAssertionNotSupported)
    }

    @Test func documentWithADoctypeIsRefused() async throws {
        #expect(try await refusal(["attack": "doctype"]) == .documentTypeNotAllowed)
    }

    @Test func oversizedInputIsRefusedBeforeDecoding() async throws {
        let huge = String(repeating: "A", count: SAMLResponseVerifier.maximumEncodedSize + 4)
        #expect(refusal(of: huge, expectations: try await IdentityProviderPeer.expectations(now: now)) == .tooLarge)
    }

    @Test func textThatIsNotBase64XMLIsRefusedAsMalformed() async throws {
        let expectations = try await IdentityProviderPeer.expectations(now: now)
        #expect(refusal(of: "not base64 at all!", expectations: expectations) == .malformedXML)
        let notXML = Data("<samlp:Response".utf8).base64EncodedString()
        #expect(refusal(of: notXML, expectations: expectations) == .malformedXML)
    }

    @Test func refusalMessagesQuoteNothingFromTheDocument() async throws {
        let overrides: [String: Any] = ["attack": "comment-in-name-id", "name_id": "admin@victim.example.evil.example"]
        let error = try #require(try await refusal(overrides))
        #expect(!error.description.contains("victim"))
        #expect(!"\(error)".contains("victim"))
    }
}
