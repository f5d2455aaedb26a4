import Foundation
import TenantryCore

/// The rules an ID token's header algorithm and claims must follow (OpenID Connect Core
/// §3.1.3.7), each broken rule refused with its own `OpenIDError`.
enum IDTokenClaimRules {
    /// The algorithms this adapter can verify (through jwt-kit).
    static let verifiableAlgorithms: Set<String> = [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    ]

    /// Refuses `none`, every HMAC algorithm (the client secret is no key a provider signs ID
    /// tokens with here), and anything not both allowed and verifiable.
    static func checkAlgorithm(_ algorithm: String, allowed: Set<String>) throws(OpenIDError) {
        let name = algorithm.uppercased()
        guard name != "NONE", !name.hasPrefix("HS"), allowed.contains(algorithm),
            verifiableAlgorithms.contains(algorithm)
        else { throw .algorithmNotAllowed }
    }

    /// Checks the claims, in this order: `iss`, `aud`/`azp`, `exp`, `iat`, `nbf`, `nonce`, `sub`.
    static func check(_ payload: Data, expectations: IDTokenExpectations) throws(OpenIDError) -> IDTokenClaims {
        let claims: Payload
        do {
            claims = try JSONDecoder().decode(Payload.self, from: payload)
        } catch {
            throw .malformedToken
        }

        guard let issuer = claims.issuer, issuer == expectedIssuer(expectations.issuer, tenant: claims.tenantID)
        else { throw .wrongIssuer }

        guard let audience = claims.audience, audience.contains(expectations.clientID) else { throw .wrongAudience }
        if let party = claims.authorizedParty, party != expectations.clientID { throw .wrongAudience }
        // Several audiences: the token must say which of them it was issued to (§3.1.3.7, 4-5).
        if audience.count > 1, claims.authorizedParty == nil { throw .wrongAudience }

        let now = expectations.now.timeIntervalSince1970
        guard let expires = claims.expires, let issuedAt = claims.issuedAt else { throw .missingClaim }
        guard expires > now - expectations.leeway else { throw .expired }
        guard issuedAt <= now + expectations.leeway else { throw .notYetValid }
        if let notBefore = claims.notBefore, notBefore > now + expectations.leeway { throw .notYetValid }

        guard let nonce = claims.nonce, nonce == expectations.nonce else { throw .wrongNonce }
        guard let subject = claims.subject, !subject.isEmpty else { throw .missingClaim }

        return IDTokenClaims(
            issuer: issuer, subject: subject, email: claims.email, emailVerified: claims.emailVerified,
            name: claims.name, tenantIdentifier: claims.tenantID)
    }

    /// The issuer to compare `iss` with: `expected` itself, or, for Entra ID's multi-tenant
    /// `{tenantid}` form, `expected` with the token's `tid` in the placeholder's place (nil,
    /// so never equal, when the token has no usable `tid`).
    static func expectedIssuer(_ expected: String, tenant: String?) -> String? {
        let placeholder = "{tenantid}"
        guard expected.contains(placeholder) else { return expected }
        guard let tenant, !tenant.isEmpty,
            tenant.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || $0 == "-" })
        else { return nil }
        return expected.replacingOccurrences(of: placeholder, with: tenant)
    }

    /// The claims read from the payload. Claims that decide acceptance must have their JSON
    /// types (a wrong type is a malformed token); display claims of a wrong type are ignored.
    private struct Payload: Decodable {
        var issuer: String?
        var subject: String?
        var audience: [String]?
        var authorizedParty: String?
        var expires: Double?
        var issuedAt: Double?
        var notBefore: Double?
        var nonce: String?
        var email: String?
        var emailVerified: Bool?
        var name: String?
        var tenantID: String?

        enum CodingKeys: String, CodingKey {
            case iss, sub, aud, azp, exp, iat, nbf, nonce, email, name, tid
            case emailVerified = "email_verified"
            case emailDomainOwnerVerified = "xms_edov"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            issuer = try container.decodeIfPresent(String.self, forKey: .iss)
            subject = try container.decodeIfPresent(String.self, forKey: .sub)
            if let single = try? container.decode(String.self, forKey: .aud) {
                audience = [single]
            } else {
                audience = try container.decodeIfPresent([String].self, forKey: .aud)
            }
            authorizedParty = try container.decodeIfPresent(String.self, forKey: .azp)
            expires = try container.decodeIfPresent(Double.self, forKey: .exp)
            issuedAt = try container.decodeIfPresent(Double.self, forKey: .iat)
            notBefore = try container.decodeIfPresent(Double.self, forKey: .nbf)
            nonce = try container.decodeIfPresent(String.self, forKey: .nonce)
            tenantID = try container.decodeIfPresent(String.self, forKey: .tid)
            email = (try? container.decodeIfPresent(String.self, forKey: .email)) ?? nil
            name = (try? container.decodeIfPresent(String.self, forKey: .name)) ?? nil
            if let flag = try? container.decodeIfPresent(Bool.self, forKey: .emailVerified) {
                emailVerified = flag
            } else if let text = try? container.decodeIfPresent(String.self, forKey: .emailVerified) {
                // Some providers (older Cognito, some Azure B2C policies) send "true"/"false".
                emailVerified = text.lowercased() == "true" ? true : (text.lowercased() == "false" ? false : nil)
            } else {
                emailVerified = nil
            }
            // Entra ID sends no `email_verified`; its optional claim `xms_edov` says that the
            // directory verified it owns the address's domain. It counts only when
            // `email_verified` is absent.
            if emailVerified == nil {
                emailVerified = Self.flag(container, .emailDomainOwnerVerified)
            }
        }

        /// A boolean claim given as a boolean, `"true"`/`"false"` or `1`/`0`; nil otherwise.
        private static func flag(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) -> Bool? {
            if let flag = try? container.decodeIfPresent(Bool.self, forKey: key) { return flag }
            if let number = try? container.decodeIfPresent(Int.self, forKey: key) { return number == 1 ? true : (number == 0 ? false : nil) }
            if let text = try? container.decodeIfPresent(String.self, forKey: key)?.lowercased() {
                return ["true", "1"].contains(text) ? true : (["false", "0"].contains(text) ? false : nil)
            }
            return nil
        }
    }
}
