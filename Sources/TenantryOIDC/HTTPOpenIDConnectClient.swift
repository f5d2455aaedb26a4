public import AsyncHTTPClient
public import Foundation
import NIOCore
import Synchronization
public import TenantryCore

/// The OpenID Connect relying party over HTTP (async-http-client) and jwt-kit: discovery with an
/// issuer check, the code exchange (`client_secret_post`, PKCE), and ID token verification
/// against the provider's JWKS. Discovery documents and key sets are cached in memory; losing
/// them costs a fetch, nothing else (safe for several server processes).
///
/// The `HTTPClient` belongs to the caller, who shuts it down (or passes `HTTPClient.shared`):
/// this type starts nothing and owns no thread, so it needs no shutdown of its own.
public final class HTTPOpenIDConnectClient: OpenIDConnectClient {
    /// Timeouts, limits and cache lifetimes.
    public struct Configuration: Sendable {
        /// The whole-request timeout of a discovery document fetch.
        public var discoveryTimeout: Duration
        /// The whole-request timeout of the code exchange.
        public var tokenTimeout: Duration
        /// The whole-request timeout of a JWKS fetch.
        public var keysTimeout: Duration
        /// The largest body read from a provider; a longer one is refused.
        public var maximumBodySize: Int
        /// How long a discovery document is reused.
        public var discoveryLifetime: Duration
        /// How long a key set is reused when every token names a known key.
        public var keysLifetime: Duration
        /// The least time between two fetches of one key set caused by unknown `kid`s, so that
        /// tokens naming made-up keys cannot make us hammer the provider.
        public var unknownKeyRefetchInterval: Duration

        /// Creates a value: 10 s timeouts, 256 KiB bodies, one hour of caching, one refetch per
        /// 30 s for unknown keys.
        public init(
            discoveryTimeout: Duration = .seconds(10),
            tokenTimeout: Duration = .seconds(10),
            keysTimeout: Duration = .seconds(10),
            maximumBodySize: Int = 256 * 1024,
            discoveryLifetime: Duration = .seconds(3600),
            keysLifetime: Duration = .seconds(3600),
            unknownKeyRefetchInterval: Duration = .seconds(30)
        ) {
            self.discoveryTimeout = discoveryTimeout
            self.tokenTimeout = tokenTimeout
            self.keysTimeout = keysTimeout
            self.maximumBodySize = maximumBodySize
            self.discoveryLifetime = discoveryLifetime
            self.keysLifetime = keysLifetime
            self.unknownKeyRefetchInterval = unknownKeyRefetchInterval
        }
    }

    private struct CachedDiscovery {
        var metadata: OpenIDProviderMetadata
        var expires: ContinuousClock.Instant
    }

    private let httpClient: HTTPClient
    private let configuration: Configuration
    private let discoveries = Mutex<[String: CachedDiscovery]>([:])
    let keySets = Mutex<[URL: CachedKeySet]>([:])

    /// Creates a client that sends its requests through `httpClient` (owned by the caller).
    public init(httpClient: HTTPClient, configuration: Configuration = Configuration()) {
        self.httpClient = httpClient
        self.configuration = configuration
    }

    // MARK: Discovery

