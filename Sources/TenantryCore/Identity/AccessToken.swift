import Crypto
public import Foundation
public import JWTKit

/// The claims of a Tenantry access token (`typ: at+jwt`, RFC 9068 style).
public struct AccessTokenClaims: JWTPayload, Equatable {
    /// Issuer: this server's public URL.
    public var iss: IssuerClaim
    /// Audience: who the token is for.
    public var aud: AudienceClaim
    /// Subject: the user id.
    public var sub: SubjectClaim
    /// The tenant the token acts in; absent on a tenant-less token.
    public var tid: String?
    /// The session.
    public var sid: String
    /// The caller's roles in the tenant.
    public var roles: [String]
    /// Issued at.
    public var iat: IssuedAtClaim
    /// Not before.
    public var nbf: NotBeforeClaim
    /// Expires.
    public var exp: ExpirationClaim
    /// Unique token id.
    public var jti: IDClaim

    /// Time checks are done by ``AccessTokenVerifier`` with the configured skew.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// What a verified access token says.
public struct AccessTokenIdentity: Sendable, Equatable {
    /// The user.
    public var userID: UserID
    /// The session.
    public var sessionID: SessionID
    /// The tenant, if the token is for one.
    public var tenantID: TenantID?
    /// Roles in that tenant.
    public var roles: [String]
    /// When the token expires.
    public var expiresAt: Date
}

/// Token settings shared by signer and verifier.
public struct TokenSettings: Sendable, Equatable {
    /// The `iss` claim and the base of the discovery URLs.
    public var issuer: String
    /// The `aud` claim.
    public var audience: String
    /// Lifetimes and skew.
    public var policy: SessionPolicy
    /// How long clients may cache the JWKS document; a new key is published at least this long
    /// before it signs.
    public var jwksCacheLifetime: TimeInterval

    /// Creates settings.
    public init(issuer: String, audience: String, policy: SessionPolicy = SessionPolicy(), jwksCacheLifetime: TimeInterval = 300)
    {
        self.issuer = issuer
        self.audience = audience
        self.policy = policy
        self.jwksCacheLifetime = jwksCacheLifetime
    }
}

/// Reads the header of a compact JWS without trusting it, to apply the allow-lists before any
/// signature work.
enum CompactJWS {
    struct Header: Decodable {
        var alg: String?
        var typ: String?
        var kid: String?
    }

    static func header(of token: String) -> Header? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = decodeBase64URL(parts[0]) else { return nil }
        return try? JSONDecoder().decode(Header.self, from: data)
    }

    static func decodeBase64URL(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64)
    }
}
