import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TenantryApplication
import TenantryCore
import TenantrySAML

/// `/api/v1/sso/connections*`: a tenant's single sign-on connections (permission `sso:read` to
/// read, `sso:manage` to change; module `sso`). A client secret is accepted, never returned.
struct SSOConnectionsController: Sendable {
    let service: SSOConnectionService
    let singleSignOn: SingleSignOnService

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/sso/connections", .ssoRead, module: .sso) { request, context in
            let result = try await service.list(context.access, page: try request.pageRequest())
            return try SSOConnectionPage(items: result.items.map(body), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.post, "/sso/connections", .ssoManage, module: .sso) { request, context in
            let given = try await request.decodeJSON(as: CreateSSOConnectionRequest.self, context: context.base)
            let connection = try await service.create(context.access, try given.validated(), origin: context.origin(of: request))
            var response = try body(connection).response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.get, "/sso/connections/{id}", .ssoRead, module: .sso) { request, context in
            try body(try await service.get(context.access, id: try Self.connectionID(context)))
                .response(from: request, context: context)
        }
        routes.on(.patch, "/sso/connections/{id}", .ssoManage, module: .sso) { request, context in
            let id = try Self.connectionID(context)
            let given = try await request.decodeJSON(as: UpdateSSOConnectionRequest.self, context: context.base)
            let connection = try await service.update(
                context.access, id: id, try given.validated(), origin: context.origin(of: request))
            return try body(connection).response(from: request, context: context)
        }
        routes.on(.delete, "/sso/connections/{id}", .ssoManage, module: .sso) { request, context in
            try await service.delete(context.access, id: try Self.connectionID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
    }

    static func connectionID(_ context: TenantRequestContext) throws -> SSOConnectionID {
        try context.identifier("id", notFound: SSOConnectionService.noSuchConnection)
    }

    func body(_ connection: SSOConnection) throws -> SSOConnectionBody {
        SSOConnectionBody(
            connection,
            serviceProvider: connection.kind == .saml
                ? try singleSignOn.serviceProvider(tenantID: connection.tenantID, connectionID: connection.id) : nil,
            redirectURI: connection.kind == .oidc ? singleSignOn.openIDRedirectURI : nil)
    }
}

/// `/api/v1/auth/sso/*`: the browser's side of single sign-on (no bearer): start, the
/// providers' answers, the SAML service provider metadata, and the exchange of the one-time
/// code for tokens (a tenant connection's, or a social sign-in's).
struct SingleSignOnController: Sendable {
    let service: SingleSignOnService
    /// Exchanges social sign-in codes (and makes the tenant of a sign-up).
    let social: SocialSignInService
    /// Answers the exchange like a sign-in.
    let auth: AuthController

    func register(on group: RouterGroup<AppRequestContext>) {
        group.get("/auth/sso/start") { request, context in
            let query = request.uri.queryParameters
            guard let slugText = query["tenant_slug"].map(String.init) else {
                throw Validator.fail("tenant_slug", "required", "Name the tenant whose connection signs you in.")
            }
            let slug = try Slug(slugText, field: "tenant_slug")
            var connectionID: SSOConnectionID?
            if let text = query["connection_id"].map(String.init) {
                guard let id = SSOConnectionID(text) else { throw SingleSignOnService.noConnection }
                connectionID = id
            }
            let state = query["state"].map(String.init)
            if let state, state.utf8.count > 512 {
                throw Validator.fail("state", "too_long", "At most 512 bytes.")
            }
            let url = try await service.start(tenantSlug: slug, connectionID: connectionID, clientState: state)
            return Self.redirect(to: url)
        }
        group.get("/auth/sso/oidc/callback") { request, context in
            let query = request.uri.queryParameters
            let landing = try await service.finishOpenID(
                state: query["state"].map(String.init), code: query["code"].map(String.init),
                error: query["error"].map(String.init), origin: context.origin(of: request))
            return Self.redirect(to: landing.location)
        }
        group.post("/auth/sso/saml/{tenant_id}/{connection_id}/acs") { request, context in
            let (tenantID, connectionID) = try Self.samlPath(context)
            let form = try await FormBody.read(request, limit: 512 * 1024)
            guard let response = form["SAMLResponse"], !response.isEmpty else {
                throw Validator.fail("SAMLResponse", "required", "The identity provider's SAMLResponse is missing.")
            }
            let landing = try await service.finishSAML(
                tenantID: tenantID, connectionID: connectionID, samlResponse: response, relayState: form["RelayState"],
                origin: context.origin(of: request))
            return Self.redirect(to: landing.location)
        }
        group.get("/auth/sso/saml/{tenant_id}/{connection_id}/metadata") { _, context in
            let (tenantID, connectionID) = try Self.samlPath(context)
            let xml = try await service.serviceProviderMetadata(tenantID: tenantID, connectionID: connectionID)
            var response = Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: xml)))
            response.headers[.contentType] = "application/samlmetadata+xml"
            return response
        }
        group.post("/auth/sso/exchange") { request, context in
            try await auth.counted(.sso) { method in
                let body = try await request.decodeJSON(as: SSOExchangeRequest.self, context: context)
                let (signUp, tenantSlug) = try body.tenant()
                let cookie = body.refreshTokenDelivery == .cookie
                if let exchanged = try await social.exchange(
                    code: body.code, signUp: signUp, tenantSlug: tenantSlug, origin: context.origin(of: request))
                {
                    method = .social
                    switch exchanged.outcome {
                    case .signedIn(let result):
                        var response = try auth.signedIn(result, cookie: cookie, request: request, context: context)
                        if exchanged.signedUp { response.status = .created }
                        return response
                    case .secondStep(let step):
                        var response = try SecondStepResponse(step).response(from: request, context: context)
                        response.status = .accepted
                        return response
                    }
                }
                let result = try await service.exchange(code: body.code, origin: context.origin(of: request))
                return try auth.signedIn(result, cookie: cookie, request: request, context: context)
            }
        }
    }

    static func samlPath(_ context: AppRequestContext) throws -> (TenantID, SSOConnectionID) {
        guard let tenantID = context.parameters.get("tenant_id").flatMap(TenantID.init),
            let connectionID = context.parameters.get("connection_id").flatMap(SSOConnectionID.init)
        else { throw SingleSignOnService.noConnection }
        return (tenantID, connectionID)
    }

    /// A `302 Found` to `url`, never cached.
    static func redirect(to url: URL) -> Response {
        var response = Response(status: .found)
        response.headers[.location] = url.absoluteString
        response.headers[.cacheControl] = "no-store"
        return response
    }
}