    /// Fetches `<issuer>/.well-known/openid-configuration` (cached for
    /// ``Configuration/discoveryLifetime``) and checks that the document names the issuer asked
    /// for: exactly, but for one trailing slash, or, for Microsoft Entra ID's multi-tenant
    /// documents, with `{tenantid}` standing for one path segment of the issuer asked for. The
    /// metadata keeps the document's issuer as written. Endpoints must use HTTPS (plain HTTP
    /// only on a loopback host, for tests).
    public func discover(issuer: URL) async throws(OpenIDError) -> OpenIDProviderMetadata {
        let requested = Self.withoutTrailingSlash(issuer.absoluteString)
        let now = ContinuousClock.now
        if let cached = discoveries.withLock({ $0[requested] }), cached.expires > now {
            return cached.metadata
        }
        guard Self.isAcceptableEndpoint(issuer),
            let documentURL = URL(string: requested + "/.well-known/openid-configuration")
        else { throw .discoveryFailed }

        let (status, body) = try await send(
            get(documentURL), timeout: configuration.discoveryTimeout, failure: .discoveryFailed)
        guard (200..<300).contains(status) else { throw .discoveryFailed }
        let document: DiscoveryDocument
        do {
            document = try JSONDecoder().decode(DiscoveryDocument.self, from: body)
        } catch {
            throw .discoveryFailed
        }
        guard Self.documentIssuer(document.issuer, answers: requested),
            let authorization = URL(string: document.authorizationEndpoint), Self.isAcceptableEndpoint(authorization),
            let token = URL(string: document.tokenEndpoint), Self.isAcceptableEndpoint(token),
            let keys = URL(string: document.jwksURI), Self.isAcceptableEndpoint(keys)
        else { throw .discoveryFailed }

        let metadata = OpenIDProviderMetadata(
            issuer: document.issuer,
            authorizationEndpoint: authorization,
            tokenEndpoint: token,
            jwksURI: keys,
            // REQUIRED by OpenID Connect Discovery, which also makes RS256 mandatory to support.
            idTokenSigningAlgorithms: document.idTokenSigningAlgorithms ?? ["RS256"]
        )
        let expires = ContinuousClock.now + configuration.discoveryLifetime
        discoveries.withLock { $0[requested] = CachedDiscovery(metadata: metadata, expires: expires) }
        return metadata
    }

    /// Whether a discovery document's `issuer` answers a request for `requested` (no trailing
    /// slash): equal but for a trailing slash, or Entra's `{tenantid}` form matching it with the
    /// placeholder standing for one non-empty path segment.
    static func documentIssuer(_ documentIssuer: String, answers requested: String) -> Bool {
        let issuer = withoutTrailingSlash(documentIssuer)
        if issuer == requested { return true }
        let placeholder = "{tenantid}"
        guard let range = issuer.range(of: placeholder) else { return false }
        let prefix = issuer[..<range.lowerBound]
        let suffix = issuer[range.upperBound...]
        guard !suffix.contains(placeholder), requested.hasPrefix(prefix), requested.hasSuffix(suffix),
            requested.count > prefix.count + suffix.count
        else { return false }
        let segment = requested.dropFirst(prefix.count).dropLast(suffix.count)
        return !segment.contains("/") && !segment.contains("?") && !segment.contains("#")
    }

    // MARK: Code exchange

