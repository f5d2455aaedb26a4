public import AsyncHTTPClient
public import Foundation
public import HTTPTypes
import OpenAPIAsyncHTTPClient
public import OpenAPIRuntime

// The TenantryClient library: `Client` and its types are generated from the API contract,
// Sources/TenantryHTTP/OpenAPI/openapi.json, by scripts/generate-client (Generated/). This file
// adds what the generator leaves to the caller: credentials and a transport.

/// Adds the caller's credential to every request: an access token as
/// `Authorization: Bearer <token>` (the `bearerAuth` scheme) or a tenant API key as
/// `X-API-Key` (the `apiKeyAuth` scheme).
public struct AuthenticationMiddleware: ClientMiddleware {
    /// A credential the API accepts.
    public enum Credential: Sendable, Hashable {
        /// An access token from register, login, refresh or switch-tenant.
        case accessToken(String)
        /// A tenant API key (`tnty_…`).
        case apiKey(String)
    }

    /// The credential sent with every request.
    public var credential: Credential

    /// Creates the middleware for `credential`.
    public init(credential: Credential) {
        self.credential = credential
    }

    /// Sets the credential's header on `request` and passes it on.
    public func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        switch credential {
        case .accessToken(let token):
            request.headerFields[.authorization] = "Bearer \(token)"
        case .apiKey(let key):
            if let name = HTTPField.Name("X-API-Key") { request.headerFields[name] = key }
        }
        return try await next(request, body, baseURL)
    }
}

/// Timestamps as the server writes and reads them: it answers with fractional seconds
/// (`2026-01-02T03:04:05.678Z`) and reads request timestamps without them
/// (`2026-01-02T03:04:05Z`). Decodes both forms; encodes whole seconds.
public struct TenantryDateTranscoder: DateTranscoder {
    private let whole: ISO8601DateTranscoder = .iso8601
    private let fractional: ISO8601DateTranscoder = .iso8601WithFractionalSeconds

    /// Creates the transcoder.
    public init() {}

    /// `date` in RFC 3339 form, in whole seconds (UTC).
    public func encode(_ date: Date) throws -> String {
        try whole.encode(date)
    }

    /// A date from RFC 3339 text with or without fractional seconds.
    public func decode(_ text: String) throws -> Date {
        if let date = try? fractional.decode(text) { return date }
        return try whole.decode(text)
    }
}

extension Client {
    /// A client of the Tenantry server at `serverURL` (its origin, e.g. `https://api.example.com`)
    /// over AsyncHTTPClient, sending `credential` with every request when given.
    ///
    /// - Parameters:
    ///   - serverURL: The server's origin; the operations' paths (`/api/v1/...`) are appended.
    ///   - credential: An access token or API key, or `nil` for the public operations.
    ///   - httpClient: The AsyncHTTPClient to send requests with (default: the shared one).
    ///   - middlewares: More middlewares, run after the authentication one.
    public init(
        serverURL: URL,
        credential: AuthenticationMiddleware.Credential?,
        httpClient: HTTPClient = .shared,
        middlewares: [any ClientMiddleware] = []
    ) {
        let authentication: [any ClientMiddleware] = credential.map { [AuthenticationMiddleware(credential: $0)] } ?? []
        self.init(
            serverURL: serverURL,
            configuration: Configuration(dateTranscoder: TenantryDateTranscoder()),
            transport: AsyncHTTPClientTransport(configuration: .init(client: httpClient)),
            middlewares: authentication + middlewares
        )
    }
}