struct SSOExchangeRequest: Decodable {
    let code: String
    @NotNull var refreshTokenDelivery: RefreshTokenDelivery?
    /// A social sign-up: the new tenant's name.
    @NotNull var tenantName: String?
    /// A social sign-up: the new tenant's slug (derived from the name when absent); a social
    /// sign-in: which of the account's tenants to sign in to.
    @NotNull var tenantSlug: String?

    /// The new tenant's details (when a name is given), and the slug given, validated as
    /// `POST /auth/register` validates them.
    func tenant() throws -> (SocialSignInService.TenantDetails?, Slug?) {
        var validator = Validator()
        let slug = try tenantSlug.flatMap { text in try validator.capture { try Slug(text, field: "tenant_slug") } }
        let name = try tenantName.flatMap { text in
            try validator.capture { try Tenant.validatedName(text, field: "tenant_name") }
        }
        try validator.check()
        let details = name.map { name in
            SocialSignInService.TenantDetails(name: name, slug: slug ?? Slug.derivedOrGenerated(from: name))
        }
        return (details, slug)
    }
}

/// A connection as the API shows it (never its client secret).
struct SSOConnectionBody: ResponseEncodable {
    let id: String
    let name: String
    let `protocol`: String
    let enabled: Bool
    let domains: [String]
    let defaultRole: String
    let returnUrl: String
    let oidc: OIDCBody?
    let saml: SAMLBody?
    let createdAt: Date
    let updatedAt: Date

    struct OIDCBody: Encodable {
        let issuer: String
        let clientId: String
        /// The redirect URI to register at the provider.
        let redirectUri: String
    }

    struct SAMLBody: Encodable {
        let idpEntityId: String
        let ssoUrl: String
        let certificates: [String]
        let allowIdpInitiated: Bool
        /// What to give the identity provider.
        let spEntityId: String
        let acsUrl: String
        let metadataUrl: String
    }

    init(_ connection: SSOConnection, serviceProvider: SAMLServiceProvider?, redirectURI: String?) {
        id = connection.id.description
        name = connection.name
        self.protocol = connection.kind.rawValue
        enabled = connection.enabled
        domains = connection.domains
        defaultRole = connection.defaultRole.rawValue
        returnUrl = connection.returnURL
        oidc = connection.oidc.map { OIDCBody(issuer: $0.issuer, clientId: $0.clientID, redirectUri: redirectURI ?? "") }
        saml = connection.saml.flatMap { settings in
            serviceProvider.map { sp in
                SAMLBody(
                    idpEntityId: settings.identityProviderEntityID, ssoUrl: settings.singleSignOnURL,
                    certificates: settings.certificates, allowIdpInitiated: settings.allowIdentityProviderInitiated,
                    spEntityId: sp.entityID, acsUrl: sp.assertionConsumerServiceURL.absoluteString, metadataUrl: sp.entityID)
            }
        }
        createdAt = connection.createdAt
        updatedAt = connection.updatedAt
    }
}

