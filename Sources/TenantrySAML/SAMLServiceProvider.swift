public import Foundation

/// This service provider, as one tenant's SAML connection presents it to the identity provider.
public struct SAMLServiceProvider: Sendable, Hashable {
    /// The service provider's entity ID (the audience the IdP must name).
    public var entityID: String
    /// The Assertion Consumer Service URL that receives responses with the HTTP-POST binding.
    public var assertionConsumerServiceURL: URL

    /// Creates a service provider description.
    public init(entityID: String, assertionConsumerServiceURL: URL) {
        self.entityID = entityID
        self.assertionConsumerServiceURL = assertionConsumerServiceURL
    }

    /// The SP metadata to give the identity provider: unsigned AuthnRequests, signed assertions
    /// wanted, one HTTP-POST ACS, and the emailAddress NameID format.
    public func metadataXML() -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" \
        entityID="\(XMLEscaping.attribute(entityID))">
            <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" \
        protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
                <md:NameIDFormat>\(SAMLNameIDFormat.emailAddress)</md:NameIDFormat>
                <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" \
        Location="\(XMLEscaping.attribute(assertionConsumerServiceURL.absoluteString))" index="0" isDefault="true"/>
            </md:SPSSODescriptor>
        </md:EntityDescriptor>

        """
    }
}

/// NameID formats this module names.
public enum SAMLNameIDFormat {
    /// `urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress`.
    public static let emailAddress = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
}

/// Escaping for text written into XML attributes and elements.
enum XMLEscaping {
    /// `value` with `&`, `<`, `>`, `"` and `'` replaced by entity references.
    static func attribute(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
