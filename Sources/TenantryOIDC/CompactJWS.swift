import Foundation
import JWTKit
import TenantryCore

/// An ID token split into its parts, with the header read by us (not by jwt-kit), so that the
/// algorithm is judged before any key is touched.
struct CompactJWS {
    /// The header fields that key selection uses.
    struct Header: Decodable {
        var algorithm: String
        var keyID: String?
        var critical: [String]?

        enum CodingKeys: String, CodingKey {
            case algorithm = "alg"
            case keyID = "kid"
            case critical = "crit"
        }
    }

    /// The largest token accepted (providers' ID tokens are a few kilobytes).
    static let maximumLength = 64 * 1024

    let text: String
    let header: Header
    let payload: Data

    /// Reads the three base64url parts and the header; refuses a `crit` header, since no
    /// extension is understood here (RFC 7515 §4.1.11).
    init(_ text: String) throws(OpenIDError) {
        guard text.utf8.count <= Self.maximumLength else { throw .malformedToken }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]),
            let payload = Base64URL.decode(parts[1]), Base64URL.decode(parts[2]) != nil
        else { throw .malformedToken }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: headerBytes)
        } catch {
            throw .malformedToken
        }
        guard header.critical == nil else { throw .malformedToken }
        self.text = text
        self.header = header
        self.payload = payload
    }

    /// Verifies the signature with `key` alone, through jwt-kit. The key is given to jwt-kit as
    /// the only one of a fresh collection, with the token's algorithm, so jwt-kit's own choice of
    /// key (which falls back to a default key for an unknown `kid`) plays no part.
    func verifySignature(with key: PublishedKey) async throws(OpenIDError) {
        guard let algorithm = JWK.Algorithm(rawValue: header.algorithm) else { throw .algorithmNotAllowed }
        var jwk = key.jwk
        jwk.keyIdentifier = JWKIdentifier(string: "selected")
        jwk.algorithm = algorithm
        let keys = JWTKeyCollection()
        do {
            try await keys.add(jwk: jwk)
        } catch {
            throw .keysUnavailable
        }
        do {
            _ = try await keys.verify(text, as: SignatureOnly.self)
        } catch {
            throw .signatureInvalid
        }
    }
}

/// What jwt-kit decodes the payload into: nothing. The claims are read and checked afterwards by
/// `IDTokenClaimRules`, each refusal with its own `OpenIDError`.
private struct SignatureOnly: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
