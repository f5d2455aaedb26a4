import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/platform/social-connections*`: the platform's social sign-in connections (Google,
/// Microsoft). Reads need `support`, changes `super_admin`. A client secret is accepted, never
/// returned.
struct SocialConnectionsController: Sendable {
    let service: SocialConnectionService
    let socialSignIn: SocialSignInService

    func register(on routes: PlatformRoutes) {
        routes.on(.get, "/social-connections", .support) { request, context, _ in
            let result = try await service.list(page: try request.pageRequest())
            return try SocialConnectionPage(items: result.items.map(body), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.post, "/social-connections", .superAdmin) { request, context, actor in
            let given = try await request.decodeJSON(as: CreateSocialConnectionRequest.self, context: context.base)
            let connection = try await service.create(by: actor, try given.validated(), origin: context.base.origin(of: request))
            var response = try body(connection).response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.get, "/social-connections/{id}", .support) { request, context, _ in
            try body(try await service.get(id: try Self.connectionID(context))).response(from: request, context: context)
        }
        routes.on(.patch, "/social-connections/{id}", .superAdmin) { request, context, actor in
            let id = try Self.connectionID(context)
            let given = try await request.decodeJSON(as: UpdateSocialConnectionRequest.self, context: context.base)
            let connection = try await service.update(
                by: actor, id: id, try given.validated(), origin: context.base.origin(of: request))
            return try body(connection).response(from: request, context: context)
        }
        routes.on(.delete, "/social-connections/{id}", .superAdmin) { request, context, actor in
            try await service.delete(by: actor, id: try Self.connectionID(context), origin: context.base.origin(of: request))
            return Response(status: .noContent)
        }
    }

    static func connectionID(_ context: AuthenticatedRequestContext) throws -> SocialConnectionID {
        guard let id = context.parameters.get("id").flatMap(SocialConnectionID.init) else {
            throw SocialConnectionService.noSuchConnection
        }
        return id
    }

    func body(_ connection: SocialConnection) -> SocialConnectionBody {
        SocialConnectionBody(connection, redirectURI: socialSignIn.redirectURI)
    }
}

/// `/api/v1/auth/social/*`: the browser's side of social sign-in (no bearer): start, and the
/// providers' answer. The one-time code is exchanged at `POST /api/v1/auth/sso/exchange`.
struct SocialSignInController: Sendable {
    let service: SocialSignInService

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("/auth/social/{provider}/start") { request, context in
            guard let provider = context.parameters.get("provider").flatMap(SocialProvider.init(rawValue:)) else {
                throw SocialSignInService.noConnection
            }
            let query = request.uri.queryParameters
            var validator = Validator()
            let returnTo = query["return_to"].map(String.init)
            if returnTo == nil { validator.add("return_to", "required", "Name where the browser comes back to.") }
            let intentText = query["intent"].map(String.init) ?? SocialIntent.signIn.rawValue
            let intent = SocialIntent(rawValue: intentText)
            if intent == nil { validator.add("intent", "invalid_value", "Use sign_in or sign_up.") }
            let state = query["state"].map(String.init)
            if let state, state.utf8.count > 512 { validator.add("state", "too_long", "At most 512 bytes.") }
            try validator.check()
            guard let returnTo, let intent else { throw TenantryError(.internalError, "Validation passed without values.") }
            let url = try await service.start(provider: provider, returnTo: returnTo, intent: intent, clientState: state)
            return SingleSignOnController.redirect(to: url)
        }
        group.get("/auth/social/callback") { request, context in
            let query = request.uri.queryParameters
            let landing = try await service.finish(
                state: query["state"].map(String.init), code: query["code"].map(String.init),
                error: query["error"].map(String.init), origin: context.origin(of: request))
            return SingleSignOnController.redirect(to: landing.location)
        }
    }
}

/// A social connection as the API shows it (never its client secret).
struct SocialConnectionBody: ResponseEncodable {
    let id: String
    let provider: String
    let issuer: String
    let clientId: String
    let enabled: Bool
    let allowedDomains: [String]
    let returnUrls: [String]
    /// The redirect URI to register at the provider.
    let redirectUri: String
    let createdAt: Date
    let updatedAt: Date

    init(_ connection: SocialConnection, redirectURI: String) {
        id = connection.id.description
        provider = connection.provider.rawValue
        issuer = connection.issuer
        clientId = connection.clientID
        enabled = connection.enabled
        allowedDomains = connection.allowedDomains
        returnUrls = connection.returnURLs
        redirectUri = redirectURI
        createdAt = connection.createdAt
        updatedAt = connection.updatedAt
    }
}

struct SocialConnectionPage: ResponseEncodable {
    let items: [SocialConnectionBody]
    let nextCursor: String?
}

struct CreateSocialConnectionRequest: Decodable {
    let provider: String
    @NotNull var issuer: String?
    let clientId: String
    @NotNull var clientSecret: String?
    @NotNull var enabled: Bool?
    @NotNull var allowedDomains: [String]?
    let returnUrls: [String]

    func validated() throws -> SocialConnectionService.NewConnection {
        var validator = Validator()
        let provider = SocialProvider(rawValue: self.provider)
        if provider == nil { validator.add("provider", "invalid_value", "Use google or microsoft.") }
        let issuer = try issuer.flatMap { text in try validator.capture { try SSOValidation.url(text, field: "issuer") } }
        let clientID = SSOValidation.clientID(clientId, field: "client_id", into: &validator)
        SSOValidation.clientSecret(clientSecret, field: "client_secret", into: &validator)
        let domains = try SSOValidation.domains(allowedDomains ?? [], field: "allowed_domains", optional: true, into: &validator)
        let urls = try SocialValidation.returnURLs(returnUrls, into: &validator)
        try validator.check()
        guard let provider else { throw TenantryError(.internalError, "Validation passed without values.") }
        return .init(
            provider: provider, issuer: issuer, clientID: clientID, clientSecret: clientSecret, enabled: enabled ?? true,
            allowedDomains: domains, returnURLs: urls)
    }
}

struct UpdateSocialConnectionRequest: Decodable {
    @NotNull var issuer: String?
    @NotNull var clientId: String?
    @NotNull var clientSecret: String?
    @NotNull var enabled: Bool?
    @NotNull var allowedDomains: [String]?
    @NotNull var returnUrls: [String]?

    func validated() throws -> SocialConnectionService.Change {
        var validator = Validator()
        var change = SocialConnectionService.Change(clientSecret: clientSecret, enabled: enabled)
        if let issuer { change.issuer = try validator.capture { try SSOValidation.url(issuer, field: "issuer") } }
        if let clientId { change.clientID = SSOValidation.clientID(clientId, field: "client_id", into: &validator) }
        SSOValidation.clientSecret(clientSecret, field: "client_secret", into: &validator)
        if let allowedDomains {
            change.allowedDomains = try SSOValidation.domains(
                allowedDomains, field: "allowed_domains", optional: true, into: &validator)
        }
        if let returnUrls { change.returnURLs = try SocialValidation.returnURLs(returnUrls, into: &validator) }
        try validator.check()
        return change
    }
}

/// The checks of a social connection's own fields, shared by creation and change (the rest
/// are ``SSOValidation``'s).
enum SocialValidation {
    static func returnURLs(_ given: [String], into validator: inout Validator) throws -> [String] {
        guard (1...20).contains(given.count) else {
            validator.add("return_urls", "count", "Between 1 and 20 return URLs.")
            return []
        }
        let parsed = try given.enumerated().compactMap { index, url in
            try validator.capture { try SSOValidation.url(url, field: "return_urls.\(index)") }
        }
        var seen = Set<String>()
        return parsed.filter { seen.insert($0).inserted }
    }
}