struct SSOConnectionPage: ResponseEncodable {
    let items: [SSOConnectionBody]
    let nextCursor: String?
}

/// The protocol settings of a request; OpenID Connect by issuer (or a preset), SAML by the
/// identity provider's metadata or its fields.
struct OIDCSettingsRequest: Decodable {
    @NotNull var issuer: String?
    @NotNull var preset: String?
    @NotNull var microsoftTenant: String?
    let clientId: String
    @NotNull var clientSecret: String?
}

struct SAMLSettingsRequest: Decodable {
    @NotNull var metadataXml: String?
    @NotNull var idpEntityId: String?
    @NotNull var ssoUrl: String?
    @NotNull var certificates: [String]?
    @NotNull var allowIdpInitiated: Bool?
}

struct CreateSSOConnectionRequest: Decodable {
    let name: String
    @NotNull var enabled: Bool?
    let domains: [String]
    @NotNull var defaultRole: String?
    let returnUrl: String
    @NotNull var oidc: OIDCSettingsRequest?
    @NotNull var saml: SAMLSettingsRequest?

    func validated() throws -> SSOConnectionService.NewConnection {
        var validator = Validator()
        let name = try validator.capture { try SSOValidation.name(self.name) }
        let domains = try SSOValidation.domains(self.domains, into: &validator)
        let role = SSOValidation.role(defaultRole ?? TenantRole.member.rawValue, into: &validator)
        let returnURL = try validator.capture { try SSOValidation.url(returnUrl, field: "return_url") }
        var oidcSettings: OIDCConnectionSettings?
        var secret: String?
        var samlSettings: SAMLConnectionSettings?
        switch (oidc, saml) {
        case (let oidc?, nil):
            (oidcSettings, secret) = try SSOValidation.oidc(oidc, into: &validator)
        case (nil, let saml?):
            samlSettings = try SSOValidation.saml(saml, current: nil, into: &validator)
        default:
            validator.add("oidc", "one_protocol", "Give either `oidc` or `saml` settings.")
        }
        try validator.check()
        guard let name, let role, let returnURL, oidcSettings != nil || samlSettings != nil else {
            throw TenantryError(.internalError, "Validation passed without values.")
        }
        return .init(
            name: name, enabled: enabled ?? true, domains: domains, defaultRole: role, returnURL: returnURL,
            oidc: oidcSettings, clientSecret: secret, saml: samlSettings)
    }
}

struct UpdateSSOConnectionRequest: Decodable {
    @NotNull var name: String?
    @NotNull var enabled: Bool?
    @NotNull var domains: [String]?
    @NotNull var defaultRole: String?
    @NotNull var returnUrl: String?
    @NotNull var oidc: OIDCSettingsRequest?
    @NotNull var saml: SAMLSettingsRequest?

    func validated() throws -> SSOConnectionService.Change {
        var validator = Validator()
        var change = SSOConnectionService.Change(enabled: enabled)
        if let name { change.name = try validator.capture { try SSOValidation.name(name) } }
        if let domains { change.domains = try SSOValidation.domains(domains, into: &validator) }
        if let defaultRole { change.defaultRole = SSOValidation.role(defaultRole, into: &validator) }
        if let returnUrl { change.returnURL = try validator.capture { try SSOValidation.url(returnUrl, field: "return_url") } }
        if let oidc { (change.oidc, change.clientSecret) = try SSOValidation.oidc(oidc, into: &validator) }
        if let saml { change.saml = try SSOValidation.saml(saml, current: nil, into: &validator) }
        try validator.check()
        return change
    }
}

/// The checks of a connection's fields, shared by creation and change.
enum SSOValidation {
    static func name(_ text: String) throws(TenantryError) -> String {
        try StoredText.requiredName(text, field: "name", maximum: 100, missing: "Give the connection a name.")
    }

    /// Email domains, lowercased, without repeats, sorted: 1 to 50 of them (0 to 50 with
    /// `optional`).
    static func domains(_ given: [String], field: String = "domains", optional: Bool = false, into validator: inout Validator)
        throws -> [String]
    {
        guard ((optional ? 0 : 1)...50).contains(given.count) else {
            validator.add(field, "count", optional ? "At most 50 email domains." : "Between 1 and 50 email domains.")
            return []
        }
        let parsed = try given.enumerated().compactMap { index, domain in
            try validator.capture { try TenantSettings.validatedDomain(domain, field: "\(field).\(index)") }
        }
        return Array(Set(parsed)).sorted()
    }

