import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TenantryCore
import TenantryOIDC
import TenantryTestSupport

/// The HTTP client of these tests (and of the adapter under test): redirects are not followed,
/// so an authorization answer's `Location` can be read. Lives for the whole test process.
enum TestHTTP {
    static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow)
    )

    /// Sends a request and returns the status, the `Location` header and the body.
    static func send(
        _ url: String, method: HTTPMethod = .GET, contentType: String? = nil, body: String? = nil
    ) async throws -> (status: UInt, location: String?, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 1024 * 1024)
        return (response.status.code, response.headers.first(name: "Location"), Data(bytes.readableBytesView))
    }

    /// The query parameters of a redirect's `Location`.
    static func queryParameters(of location: String?) -> [String: String] {
        guard let location, let components = URLComponents(string: location) else { return [:] }
        var parameters: [String: String] = [:]
        for item in components.queryItems ?? [] { parameters[item.name] = item.value }
        return parameters
    }
}

/// A failure of a test step, with what the peer printed.
struct PeerFailure: Error, CustomStringConvertible {
    let description: String
}

/// Our own provider peer, `scripts/test-peers/oidc_provider.py`: tokens signed by PyJWT, shaped
/// per test through its control endpoints; checks PKCE S256 at its token endpoint.
final class ShapedProvider: Sendable {
    static let clientID = "tenantry-client"
    static let clientSecret = "client-secret-of-at-least-32-bytes-for-hs256"
    static let redirectURI = URL(string: "https://app.example.test/sso/oidc/callback")!

    let peer: PythonPeer
    let base: String

    init() async throws {
        peer = try await PythonPeer(
            script: "oidc_provider.py",
            arguments: ["--client-secret", Self.clientSecret, "--exit-on-stdin-eof"],
            hint: "needs PyJWT and cryptography: python3 -m pip install pyjwt cryptography (scripts/test installs them)"
        )
        base = "http://127.0.0.1:\(peer.port)"
    }

    /// The issuer whose discovery document the peer serves for `prefix`.
    func issuer(_ prefix: String = "") -> URL { URL(string: base + prefix)! }

    /// Shapes the next ID tokens (see the script's docstring).
    func shape(_ shape: [String: Any]) async throws { try await control("shape", shape) }

    /// Posts a control request.
    func control(_ name: String, _ body: [String: Any]) async throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let answer = try await TestHTTP.send(
            base + "/_control/" + name, method: .POST, contentType: "application/json", body: json)
        guard answer.status == 204 else {
            throw PeerFailure(description: "control \(name) answered \(answer.status): \(peer.log)")
        }
    }

    /// The peer's request counts (`jwks_requests`, `token_requests`, `discovery_requests`).
    func stats() async throws -> [String: Int] {
        let answer = try await TestHTTP.send(base + "/_control/stats")
        return try JSONDecoder().decode([String: Int].self, from: answer.body)
    }

    func stop() { peer.stop() }
}

/// One sign-in as the application runs it: discover, send the browser to the authorization URL
/// (with state, nonce and a PKCE challenge), take the code from the redirect, check the state,
/// exchange the code with the verifier.
struct SignIn {
    let provider: OpenIDProviderMetadata
    let nonce: String
    let idToken: String

    /// Runs the flow against `issuer` with the peer's authorization step done by `authorize`
    /// (which gets the authorization URL and returns the redirect's `Location`).
    static func run(
        client: HTTPOpenIDConnectClient,
        issuer: URL,
        clientSecret: String? = ShapedProvider.clientSecret,
        verifierSentWithCode: String? = nil,
        authorize: (URL) async throws -> String?
    ) async throws -> SignIn {
        let provider = try await client.discover(issuer: issuer)
        let state = OpenIDAuthorizationRequest.randomToken()
        let nonce = OpenIDAuthorizationRequest.randomToken()
        let verifier = PKCE.verifier()
        let url = OpenIDAuthorizationRequest.url(
            provider: provider, clientID: ShapedProvider.clientID, redirectURI: ShapedProvider.redirectURI,
            state: state, nonce: nonce, codeChallenge: PKCE.challenge(for: verifier)
        )
        let location = try await authorize(url)
        let parameters = TestHTTP.queryParameters(of: location)
        guard let code = parameters["code"] else {
            throw PeerFailure(description: "the authorization step gave no code: \(location ?? "no Location")")
        }
        // The application's own check (documented in docs/oidc.md): the state must come back.
        guard parameters["state"] == state else { throw PeerFailure(description: "state changed") }
        let idToken = try await client.exchange(
            code: code, codeVerifier: verifierSentWithCode ?? verifier, redirectURI: ShapedProvider.redirectURI,
            clientID: ShapedProvider.clientID, clientSecret: clientSecret, provider: provider
        )
        return SignIn(provider: provider, nonce: nonce, idToken: idToken)
    }

    /// The expectations matching this sign-in.
    func expectations(issuer: String? = nil, nonce: String? = nil) -> IDTokenExpectations {
        IDTokenExpectations(
            issuer: issuer ?? provider.issuer, clientID: ShapedProvider.clientID, nonce: nonce ?? self.nonce)
    }
}

extension ShapedProvider {
    /// A sign-in at this peer, whose authorization endpoint approves at once.
    func signIn(
        _ client: HTTPOpenIDConnectClient, issuerPrefix: String = "", verifierSentWithCode: String? = nil
    ) async throws -> SignIn {
        try await SignIn.run(
            client: client, issuer: issuer(issuerPrefix), verifierSentWithCode: verifierSentWithCode,
            authorize: { url in try await TestHTTP.send(url.absoluteString).location }
        )
    }
}

/// Runs `body` with a fresh adapter and a fresh shaped provider peer, stopped afterwards.
func withShapedProvider<T>(
    _ body: (HTTPOpenIDConnectClient, ShapedProvider) async throws -> T
) async throws -> T {
    let provider = try await ShapedProvider()
    defer { provider.stop() }
    return try await body(HTTPOpenIDConnectClient(httpClient: TestHTTP.client), provider)
}

/// The refusal of `idToken`, or nil when it is accepted.
func refusal(
    _ client: HTTPOpenIDConnectClient, _ signIn: SignIn, expectations: IDTokenExpectations? = nil
) async -> OpenIDError? {
    do {
        _ = try await client.verify(
            idToken: signIn.idToken, provider: signIn.provider, expectations: expectations ?? signIn.expectations())
        return nil
    } catch {
        return error
    }
}

/// Signs in at `provider` and returns the refusal of the ID token, or nil when it is accepted.
func signInRefusal(_ client: HTTPOpenIDConnectClient, _ provider: ShapedProvider) async throws -> OpenIDError? {
    let signIn = try await provider.signIn(client)
    return await refusal(client, signIn)
}
