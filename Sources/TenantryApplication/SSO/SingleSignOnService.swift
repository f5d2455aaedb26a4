public import Foundation
public import TenantryCore
public import TenantrySAML

/// Sign-in through a tenant's single sign-on connection:
///
/// 1. ``start(tenantSlug:connectionID:clientState:)`` remembers a flow under the hash of a
///    random `state` and sends the browser to the provider: OpenID Connect with PKCE (S256),
///    `state` and `nonce`; SAML with an AuthnRequest (HTTP-Redirect) whose id the response
///    must answer.
/// 2. The provider answers: ``finishOpenID(state:code:error:origin:)`` verifies the ID token,
///    ``finishSAML(tenantID:connectionID:samlResponse:relayState:origin:)`` the assertion.
///    The person is then found or made (just-in-time): an address at one of the connection's
///    domains, verified by the provider, links to the account with that address or makes one;
///    someone who is not yet a member joins with the connection's default role.
/// 3. The browser goes back to the connection's return URL with a one-time `code` (valid 60 s)
///    that the application exchanges for tokens with ``exchange(code:origin:)``: tokens never
///    travel in a URL.
public struct SingleSignOnService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Seals the PKCE verifiers and opens client secrets.
    public let masterKey: MasterKey
    /// The OpenID Connect relying party.
    public let openID: (any OpenIDConnectClient)?
    /// Issues the session and tokens on exchange.
    public let signIn: SignInService
    /// The public base URL (callback and SAML endpoints).
    public let publicURL: String
    /// Whether a tenant's plan includes the `sso` module.
    public let entitlements: EntitlementDirectory
    /// The security events.
    public let events: UserEvents

    /// How long the provider has to answer.
    public static let flowLifetime: TimeInterval = 600
    /// How long the one-time code works.
    public static let codeLifetime: TimeInterval = 60

    /// Creates the use case.
    public init(
        database: any DataStore, masterKey: MasterKey, openID: (any OpenIDConnectClient)?, signIn: SignInService,
        publicURL: String, entitlements: EntitlementDirectory
    ) {
        self.entitlements = entitlements
        self.database = database
        self.masterKey = masterKey
        self.openID = openID
        self.signIn = signIn
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.events = UserEvents(database: database)
    }

    /// The OpenID Connect redirect URI: one for every connection (the flow's state says which).
    public var openIDRedirectURI: String { "\(publicURL)/api/v1/auth/sso/oidc/callback" }

    /// A SAML connection's service provider: its entity id is its metadata URL.
    public func serviceProvider(tenantID: TenantID, connectionID: SSOConnectionID) throws -> SAMLServiceProvider {
        let base = "\(publicURL)/api/v1/auth/sso/saml/\(tenantID)/\(connectionID)"
        guard let acs = URL(string: "\(base)/acs") else {
            throw TenantryError(.internalError, "The public URL does not make a valid SAML endpoint.")
        }
        return SAMLServiceProvider(entityID: "\(base)/metadata", assertionConsumerServiceURL: acs)
    }

    // MARK: Start

    /// The tenant's enabled connections a sign-in page offers as buttons: none when the tenant
    /// is not active or its plan has no `sso` module.
    public func signInChoices(tenantID: TenantID) async throws -> [SSOConnection] {
        guard try await entitlements.entitlements(for: tenantID).modules.contains(.sso) else { return [] }
        return try await database.withTenant(tenantID) { scope -> [SSOConnection] in
            guard let tenant = try await scope.tenants.find(id: tenantID), tenant.status == .active else { return [] }
            return try await scope.ssoConnections.list(PageRequest(limit: 100)).items.filter(\.enabled)
        }
    }

    /// Where to send the browser to sign in through the tenant's connection (`connectionID`, or
    /// its only enabled one). With `consoleReturn` (the tenant console's landing page, on a host
    /// of the console's own), the browser comes back there with the code instead of the
    /// connection's return URL.
    public func start(
        tenantSlug: Slug, connectionID: SSOConnectionID?, clientState: String?, consoleReturn: String? = nil
    ) async throws -> URL {
        guard let tenant = try await database.readGlobal({ scope in try await scope.tenants.find(slug: tenantSlug) }),
            tenant.status == .active, try await entitlements.entitlements(for: tenant.id).modules.contains(.sso)
        else { throw Self.noConnection }
        let connection = try await database.withTenant(tenant.id) { scope -> SSOConnection in
            let candidates: [SSOConnection]
            if let connectionID {
                candidates = try await scope.ssoConnections.find(id: connectionID).map { [$0] } ?? []
            } else {
                candidates = try await scope.ssoConnections.list(PageRequest(limit: 100)).items
            }
            let enabled = candidates.filter(\.enabled)
            guard enabled.count == 1, let only = enabled.first else { throw Self.noConnection }
            return only
        }
        let now = Date()
        switch connection.kind {
        case .oidc:
            guard let openID, let settings = connection.oidc, let issuer = URL(string: settings.issuer) else {
                throw Self.failed("OpenID Connect is not available for this connection.")
            }
            let provider: OpenIDProviderMetadata
            do {
                provider = try await openID.discover(issuer: issuer)
            } catch {
                throw Self.failed("The identity provider's discovery document could not be read.")
            }
            let secrets = OpenIDSignIn.Secrets()
            try await database.withGlobal { scope in
                try await scope.ssoFlows.addFlow(
                    stateHash: SecretToken.digest(secrets.state),
                    flow: SSOFlow(
                        tenantID: tenant.id, connectionID: connection.id, nonce: secrets.nonce,
                        sealedCodeVerifier: try masterKey.seal(Data(secrets.verifier.utf8)), samlRequestID: nil,
                        clientState: clientState, consoleReturn: consoleReturn,
                        expiresAt: now.addingTimeInterval(Self.flowLifetime)),
                    at: now)
            }
            return try OpenIDSignIn.authorizationURL(
                endpoint: provider.authorizationEndpoint, clientID: settings.clientID, redirectURI: openIDRedirectURI,
                secrets: secrets)
        case .saml:
            guard let settings = connection.saml, let ssoURL = URL(string: settings.singleSignOnURL) else {
                throw Self.failed("This SAML connection has no sign-in endpoint.")
            }
            let requestID = SAMLAuthnRequest.newRequestID()
            let state = SecretToken.generate()
            try await database.withGlobal { scope in
                try await scope.ssoFlows.addFlow(
                    stateHash: SecretToken.digest(state),
                    flow: SSOFlow(
                        tenantID: tenant.id, connectionID: connection.id, nonce: nil, sealedCodeVerifier: nil,
                        samlRequestID: requestID, clientState: clientState, consoleReturn: consoleReturn,
                        expiresAt: now.addingTimeInterval(Self.flowLifetime)),
                    at: now)
            }
            let idp = SAMLIdentityProviderMetadata(
                entityID: settings.identityProviderEntityID, singleSignOnRedirectURL: ssoURL,
                signingCertificates: settings.certificates.compactMap { Data(base64Encoded: $0) })
            do {
                return try SAMLAuthnRequest.redirectURL(
                    sp: try serviceProvider(tenantID: tenant.id, connectionID: connection.id), idp: idp, requestID: requestID,
                    issueInstant: now, relayState: state)
            } catch {
                throw Self.failed("The SAML request could not be made.")
            }
        }
    }

    // MARK: The provider's answer

    /// Where the browser goes once signed in: the return URL with the one-time code.
    public struct Landing: Sendable {
        /// The return URL with `code` (and the application's `state`, when it gave one).
        public var location: URL

        /// Creates a value.
        public init(location: URL) {
            self.location = location
        }
    }

    /// Finishes an OpenID Connect sign-in from the callback's `state` and `code` (or `error`).
    public func finishOpenID(state: String?, code: String?, error: String?, origin: AuditEvent.Origin) async throws
        -> Landing
    {
        guard let state, !state.isEmpty,
            let flow = try await database.withGlobal({ scope in
                try await scope.ssoFlows.takeFlow(stateHash: SecretToken.digest(state), now: Date())
            }), flow.nonce != nil
        else { throw Self.failed("This sign-in is unknown or has expired; start again.") }
        let connection = try await usableConnection(flow.tenantID, flow.connectionID, kind: .oidc)
        do {
            if error != nil { throw Self.failed("The identity provider refused the sign-in.") }
            guard let code, !code.isEmpty else { throw Self.failed("The identity provider sent no authorization code.") }
            guard let openID, let settings = connection.oidc, let issuer = URL(string: settings.issuer),
                let nonce = flow.nonce, let sealedVerifier = flow.sealedCodeVerifier,
                let redirectURI = URL(string: openIDRedirectURI)
            else { throw Self.failed("OpenID Connect is not available for this connection.") }
            let verifier = String(decoding: try masterKey.open(sealedVerifier), as: UTF8.self)
            let secret = try await database.withTenant(flow.tenantID) { scope in
                try await scope.ssoConnections.sealedClientSecret(of: connection.id)
            }.map { String(decoding: try masterKey.open($0), as: UTF8.self) }
            let claims = try await OpenIDSignIn.claims(
                from: openID, issuer: issuer, code: code, verifier: verifier, redirectURI: redirectURI,
                clientID: settings.clientID, clientSecret: secret, nonce: nonce)
            guard let text = claims.email, claims.emailVerified == true, let email = try? EmailAddress(text) else {
                throw Self.failed("The identity provider did not vouch for an email address.")
            }
            return try await land(flow: flow, connection: connection, email: email, name: claims.name, origin: origin)
        } catch let error as TenantryError {
            try await recordFailure(connection, error, origin: origin)
            throw error
        }
    }

    /// Finishes a SAML sign-in from the assertion consumer's POST.
    public func finishSAML(
        tenantID: TenantID, connectionID: SSOConnectionID, samlResponse: String, relayState: String?,
        origin: AuditEvent.Origin
    ) async throws -> Landing {
        let connection = try await usableConnection(tenantID, connectionID, kind: .saml)
        do {
            guard let settings = connection.saml else { throw Self.failed("This connection is not a SAML connection.") }
            var flow: SSOFlow?
            if let relayState, !relayState.isEmpty {
                flow = try await database.withGlobal { scope in
                    try await scope.ssoFlows.takeFlow(stateHash: SecretToken.digest(relayState), now: Date())
                }
            }
            if let found = flow, found.tenantID != tenantID || found.connectionID != connectionID || found.samlRequestID == nil {
                flow = nil
            }
            let solicitation: SAMLExpectations.Solicitation
            if let requestID = flow?.samlRequestID {
                solicitation = .request(id: requestID)
            } else if settings.allowIdentityProviderInitiated {
                solicitation = .identityProviderInitiated
            } else {
                throw Self.failed("This sign-in is unknown or has expired, and unsolicited responses are not accepted.")
            }
            let sp = try serviceProvider(tenantID: tenantID, connectionID: connectionID)
            let now = Date()
            let assertion: SAMLAssertion
            do {
                assertion = try SAMLResponseVerifier().verify(
                    samlResponseBase64: samlResponse,
                    expectations: SAMLExpectations(
                        trustedCertificates: settings.certificates.compactMap { Data(base64Encoded: $0) },
                        identityProviderEntityID: settings.identityProviderEntityID, serviceProviderEntityID: sp.entityID,
                        assertionConsumerServiceURL: sp.assertionConsumerServiceURL.absoluteString, solicitation: solicitation,
                        now: now))
            } catch {
                throw Self.failed("The SAML response was refused (\(error)).")
            }
            let fresh = try await database.withGlobal { scope in
                try await scope.ssoFlows.rememberAssertion(
                    connectionID: connectionID, assertionID: assertion.id, until: assertion.notOnOrAfter, now: now)
            }
            guard fresh else { throw Self.failed("This SAML assertion was already used.") }
            guard let text = assertion.email, let email = try? EmailAddress(text) else {
                throw Self.failed("The SAML assertion carries no email address.")
            }
            let landingFlow =
                flow
                ?? SSOFlow(
                    tenantID: tenantID, connectionID: connectionID, nonce: nil, sealedCodeVerifier: nil, samlRequestID: nil,
                    clientState: nil, expiresAt: now)
            let name = assertion.attributes["displayName"]?.first ?? assertion.attributes["name"]?.first
            return try await land(flow: landingFlow, connection: connection, email: email, name: name, origin: origin)
        } catch let error as TenantryError {
            try await recordFailure(connection, error, origin: origin)
            throw error
        }
    }

    /// The SAML service provider metadata of a connection.
    public func serviceProviderMetadata(tenantID: TenantID, connectionID: SSOConnectionID) async throws -> String {
        _ = try await usableConnection(tenantID, connectionID, kind: .saml, requireEnabled: false)
        return try serviceProvider(tenantID: tenantID, connectionID: connectionID).metadataXML()
    }

    // MARK: Exchange

    /// Exchanges the one-time code from the return URL for a session and its tokens, once.
    public func exchange(code: String, origin: AuditEvent.Origin) async throws -> SignInService.Result {
        let grant = try await database.withGlobal { scope in
            try await scope.ssoFlows.takeGrant(codeHash: SecretToken.digest(code), now: Date())
        }
        guard let grant else {
            throw TenantryError(.invalidUserToken, "The sign-in code is unknown, expired or already used.")
        }
        return try await signIn.completeSignIn(userID: grant.userID, tenantID: grant.tenantID, origin: origin)
    }

    // MARK: Internals

    /// Finds or makes the person and their membership, then hands out a one-time code.
    private func land(
        flow: SSOFlow, connection: SSOConnection, email: EmailAddress, name: String?, origin: AuditEvent.Origin
    ) async throws -> Landing {
        guard connection.serves(email) else {
            throw Self.failed("The address is not at one of this connection's domains.")
        }
        let now = Date()
        let userID = try await database.withTenant(connection.tenantID) { scope -> UserID in
            try await scope.lockTenant()
            var user = try await scope.users.find(email: email)
            if user == nil {
                let local = email.localPart
                let made = User(
                    id: .generate(), email: email, name: (try? User.validatedName(name ?? local)) ?? local, createdAt: now,
                    updatedAt: now, emailVerifiedAt: now)
                try await scope.users.create(made, passwordHash: nil)
                user = made
            }
            guard let user, user.status == .active else { throw Self.failed("This account is disabled.") }
            if user.emailVerifiedAt == nil { try await scope.users.markEmailVerified(id: user.id, at: now) }
            if let membership = try await scope.memberships.find(userID: user.id) {
                guard membership.status == .active else { throw Self.failed("Your membership in this tenant is suspended.") }
            } else {
                try await scope.requireRoom(for: .members)
                try await scope.memberships.create(
                    userID: user.id, role: connection.defaultRole, customRoleID: nil, status: .active, at: now)
                try await scope.record(
                    AuditRecorder.event(
                        in: connection.tenantID, action: .memberAdded, actor: .system,
                        target: AuditEvent.Target(type: "user", id: user.id.description), origin: origin,
                        changes: [
                            "role": .init(before: nil, after: connection.defaultRole.rawValue),
                            "via": .init(before: nil, after: "sso:\(connection.id)"),
                        ]))
            }
            return user.id
        }
        let code = SecretToken.generate()
        try await database.withGlobal { scope in
            try await scope.ssoFlows.addGrant(
                codeHash: SecretToken.digest(code), userID: userID, tenantID: connection.tenantID,
                expiresAt: now.addingTimeInterval(Self.codeLifetime), at: now)
        }
        try await events.record(
            .authSSOSucceeded, about: userID, origin: origin, in: connection.tenantID,
            changes: ["connection": .init(before: nil, after: connection.id.description)])
        return Landing(
            location: try OpenIDSignIn.landing(
                flow.consoleReturn ?? connection.returnURL, code: code, clientState: flow.clientState))
    }

    private func usableConnection(
        _ tenantID: TenantID, _ connectionID: SSOConnectionID, kind: SSOProtocol, requireEnabled: Bool = true
    ) async throws -> SSOConnection {
        // A plan without the `sso` module signs nobody in through a connection it still has.
        guard try await entitlements.entitlements(for: tenantID).modules.contains(.sso) else { throw Self.noConnection }
        let connection = try await database.withTenant(tenantID) { scope in try await scope.ssoConnections.find(id: connectionID)
        }
        guard let connection, connection.kind == kind, connection.enabled || !requireEnabled else {
            throw Self.noConnection
        }
        return connection
    }

    private func recordFailure(_ connection: SSOConnection, _ error: TenantryError, origin: AuditEvent.Origin) async throws {
        guard error.code == .ssoFailed else { return }
        try await database.withTenant(connection.tenantID) { scope in
            try await scope.record(
                AuditRecorder.event(
                    in: connection.tenantID, action: .authSSOFailed, actor: .system,
                    target: SSOConnectionService.target(connection.id), origin: origin,
                    changes: ["reason": .init(before: nil, after: error.message)]))
        }
    }

    /// The answer for a connection that does not exist or cannot be used (404).
    public static var noConnection: TenantryError {
        TenantryError(.notFound, "No enabled single sign-on connection matches.")
    }

    static func failed(_ message: String) -> TenantryError {
        TenantryError(.ssoFailed, message)
    }
}
