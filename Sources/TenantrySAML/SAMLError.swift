/// Why a SAML Response was refused.
///
/// A closed set: the application layer maps each case to what it tells the user and what it
/// logs. `description` is a short fixed sentence that never repeats any part of the document,
/// so it is safe in a log line or an error page.
public enum SAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The encoded response is larger than `SAMLResponseVerifier.maximumEncodedSize`.
    case tooLarge
    /// Not base64, not well-formed XML, or not a SAML 2.0 Response.
    case malformedXML
    /// The document has a DOCTYPE; DTDs and entities are never processed.
    case documentTypeNotAllowed
    /// The assertion is encrypted (`EncryptedAssertion` or `EncryptedID`), which is not supported.
    case encryptedAssertionNotSupported
    /// A required element or attribute is missing.
    case missingElement
    /// The top-level status is not `urn:oasis:names:tc:SAML:2.0:status:Success`.
    case statusNotSuccess
    /// Neither the assertion nor the response carries a signature.
    case unsigned
    /// A signature is malformed, or the signed content was altered after signing.
    case signatureInvalid
    /// The signature was not made with any of the pinned identity-provider keys.
    case untrustedKey
    /// The signature or digest algorithm is SHA-1 or otherwise not on the allow-list.
    case weakAlgorithm
    /// A reference transform or canonicalisation method other than enveloped-signature and
    /// exclusive canonicalisation without comments.
    case disallowedTransform
    /// More than one assertion, a signature in an unexpected place or more than one on an
    /// element, duplicate IDs, or a reference that does not point at its enclosing element:
    /// the shapes signature-wrapping attacks take.
    case ambiguousStructure
    /// A value that must be plain text holds a comment, an element or more than one text node.
    case ambiguousText
    /// The response's `Destination` is not this service provider's ACS URL.
    case wrongDestination
    /// The bearer confirmation's `Recipient` is not this service provider's ACS URL.
    case wrongRecipient
    /// The audience restriction does not name this service provider.
    case wrongAudience
    /// The response or assertion `Issuer` is not the identity provider's entity ID.
    case wrongIssuer
    /// There is no bearer `SubjectConfirmation`.
    case noBearerConfirmation
    /// `NotBefore` (or the issue instant) is still in the future, even allowing for clock skew.
    case notYetValid
    /// `NotOnOrAfter` has passed, even allowing for clock skew.
    case expired
    /// `InResponseTo` names a request other than the expected one.
    case inResponseToMismatch
    /// The response answers no request (no `InResponseTo`), and IdP-initiated sign-in is not
    /// allowed here.
    case unsolicitedNotAllowed
    /// libxmlsec1 could not be initialised (missing or ABI-incompatible library).
    case verifierUnavailable

    /// A short, fixed explanation that quotes nothing from the document.
    public var description: String {
        switch self {
        case .tooLarge: "SAML response is too large"
        case .malformedXML: "SAML response is not a well-formed SAML 2.0 Response"
        case .documentTypeNotAllowed: "SAML response contains a DOCTYPE"
        case .encryptedAssertionNotSupported: "encrypted SAML assertions are not supported"
        case .missingElement: "SAML response lacks a required element"
        case .statusNotSuccess: "identity provider reported a failure status"
        case .unsigned: "SAML response is not signed"
        case .signatureInvalid: "SAML signature is invalid"
        case .untrustedKey: "SAML signature was not made with a trusted identity-provider key"
        case .weakAlgorithm: "SAML signature uses an algorithm that is not allowed"
        case .disallowedTransform: "SAML signature uses a transform that is not allowed"
        case .ambiguousStructure: "SAML response structure is ambiguous"
        case .ambiguousText: "SAML value contains markup where plain text is required"
        case .wrongDestination: "SAML response is addressed to another destination"
        case .wrongRecipient: "SAML assertion is addressed to another recipient"
        case .wrongAudience: "SAML assertion is intended for another audience"
        case .wrongIssuer: "SAML response comes from an unexpected issuer"
        case .noBearerConfirmation: "SAML assertion has no bearer subject confirmation"
        case .notYetValid: "SAML assertion is not yet valid"
        case .expired: "SAML assertion has expired"
        case .inResponseToMismatch: "SAML response answers a different request"
        case .unsolicitedNotAllowed: "unsolicited SAML responses are not allowed"
        case .verifierUnavailable: "SAML verification is unavailable"
        }
    }
}

/// Why identity-provider metadata was refused.
public enum SAMLMetadataError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The document is larger than `SAMLIdentityProviderMetadata.maximumSize`.
    case tooLarge
    /// Not well-formed XML, or not SAML 2.0 metadata.
    case malformedXML
    /// The document has a DOCTYPE.
    case documentTypeNotAllowed
    /// Not exactly one entity with exactly one `IDPSSODescriptor`, or no `entityID`.
    case noIdentityProvider
    /// No `KeyDescriptor` for signing (`use="signing"` or no `use`) holds a certificate.
    case noSigningCertificate
    /// A signing certificate is not a certificate libxmlsec1 can read.
    case invalidCertificate
    /// No `SingleSignOnService` with the HTTP-Redirect binding and an absolute https or http URL.
    case noRedirectSingleSignOnService
    /// libxmlsec1 could not be initialised.
    case verifierUnavailable

    /// A short, fixed explanation that quotes nothing from the document.
    public var description: String {
        switch self {
        case .tooLarge: "SAML metadata is too large"
        case .malformedXML: "SAML metadata is not well-formed SAML 2.0 metadata"
        case .documentTypeNotAllowed: "SAML metadata contains a DOCTYPE"
        case .noIdentityProvider: "SAML metadata does not describe exactly one identity provider"
        case .noSigningCertificate: "SAML metadata has no signing certificate"
        case .invalidCertificate: "SAML metadata holds an unreadable signing certificate"
        case .noRedirectSingleSignOnService: "SAML metadata has no HTTP-Redirect single sign-on endpoint"
        case .verifierUnavailable: "SAML verification is unavailable"
        }
    }
}

/// Why an AuthnRequest could not be built.
public enum SAMLRequestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The request ID is not an XML NCName (letters, digits, `_`, `-`, `.`; not starting with a
    /// digit, `-` or `.`), or is shorter than 16 or longer than 128 characters.
    case invalidRequestID
    /// RelayState is longer than the 80 bytes the binding allows.
    case relayStateTooLong
    /// The identity provider's SSO URL and the query do not form a URL.
    case invalidDestination
    /// zlib failed to compress the request.
    case compressionFailed

    /// A short, fixed explanation.
    public var description: String {
        switch self {
        case .invalidRequestID: "SAML request ID is not a valid identifier"
        case .relayStateTooLong: "SAML RelayState is longer than 80 bytes"
        case .invalidDestination: "SAML single sign-on URL is not usable"
        case .compressionFailed: "SAML request could not be compressed"
        }
    }
}