    /// Posts the authorization code with its PKCE verifier to the token endpoint
    /// (`client_secret_post` when `clientSecret` is given, a public client otherwise) and returns
    /// the `id_token` of the answer. Any answer but a 2xx JSON object with a string `id_token`
    /// is ``OpenIDError/tokenExchangeFailed``; the provider's body is neither logged nor returned.
    public func exchange(
        code: String, codeVerifier: String, redirectURI: URL, clientID: String, clientSecret: String?,
        provider: OpenIDProviderMetadata
    ) async throws(OpenIDError) -> String {
        var form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirectURI.absoluteString),
            ("client_id", clientID),
        ]
        if let clientSecret { form.append(("client_secret", clientSecret)) }
        form.append(("code_verifier", codeVerifier))

        var request = HTTPClientRequest(url: provider.tokenEndpoint.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))

        let (status, body) = try await send(
            request, timeout: configuration.tokenTimeout, failure: .tokenExchangeFailed)
        guard (200..<300).contains(status) else { throw .tokenExchangeFailed }
        do {
            let answer = try JSONDecoder().decode(TokenResponse.self, from: body)
            guard !answer.idToken.isEmpty else { throw OpenIDError.tokenExchangeFailed }
            return answer.idToken
        } catch {
            throw .tokenExchangeFailed
        }
    }

    // MARK: Verification

    /// Verifies an ID token, in this order, stopping at the first refusal:
    /// 1. the compact JWS shape and a JSON header (``OpenIDError/malformedToken``; a `crit`
    ///    header is refused too, no extension being understood);
    /// 2. the header's `alg`: never `none`, never HMAC (`HS*`), and one of
    ///    `expectations.allowedAlgorithms` (``OpenIDError/algorithmNotAllowed``), before any key
    ///    is looked at;
    /// 3. the key: the JWKS key with the token's `kid`, or, for a token without `kid`, the one
    ///    key of the algorithm's type; when none fits, the JWKS is fetched again once, at most
    ///    once per ``Configuration/unknownKeyRefetchInterval`` per `jwks_uri`
    ///    (``OpenIDError/unknownKey``, ``OpenIDError/keysUnavailable``);
    /// 4. the signature, by jwt-kit (``OpenIDError/signatureInvalid``);
    /// 5. the claims: `iss`, `aud` and `azp`, `exp`, `iat` and `nbf`, `nonce`, `sub` (see
    ///    docs/oidc.md).
    public func verify(idToken: String, provider: OpenIDProviderMetadata, expectations: IDTokenExpectations)
        async throws(OpenIDError) -> IDTokenClaims
    {
        let token = try CompactJWS(idToken)
        try IDTokenClaimRules.checkAlgorithm(token.header.algorithm, allowed: expectations.allowedAlgorithms)
        let key = try await signingKey(for: token.header, jwksURI: provider.jwksURI)
        try await token.verifySignature(with: key)
        return try IDTokenClaimRules.check(token.payload, expectations: expectations)
    }

    // MARK: HTTP

    private func get(_ url: URL) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        return request
    }

    /// Sends `request` and reads at most ``Configuration/maximumBodySize`` bytes of the answer;
    /// any failure (connection, timeout, a longer body) becomes `failure`.
    func send(_ request: HTTPClientRequest, timeout: Duration, failure: OpenIDError)
        async throws(OpenIDError) -> (status: UInt, body: Data)
    {
        // With tracing on, the call is a client span and the provider gets its `traceparent`.
        let outcome: (status: UInt, body: Data)? = await Traces.outbound(
            "OpenID Connect \(request.method.rawValue)", method: request.method.rawValue, url: request.url
        ) { traceHeaders in
            var request = request
            for (name, value) in traceHeaders { request.headers.replaceOrAdd(name: name, value: value) }
            do {
                let response = try await httpClient.execute(request, timeout: Self.timeAmount(timeout))
                let buffer = try await response.body.collect(upTo: configuration.maximumBodySize)
                return (response.status.code, Data(buffer.readableBytesView))
            } catch {
                return nil
            }
        }
        guard let outcome else { throw failure }
        return outcome
    }

    /// Fetches and reads the key set at `url`.
    func fetchKeySet(_ url: URL) async throws(OpenIDError) -> [PublishedKey] {
        let (status, body) = try await send(get(url), timeout: configuration.keysTimeout, failure: .keysUnavailable)
        guard (200..<300).contains(status) else { throw .keysUnavailable }
        return try PublishedKey.keySet(from: body)
    }

    var keysLifetime: Duration { configuration.keysLifetime }
    var unknownKeyRefetchInterval: Duration { configuration.unknownKeyRefetchInterval }

    // MARK: Helpers

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    private static func withoutTrailingSlash(_ text: String) -> String {
        text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// HTTPS, or plain HTTP to a loopback address (tests and local development only).
    private static func isAcceptableEndpoint(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        if scheme == "https" { return true }
        return scheme == "http" && ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased())
    }
}

/// The discovery document's fields that the code flow uses.
private struct DiscoveryDocument: Decodable {
    var issuer: String
    var authorizationEndpoint: String
    var tokenEndpoint: String
    var jwksURI: String
    var idTokenSigningAlgorithms: [String]?

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri"
        case idTokenSigningAlgorithms = "id_token_signing_alg_values_supported"
    }
}

/// The token endpoint's answer, as far as sign-in needs it.
private struct TokenResponse: Decodable {
    var idToken: String

    enum CodingKeys: String, CodingKey {
        case idToken = "id_token"
    }
}