    static func role(_ text: String, into validator: inout Validator) -> TenantRole? {
        guard let role = TenantRole(rawValue: text), role != .owner else {
            validator.add("default_role", "invalid", "One of viewer, member, admin.")
            return nil
        }
        return role
    }

    /// An absolute `https` URL with a host, at most 2,000 characters; `http` only for a loopback
    /// host (development and tests).
    static func url(_ text: String, field: String) throws(TenantryError) -> String {
        guard text.utf8.count <= 2000, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            let host = url.host, !host.isEmpty, url.user == nil, url.fragment == nil
        else { throw Validator.fail(field, "invalid_url", "An absolute https URL.") }
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw Validator.fail(field, "insecure_url", "Use https (http only for a loopback host).")
        }
        return text
    }

    static func oidc(_ given: OIDCSettingsRequest, into validator: inout Validator) throws -> (OIDCConnectionSettings?, String?) {
        var issuer: String?
        switch (given.preset, given.issuer) {
        case ("google", nil):
            issuer = "https://accounts.google.com"
        case ("microsoft", nil):
            let tenant = given.microsoftTenant ?? "organizations"
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
            if (1...100).contains(tenant.count), tenant.allSatisfy({ allowed.contains($0) }) {
                issuer = "https://login.microsoftonline.com/\(tenant)/v2.0"
            } else {
                validator.add("oidc.microsoft_tenant", "invalid", "A directory id, a domain, `organizations` or `common`.")
            }
        case (nil, let text?):
            issuer = try validator.capture { try Self.url(text, field: "oidc.issuer") }
        case (let preset?, nil):
            validator.add("oidc.preset", "unknown_preset", "\(String(preset.prefix(40))) is not a preset: google or microsoft.")
        default:
            validator.add("oidc.issuer", "one_of", "Give either `issuer` or `preset`.")
        }
        let clientID = Self.clientID(given.clientId, field: "oidc.client_id", into: &validator)
        Self.clientSecret(given.clientSecret, field: "oidc.client_secret", into: &validator)
        return (issuer.map { OIDCConnectionSettings(issuer: $0, clientID: clientID) }, given.clientSecret)
    }

    /// An OpenID client id: trimmed, 1 to 500 characters.
    static func clientID(_ text: String, field: String, into validator: inout Validator) -> String {
        let clientID = text.trimmingCharacters(in: .whitespaces)
        if !(1...500).contains(clientID.count) {
            validator.add(field, "required", "The client id, up to 500 characters.")
        }
        return clientID
    }

    /// An OpenID client secret, when given: 1 to 2,000 characters.
    static func clientSecret(_ secret: String?, field: String, into validator: inout Validator) {
        if let secret, !(1...2000).contains(secret.count) {
            validator.add(field, "invalid", "Up to 2,000 characters.")
        }
    }

    static func saml(_ given: SAMLSettingsRequest, current: SAMLConnectionSettings?, into validator: inout Validator) throws
        -> SAMLConnectionSettings?
    {
        if let xml = given.metadataXml {
            do {
                let metadata = try SAMLIdentityProviderMetadata.parse(xml: Data(xml.utf8))
                return SAMLConnectionSettings(
                    identityProviderEntityID: metadata.entityID, singleSignOnURL: metadata.singleSignOnRedirectURL.absoluteString,
                    certificates: metadata.signingCertificates.map { $0.base64EncodedString() },
                    allowIdentityProviderInitiated: given.allowIdpInitiated ?? false)
            } catch {
                validator.add("saml.metadata_xml", "invalid_metadata", "The identity provider's metadata was refused: \(error).")
                return nil
            }
        }
        guard let entityID = given.idpEntityId, let ssoURL = given.ssoUrl, let certificates = given.certificates else {
            validator.add("saml", "incomplete", "Give `metadata_xml`, or `idp_entity_id`, `sso_url` and `certificates`.")
            return nil
        }
        if !(1...1000).contains(entityID.count) { validator.add("saml.idp_entity_id", "invalid", "Up to 1,000 characters.") }
        let checked = try validator.capture { try Self.url(ssoURL, field: "saml.sso_url") }
        if !(1...5).contains(certificates.count)
            || certificates.contains(where: { Data(base64Encoded: $0) == nil || $0.count > 20_000 })
        {
            validator.add("saml.certificates", "invalid", "One to five signing certificates, DER in base64.")
        }
        guard let checked else { return nil }
        return SAMLConnectionSettings(
            identityProviderEntityID: entityID, singleSignOnURL: checked, certificates: certificates,
            allowIdentityProviderInitiated: given.allowIdpInitiated ?? false)
    }
}
