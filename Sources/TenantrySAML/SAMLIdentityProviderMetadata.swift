internal import CXMLSec
public import Foundation

/// What a service provider needs from an identity provider's SAML 2.0 metadata: who it is,
/// where to send users, and which certificates sign its assertions.
///
/// The metadata's own signature, if any, is not checked: an administrator supplies the document
/// (upload or a URL they chose), and the certificates it yields are then pinned.
public struct SAMLIdentityProviderMetadata: Sendable, Hashable {
    /// The identity provider's entity ID (the `Issuer` of its responses).
    public var entityID: String
    /// The `SingleSignOnService` endpoint with the HTTP-Redirect binding.
    public var singleSignOnRedirectURL: URL
    /// The DER-encoded X.509 certificates from `KeyDescriptor`s with `use="signing"` or no `use`,
    /// in document order. Responses must be signed with the key of one of these.
    public var signingCertificates: [Data]

    /// The largest metadata document `parse(xml:)` reads: 1 MiB.
    public static let maximumSize = 1 << 20

    /// Creates metadata from known values.
    public init(entityID: String, singleSignOnRedirectURL: URL, signingCertificates: [Data]) {
        self.entityID = entityID
        self.singleSignOnRedirectURL = singleSignOnRedirectURL
        self.signingCertificates = signingCertificates
    }

    /// Reads an `EntityDescriptor` (or an `EntitiesDescriptor` holding exactly one identity
    /// provider) with one `IDPSSODescriptor`.
    ///
    /// - Throws: `SAMLMetadataError` when the document is not such metadata, has no signing
    ///   certificate, a certificate that does not parse, or no HTTP-Redirect SSO endpoint.
    public static func parse(xml: Data) throws(SAMLMetadataError) -> SAMLIdentityProviderMetadata {
        guard xml.count <= maximumSize else { throw .tooLarge }
        return try XMLSecurityLibrary.run(unavailable: SAMLMetadataError.verifierUnavailable) {
            () throws(SAMLMetadataError) -> SAMLIdentityProviderMetadata in
            let document: ParsedXML
            do throws(XMLParseFailure) {
                document = try ParsedXML(xml)
            } catch {
                switch error {
                case .documentType: throw .documentTypeNotAllowed
                case .malformed: throw .malformedXML
                }
            }
            return try read(document.root)
        }
    }

    private static let redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    private static let md = XMLNamespace.samlMetadata
    private static let ds = XMLNamespace.xmlSignature

    private static func read(_ root: DOMElement) throws(SAMLMetadataError) -> SAMLIdentityProviderMetadata {
        let entities: [DOMElement]
        if root.isElement("EntityDescriptor", in: md) {
            entities = [root]
        } else if root.isElement("EntitiesDescriptor", in: md) {
            entities = root.children("EntityDescriptor", in: md)
        } else {
            throw .malformedXML
        }
        let providers = entities.filter { !$0.children("IDPSSODescriptor", in: md).isEmpty }
        guard providers.count == 1, let entity = providers.first else { throw .noIdentityProvider }
        let descriptors = entity.children("IDPSSODescriptor", in: md)
        guard descriptors.count == 1, let descriptor = descriptors.first,
            let entityID = entity.attribute("entityID"), !entityID.isEmpty
        else { throw .noIdentityProvider }

        var certificates: [Data] = []
        for keyDescriptor in descriptor.children("KeyDescriptor", in: md) {
            let use = keyDescriptor.attribute("use")
            guard use == nil || use == "signing" else { continue }
            for keyInfo in keyDescriptor.children("KeyInfo", in: ds) {
                for x509Data in keyInfo.children("X509Data", in: ds) {
                    for element in x509Data.children("X509Certificate", in: ds) {
                        guard let text = element.soleText else { throw .invalidCertificate }
                        let compact = text.filter { !$0.isWhitespace }
                        guard let der = Data(base64Encoded: compact), XMLSignatureCheck.isReadableCertificate(der)
                        else { throw .invalidCertificate }
                        if !certificates.contains(der) { certificates.append(der) }
                    }
                }
            }
        }
        guard !certificates.isEmpty else { throw .noSigningCertificate }

        let redirect = descriptor.children("SingleSignOnService", in: md).first {
            $0.attribute("Binding") == redirectBinding
        }
        guard let location = redirect?.attribute("Location"), let url = URL(string: location),
            let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil
        else { throw .noRedirectSingleSignOnService }
        return SAMLIdentityProviderMetadata(
            entityID: entityID,
            singleSignOnRedirectURL: url,
            signingCertificates: certificates
        )
    }
}
