public import Foundation
public import TenantryCore

/// The authorization request of the code flow (OpenID Connect Core §3.1.2.1): where the browser
/// is sent to sign in at the provider.
public enum OpenIDAuthorizationRequest {
    /// The authorization URL: the provider's authorization endpoint with `response_type=code`,
    /// `client_id`, `redirect_uri`, `scope`, `state`, `nonce`, `code_challenge` and
    /// `code_challenge_method=S256`, then `extra` (e.g. `prompt`, `login_hint`, `hd`) in name
    /// order. A query the endpoint already has is kept; `extra` cannot replace the parameters
    /// above (such entries are ignored).
    ///
    /// - Parameters:
    ///   - provider: The discovered provider.
    ///   - clientID: The client id registered at the provider.
    ///   - redirectURI: Where the provider sends the browser back; must be registered there.
    ///   - state: A fresh ``randomToken()`` bound to the browser session; the application checks
    ///     it on the way back.
    ///   - nonce: A fresh ``randomToken()`` kept with the attempt; the ID token must carry it.
    ///   - codeChallenge: ``PKCE/challenge(for:)`` of the attempt's verifier.
    ///   - scopes: The scopes; `openid` is added when missing.
    ///   - extra: More parameters.
    public static func url(
        provider: OpenIDProviderMetadata,
        clientID: String,
        redirectURI: URL,
        state: String,
        nonce: String,
        codeChallenge: String,
        scopes: [String] = ["openid", "email", "profile"],
        extra: [String: String] = [:]
    ) -> URL {
        let scope = scopes.contains("openid") ? scopes : ["openid"] + scopes
        var pairs: [(String, String)] = [
            ("response_type", "code"),
            ("client_id", clientID),
            ("redirect_uri", redirectURI.absoluteString),
            ("scope", scope.joined(separator: " ")),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", codeChallenge),
            ("code_challenge_method", "S256"),
        ]
        let fixed = Set(pairs.map(\.0))
        pairs += extra.filter { !fixed.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }

        let endpoint = provider.authorizationEndpoint
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)
        let existing = components?.percentEncodedQuery.flatMap { $0.isEmpty ? nil : $0 }
        let query = [existing, FormEncoding.encode(pairs)].compactMap { $0 }.joined(separator: "&")
        components?.percentEncodedQuery = query
        return components?.url ?? endpoint
    }

    /// A fresh random value for `state` or `nonce`: 32 bytes (256 bits) from the system's secure
    /// generator, base64url without padding.
    public static func randomToken() -> String {
        SecretToken.generate()
    }
}
