import Foundation
import TenantrySAML
import Testing

@Suite("SAML identity-provider metadata")
struct IdentityProviderMetadataTests {
    private let base: [String: Any] = [
        "entity_id": IdentityProviderPeer.identityProviderEntityID,
        "sso_redirect": "https://idp.example.test/sso/redirect",
        "sso_post": "https://idp.example.test/sso/post",
        "signing_key": "idp",
        "encryption_key": "other",
    ]

    private func parse(_ overrides: [String: Any]) async throws -> SAMLIdentityProviderMetadata {
        try await SAMLIdentityProviderMetadata.parse(
            xml: IdentityProviderPeer.metadata(base.merging(overrides) { _, new in new })
        )
    }

    @Test func readsEntityIDRedirectEndpointAndOnlyTheSigningCertificate() async throws {
        let metadata = try await parse([:])
        #expect(metadata.entityID == IdentityProviderPeer.identityProviderEntityID)
        #expect(metadata.singleSignOnRedirectURL.absoluteString == "https://idp.example.test/sso/redirect")
        // The encryption-only certificate (other) is not a signing certificate.
        #expect(metadata.signingCertificates == [try await IdentityProviderPeer.certificate("idp")])
    }

    @Test func keyDescriptorWithoutUseCountsAsSigning() async throws {
        let metadata = try await parse(["signing_use": NSNull()])
        #expect(metadata.signingCertificates == [try await IdentityProviderPeer.certificate("idp")])
    }

    @Test func metadataWithoutASigningCertificateIsRefused() async throws {
        await #expect(throws: SAMLMetadataError.noSigningCertificate) { try await parse(["signing_key": NSNull()]) }
    }

    @Test func metadataWithoutARedirectEndpointIsRefused() async throws {
        await #expect(throws: SAMLMetadataError.noRedirectSingleSignOnService) { try await parse(["sso_redirect": NSNull()]) }
    }

