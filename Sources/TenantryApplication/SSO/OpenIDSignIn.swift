import Crypto
public import Foundation
public import TenantryCore

/// The two halves of an OpenID Connect sign-in that every connection kind shares (a tenant's
/// SSO connection, a platform social connection): the authorization request, and the answer's
/// code turned into verified claims.
public enum OpenIDSignIn {
    /// A fresh attempt's secrets: `state` (whose hash finds the flow), `nonce` and the PKCE
    /// verifier (both kept with the flow, the verifier sealed).
    public struct Secrets: Sendable {
        public let state = SecretToken.generate()
        public let nonce = SecretToken.generate()
        public let verifier = SecretToken.generate(bytes: 48)

        /// New random secrets.
        public init() {}
    }

    /// The provider's authorization endpoint with the request: `response_type=code`, PKCE
    /// (S256), `state`, `nonce`, scopes `openid email profile`.
    public static func authorizationURL(
        endpoint: URL, clientID: String, redirectURI: String, secrets: Secrets
    ) throws(TenantryError) -> URL {
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)
        let existing = components?.queryItems ?? []
        components?.queryItems =
            existing + [
                URLQueryItem(name: "response_type", value: "code"),
                URLQueryItem(name: "client_id", value: clientID),
                URLQueryItem(name: "redirect_uri", value: redirectURI),
                URLQueryItem(name: "scope", value: "openid email profile"),
                URLQueryItem(name: "state", value: secrets.state),
                URLQueryItem(name: "nonce", value: secrets.nonce),
                URLQueryItem(name: "code_challenge", value: codeChallenge(for: secrets.verifier)),
                URLQueryItem(name: "code_challenge_method", value: "S256"),
            ]
        guard let url = components?.url else {
            throw TenantryError(.ssoFailed, "The provider's authorization endpoint is not usable.")
        }
        return url
    }

    /// Exchanges the code (with the PKCE verifier and the client secret) and verifies the ID
    /// token against the provider's keys, its issuer, the client id and the nonce. Any refusal
    /// is `sso_failed` naming the `OpenIDError` (a closed set of safe names).
    public static func claims(
        from openID: any OpenIDConnectClient, issuer: URL, code: String, verifier: String, redirectURI: URL,
        clientID: String, clientSecret: String?, nonce: String
    ) async throws(TenantryError) -> IDTokenClaims {
        do {
            let provider = try await openID.discover(issuer: issuer)
            let idToken = try await openID.exchange(
                code: code, codeVerifier: verifier, redirectURI: redirectURI, clientID: clientID, clientSecret: clientSecret,
                provider: provider)
            return try await openID.verify(
                idToken: idToken, provider: provider,
                expectations: IDTokenExpectations(issuer: provider.issuer, clientID: clientID, nonce: nonce))
        } catch {
            throw TenantryError(.ssoFailed, "The identity provider's answer was refused (\(error)).")
        }
    }

    /// The PKCE S256 challenge of a verifier (RFC 7636).
    public static func codeChallenge(for verifier: String) -> String {
        SecretToken.base64URL(SHA256.hash(data: Data(verifier.utf8)))
    }

    /// `url` with `code` and, when given, the application's `state` added to its query.
    public static func landing(_ url: String, code: String, clientState: String?) throws(TenantryError) -> URL {
        guard var components = URLComponents(string: url) else {
            throw TenantryError(.ssoFailed, "The return URL is not usable.")
        }
        components.queryItems =
            (components.queryItems ?? []) + [URLQueryItem(name: "code", value: code)]
            + (clientState.map { [URLQueryItem(name: "state", value: $0)] } ?? [])
        guard let location = components.url else { throw TenantryError(.ssoFailed, "The return URL is not usable.") }
        return location
    }
}
