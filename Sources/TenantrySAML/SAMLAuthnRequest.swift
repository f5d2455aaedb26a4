internal import CZlib
public import Foundation

/// An AuthnRequest sent with the HTTP-Redirect binding (unsigned: the SP metadata says
/// `AuthnRequestsSigned="false"`).
///
/// The caller keeps `requestID` (for example in the user's pre-login session, with the
/// RelayState) and later passes it as `SAMLExpectations.Solicitation.request(id:)`, so a
/// response is accepted only for a request this browser started.
public enum SAMLAuthnRequest {
    /// A fresh request ID: `_` and 32 random hexadecimal digits (128 bits).
    public static func newRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let words = [generator.next(), generator.next()] as [UInt64]
        return "_"
            + words.map { word in
                let hex = String(word, radix: 16)
                return String(repeating: "0", count: 16 - hex.count) + hex
            }.joined()
    }

    /// The URL that sends the browser to the identity provider with an AuthnRequest.
    ///
    /// The request XML is compressed with raw DEFLATE (no zlib header), base64-encoded and
    /// percent-encoded into `SAMLRequest`; `RelayState` follows when given. Query items already
    /// in the IdP's endpoint URL are kept.
    ///
    /// - Parameters:
    ///   - sp: this service provider (Issuer and AssertionConsumerServiceURL).
    ///   - idp: the identity provider (Destination and the URL's endpoint).
    ///   - requestID: the request's `ID`, an NCName of 16 to 128 characters (see
    ///     `newRequestID()`).
    ///   - issueInstant: the request's `IssueInstant`.
    ///   - relayState: an opaque value of at most 80 bytes that the IdP returns with the
    ///     response, or nil.
    /// - Throws: `SAMLRequestError`.
    public static func redirectURL(
        sp: SAMLServiceProvider,
        idp: SAMLIdentityProviderMetadata,
        requestID: String,
        issueInstant: Date,
        relayState: String?
    ) throws(SAMLRequestError) -> URL {
        guard isAcceptableID(requestID) else { throw .invalidRequestID }
        if let relayState, relayState.utf8.count > 80 { throw .relayStateTooLong }
        let destination = idp.singleSignOnRedirectURL.absoluteString
        let xml = """
            <samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" \
            xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="\(requestID)" Version="2.0" \
            IssueInstant="\(SAMLInstant.format(issueInstant))" Destination="\(XMLEscaping.attribute(destination))" \
            AssertionConsumerServiceURL="\(XMLEscaping.attribute(sp.assertionConsumerServiceURL.absoluteString))" \
            ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">\
            <saml:Issuer>\(XMLEscaping.attribute(sp.entityID))</saml:Issuer>\
            <samlp:NameIDPolicy Format="\(SAMLNameIDFormat.emailAddress)" AllowCreate="true"/>\
            </samlp:AuthnRequest>
            """
        let compressed = try RawDeflate.compress(Data(xml.utf8))
        var query = "SAMLRequest=" + percentEncoded(compressed.base64EncodedString())
        if let relayState { query += "&RelayState=" + percentEncoded(relayState) }
        let separator = destination.contains("?") ? "&" : "?"
        guard let url = URL(string: destination + separator + query) else { throw .invalidDestination }
        return url
    }

    private static func isAcceptableID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (16...128).contains(bytes.count), let first = bytes.first else { return false }
        func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
        }
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        guard isLetter(first) || first == UInt8(ascii: "_") else { return false }
        return bytes.allSatisfy {
            isLetter($0) || isDigit($0) || [UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ".")].contains($0)
        }
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    private static func percentEncoded(_ value: String) -> String {
        var result = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result
    }
}

/// Raw DEFLATE (RFC 1951, no zlib or gzip wrapper), as the HTTP-Redirect binding requires.
enum RawDeflate {
    static func compress(_ input: Data) throws(SAMLRequestError) -> Data {
        var stream = z_stream()
        // windowBits -15: raw deflate with a 32 KiB window.
        let initialised = deflateInit2_(
            &stream, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size)
        )
        guard initialised == Z_OK else { throw .compressionFailed }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(input.count)))
        var output = Data(count: bound)
        var input = input
        let status = input.withUnsafeMutableBytes { source in
            output.withUnsafeMutableBytes { destination in
                stream.next_in = source.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = uInt(source.count)
                stream.next_out = destination.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(destination.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw .compressionFailed }
        output.count = Int(stream.total_out)
        return output
    }
}