    @Test func metadataWithAnUnreadableCertificateIsRefused() async throws {
        let xml = """
            <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" \
            xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.test/metadata">
            <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
            <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
            <ds:X509Certificate>bm90IGEgY2VydGlmaWNhdGU=</ds:X509Certificate>
            </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
            <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" \
            Location="https://idp.example.test/sso"/>
            </md:IDPSSODescriptor></md:EntityDescriptor>
            """
        #expect(throws: SAMLMetadataError.invalidCertificate) {
            try SAMLIdentityProviderMetadata.parse(xml: Data(xml.utf8))
        }
    }

    @Test func metadataWithADoctypeIsRefused() async throws {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE md:EntityDescriptor [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&x;"/>
            """
        #expect(throws: SAMLMetadataError.documentTypeNotAllowed) {
            try SAMLIdentityProviderMetadata.parse(xml: Data(xml.utf8))
        }
    }
}

@Suite("SAML AuthnRequest and SP metadata")
struct AuthnRequestTests {
    private let sp = SAMLServiceProvider(
        entityID: IdentityProviderPeer.serviceProviderEntityID,
        assertionConsumerServiceURL: URL(string: IdentityProviderPeer.assertionConsumerServiceURL)!
    )

    private func idp(_ location: String = "https://idp.example.test/sso/redirect") async throws -> SAMLIdentityProviderMetadata {
        SAMLIdentityProviderMetadata(
            entityID: IdentityProviderPeer.identityProviderEntityID,
            singleSignOnRedirectURL: try #require(URL(string: location)),
            signingCertificates: [try await IdentityProviderPeer.certificate("idp")]
        )
    }

    @Test func redirectURLCarriesARawDeflatedRequestThePeerCanRead() async throws {
        let requestID = SAMLAuthnRequest.newRequestID()
        let url = try SAMLAuthnRequest.redirectURL(
            sp: sp,
            idp: await idp(),
            requestID: requestID,
            issueInstant: Date(timeIntervalSince1970: 1_767_323_045),
            relayState: "/dashboard?tab=1&x=a b"
        )
        let request = try await IdentityProviderPeer.inspectRequest(url)
        #expect(request["endpoint"] as? String == "https://idp.example.test/sso/redirect")
        #expect(request["parameters"] as? [String] == ["RelayState", "SAMLRequest"])
        #expect(request["tag"] as? String == "{urn:oasis:names:tc:SAML:2.0:protocol}AuthnRequest")
        #expect(request["id"] as? String == requestID)
        #expect(request["version"] as? String == "2.0")
        #expect(request["issue_instant"] as? String == "2026-01-02T03:04:05Z")
        #expect(request["destination"] as? String == "https://idp.example.test/sso/redirect")
        #expect(request["acs"] as? String == IdentityProviderPeer.assertionConsumerServiceURL)
        #expect(request["protocol_binding"] as? String == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
        #expect(request["issuer"] as? String == IdentityProviderPeer.serviceProviderEntityID)
        #expect(request["name_id_format"] as? String == SAMLNameIDFormat.emailAddress)
        #expect(request["relay_state"] as? String == "/dashboard?tab=1&x=a b")
    }

    @Test func redirectURLKeepsTheQueryOfTheIdentityProviderEndpoint() async throws {
        let url = try await SAMLAuthnRequest.redirectURL(
            sp: sp,
            idp: idp("https://idp.example.test/sso?tenant=acme"),
            requestID: SAMLAuthnRequest.newRequestID(),
            issueInstant: Date(),
            relayState: nil
        )
        let request = try await IdentityProviderPeer.inspectRequest(url)
        #expect(request["parameters"] as? [String] == ["SAMLRequest", "tenant"])
        #expect(request["relay_state"] is NSNull)
    }

    @Test func relayStateLongerThan80BytesIsRefused() async throws {
        let idp = try await idp()
        #expect(throws: SAMLRequestError.relayStateTooLong) {
            try SAMLAuthnRequest.redirectURL(
                sp: sp,
                idp: idp,
                requestID: SAMLAuthnRequest.newRequestID(),
                issueInstant: Date(),
                relayState: String(repeating: "r", count: 81)
            )
        }
    }

    @Test func requestIDThatIsNotAnNCNameIsRefused() async throws {
        let idp = try await idp()
        for bad in ["1abcdefghijklmnopq", "_short", "_has space inside it", "_quote\"injection-attempt"] {
            #expect(throws: SAMLRequestError.invalidRequestID) {
                try SAMLAuthnRequest.redirectURL(
                    sp: sp,
                    idp: idp,
                    requestID: bad,
                    issueInstant: Date(),
                    relayState: nil
                )
            }
        }
    }

    @Test func newRequestIDsAreDistinct128BitNCNames() {
        let ids = (0..<100).map { _ in SAMLAuthnRequest.newRequestID() }
        #expect(Set(ids).count == 100)
        #expect(ids.allSatisfy { $0.count == 33 && $0.hasPrefix("_") })
    }

    @Test func serviceProviderMetadataDescribesPostACSAndSignedAssertions() async throws {
        let metadata = try await IdentityProviderPeer.inspectServiceProviderMetadata(sp.metadataXML())
        #expect(metadata["tag"] as? String == "{urn:oasis:names:tc:SAML:2.0:metadata}EntityDescriptor")
        #expect(metadata["entity_id"] as? String == IdentityProviderPeer.serviceProviderEntityID)
        #expect(metadata["authn_requests_signed"] as? String == "false")
        #expect(metadata["want_assertions_signed"] as? String == "true")
        #expect(metadata["protocols"] as? String == "urn:oasis:names:tc:SAML:2.0:protocol")
        #expect(metadata["name_id_formats"] as? [String] == [SAMLNameIDFormat.emailAddress])
        let acs = try #require(metadata["acs"] as? [[String: Any]])
        #expect(acs.count == 1)
        #expect(acs.first?["binding"] as? String == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
        #expect(acs.first?["location"] as? String == IdentityProviderPeer.assertionConsumerServiceURL)
    }
}
