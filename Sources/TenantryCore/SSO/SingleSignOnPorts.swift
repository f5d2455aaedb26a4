public import Foundation

/// What an OpenID provider's discovery document (`/.well-known/openid-configuration`) says,
/// as far as the authorization code flow needs it.
public struct OpenIDProviderMetadata: Sendable, Equatable, Codable {
    /// The provider's issuer identifier, exactly as ID tokens carry it in `iss`. For Microsoft
    /// Entra ID's multi-tenant documents it holds the `{tenantid}` placeholder.
    public var issuer: String
    /// Where the browser is sent to sign in.
    public var authorizationEndpoint: URL
    /// Where the code is exchanged for tokens.
    public var tokenEndpoint: URL
    /// The provider's signing keys.
    public var jwksURI: URL
    /// The signature algorithms the provider says it uses for ID tokens.
    public var idTokenSigningAlgorithms: [String]

    /// Creates a value.
    public init(
        issuer: String, authorizationEndpoint: URL, tokenEndpoint: URL, jwksURI: URL, idTokenSigningAlgorithms: [String]
    ) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.jwksURI = jwksURI
        self.idTokenSigningAlgorithms = idTokenSigningAlgorithms
    }
}

/// What an ID token must match to be accepted.
public struct IDTokenExpectations: Sendable, Equatable {
    /// The issuer the token's `iss` must equal. For Entra ID's multi-tenant issuer
    /// (`https://login.microsoftonline.com/{tenantid}/v2.0`), `{tenantid}` must be replaced by
    /// the token's own `tid` claim before the comparison.
    public var issuer: String
    /// The client id: the token's `aud` must contain it, and `azp`, when present, equal it.
    public var clientID: String
    /// The nonce sent in the authorization request.
    public var nonce: String
    /// The accepted signature algorithms (never `none`, never HMAC).
    public var allowedAlgorithms: Set<String>
    /// The current time.
    public var now: Date
    /// The tolerated clock difference for `exp`, `iat` and `nbf`.
    public var leeway: TimeInterval

    /// Creates a value; `allowedAlgorithms` defaults to RS256/384/512, PS256/384/512,
    /// ES256/384 and EdDSA.
    public init(
        issuer: String, clientID: String, nonce: String,
        allowedAlgorithms: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"],
        now: Date = Date(), leeway: TimeInterval = 60
    ) {
        self.issuer = issuer
        self.clientID = clientID
        self.nonce = nonce
        self.allowedAlgorithms = allowedAlgorithms
        self.now = now
        self.leeway = leeway
    }
}

/// The claims of a verified ID token that sign-in uses.
public struct IDTokenClaims: Sendable, Equatable {
    /// `iss`.
    public var issuer: String
    /// `sub`: the person at the provider.
    public var subject: String
    /// `email`, when given.
    public var email: String?
    /// `email_verified`, when given; without it, Entra ID's `xms_edov` (the directory verified
    /// it owns the address's domain), when given.
    public var emailVerified: Bool?
    /// `name`, when given.
    public var name: String?
    /// Entra ID's `tid`, when given.
    public var tenantIdentifier: String?

    /// Creates a value.
    public init(
        issuer: String, subject: String, email: String?, emailVerified: Bool?, name: String?, tenantIdentifier: String?
    ) {
        self.issuer = issuer
        self.subject = subject
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
        self.tenantIdentifier = tenantIdentifier
    }
}

/// Why an OpenID provider's answer was refused: a closed set, each safe to show.
public enum OpenIDError: Error, Sendable, Equatable {
    /// The discovery document could not be fetched or read, or lacks a required field.
    case discoveryFailed
    /// The token endpoint refused the code or answered something unreadable.
    case tokenExchangeFailed
    /// The provider's keys could not be fetched or read.
    case keysUnavailable
    /// The ID token is not a well-formed JWS.
    case malformedToken
    /// The token's `alg` is `none`, HMAC, or otherwise not allowed.
    case algorithmNotAllowed
    /// No key of the provider has the token's `kid` (even after fetching the keys again).
    case unknownKey
    /// The signature does not verify.
    case signatureInvalid
    /// `iss` is not the expected issuer.
    case wrongIssuer
    /// `aud` does not contain the client id, or `azp` names another client.
    case wrongAudience
    /// `exp` has passed.
    case expired
    /// `iat` or `nbf` is in the future.
    case notYetValid
    /// `nonce` is missing or not the one sent.
    case wrongNonce
    /// A required claim (`sub`, `exp`, `iat`) is missing.
    case missingClaim
}

/// The relying-party side of OpenID Connect that the sign-in use cases need; implemented over
/// HTTP in an adapter (tests run it against real providers).
public protocol OpenIDConnectClient: Sendable {
    /// Fetches and reads the issuer's discovery document.
    func discover(issuer: URL) async throws(OpenIDError) -> OpenIDProviderMetadata
    /// Exchanges an authorization code (with its PKCE verifier) at the token endpoint; returns
    /// the ID token as received. The client authenticates with `client_secret_post`.
    func exchange(
        code: String, codeVerifier: String, redirectURI: URL, clientID: String, clientSecret: String?,
        provider: OpenIDProviderMetadata
    ) async throws(OpenIDError) -> String
    /// Verifies an ID token against the provider's keys (cached; fetched again once when a
    /// token names an unknown `kid`) and the expectations.
    func verify(idToken: String, provider: OpenIDProviderMetadata, expectations: IDTokenExpectations)
        async throws(OpenIDError) -> IDTokenClaims
}

/// Looks up DNS TXT records, for proving control of a domain.
public protocol TXTRecordResolver: Sendable {
    /// The TXT records at `name` (each record's strings joined), empty when there are none or
    /// the name does not exist. Throws only when no answer could be had (timeout, server failure).
    func txtRecords(for name: String) async throws -> [String]
}
