public import Foundation
public import TenantryCore

/// Sign-in and sign-up through the platform's social connections (Google, Microsoft):
///
/// 1. ``start(provider:returnTo:intent:clientState:)`` checks `return_to` against the
///    connection's return URLs, remembers a flow under the hash of a random `state`, and sends
///    the browser to the provider with PKCE (S256), `state` and `nonce`.
/// 2. ``finish(state:code:error:origin:)`` takes the flow (once), exchanges the code and
///    verifies the ID token. The provider must vouch for the address (`email_verified`). A
///    sign-in needs an account with that address (else `sign_up_required`); a sign-up needs
///    none (else `conflict`). The browser goes back to `return_to` with a one-time code.
/// 3. ``exchange(code:signUp:tenantSlug:origin:)`` hands the code's account its tokens like a
///    password sign-in, a second factor included; a sign-up code first makes the account
///    (address verified, no password) and a new tenant it owns, named in the request.
public struct SocialSignInService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Seals the PKCE verifiers and opens client secrets.
    public let masterKey: MasterKey
    /// The OpenID Connect relying party.
    public let openID: (any OpenIDConnectClient)?
    /// Issues the session and tokens, or the second step.
    public let signIn: SignInService
    /// The default plan of a new tenant.
    public let tenancy: TenancySettings
    /// The public base URL (the callback).
    public let publicURL: String
    /// The security events.
    public let events: UserEvents

    /// Creates the use case.
    public init(
        database: any DataStore, masterKey: MasterKey, openID: (any OpenIDConnectClient)?, signIn: SignInService,
        tenancy: TenancySettings, publicURL: String
    ) {
        self.database = database
        self.masterKey = masterKey
        self.openID = openID
        self.signIn = signIn
        self.tenancy = tenancy
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        self.events = UserEvents(database: database)
    }

    /// The redirect URI to register at every social provider.
    public var redirectURI: String { "\(publicURL)/api/v1/auth/social/callback" }

    /// What a sign-up code needs to make the tenant, validated by the caller.
    public struct TenantDetails: Sendable {
        public var name: String
        public var slug: Slug

        /// Creates a value.
        public init(name: String, slug: Slug) {
            self.name = name
            self.slug = slug
        }
    }

    /// What an exchange led to.
    public struct Exchanged: Sendable {
        /// Tokens, or a second step first.
        public var outcome: SignInService.Outcome
        /// Whether the exchange made the account and its tenant.
        public var signedUp: Bool
    }

    // MARK: Start

    /// Where to send the browser to sign in or sign up with `provider`.
    public func start(provider: SocialProvider, returnTo: String, intent: SocialIntent, clientState: String?) async throws
        -> URL
    {
        let connection = try await usableConnection(provider: provider)
        guard connection.returnURLs.contains(returnTo) else {
            throw Validator.fail("return_to", "not_allowed", "This return URL is not one of the connection's return URLs.")
        }
        guard let openID, let issuer = URL(string: connection.issuer) else {
            throw Self.failed("OpenID Connect is not available for this connection.")
        }
        let metadata: OpenIDProviderMetadata
        do {
            metadata = try await openID.discover(issuer: issuer)
        } catch {
            throw Self.failed("The identity provider's discovery document could not be read.")
        }
        let secrets = OpenIDSignIn.Secrets()
        let now = Date()
        try await database.withGlobal { scope in
            try await scope.socialFlows.addFlow(
                stateHash: SecretToken.digest(secrets.state),
                flow: SocialFlow(
                    connectionID: connection.id, intent: intent, nonce: secrets.nonce,
                    sealedCodeVerifier: try masterKey.seal(Data(secrets.verifier.utf8)), returnURL: returnTo,
                    clientState: clientState, expiresAt: now.addingTimeInterval(SingleSignOnService.flowLifetime)),
                at: now)
        }
        return try OpenIDSignIn.authorizationURL(
            endpoint: metadata.authorizationEndpoint, clientID: connection.clientID, redirectURI: redirectURI, secrets: secrets)
    }

    // MARK: The provider's answer

    /// Finishes a social sign-in from the callback's `state` and `code` (or `error`).
    public func finish(state: String?, code: String?, error: String?, origin: AuditEvent.Origin) async throws
        -> SingleSignOnService.Landing
    {
        guard let state, !state.isEmpty,
            let flow = try await database.withGlobal({ scope in
                try await scope.socialFlows.takeFlow(stateHash: SecretToken.digest(state), now: Date())
            })
        else { throw Self.failed("This sign-in is unknown or has expired; start again.") }
        guard
            let connection = try await database.readGlobal({ scope in
                try await scope.socialConnections.find(id: flow.connectionID)
            }),
            connection.enabled
        else { throw Self.noConnection }
        var person: User?
        do {
            if error != nil { throw Self.failed("The identity provider refused the sign-in.") }
            guard let code, !code.isEmpty else { throw Self.failed("The identity provider sent no authorization code.") }
            guard let openID, let issuer = URL(string: connection.issuer), let redirect = URL(string: redirectURI) else {
                throw Self.failed("OpenID Connect is not available for this connection.")
            }
            let verifier = String(decoding: try masterKey.open(flow.sealedCodeVerifier), as: UTF8.self)
            let secret = try await database.readGlobal { scope in
                try await scope.socialConnections.sealedClientSecret(of: connection.id)
            }.map { String(decoding: try masterKey.open($0), as: UTF8.self) }
            let claims = try await OpenIDSignIn.claims(
                from: openID, issuer: issuer, code: code, verifier: verifier, redirectURI: redirect,
                clientID: connection.clientID, clientSecret: secret, nonce: flow.nonce)
            // Never an address the provider does not vouch for: it could be anyone's.
            guard let text = claims.email, claims.emailVerified == true, let email = try? EmailAddress(text) else {
                throw Self.failed("The identity provider did not vouch for an email address.")
            }
            guard connection.accepts(email) else {
                throw Self.failed("The address is not at one of the domains this sign-in accepts.")
            }
            person = try await database.readGlobal { scope in try await scope.users.find(email: email) }
            let grant = try await grant(for: flow, connection: connection, email: email, name: claims.name, user: person)
            let oneTimeCode = SecretToken.generate()
            let now = Date()
            try await database.withGlobal { scope in
                try await scope.socialFlows.addGrant(codeHash: SecretToken.digest(oneTimeCode), grant: grant, at: now)
            }
            if let userID = grant.userID {
                try await events.record(
                    .authSocialSucceeded, about: userID, origin: origin, in: nil,
                    changes: ["provider": .init(before: nil, after: connection.provider.rawValue)])
            }
            return SingleSignOnService.Landing(
                location: try OpenIDSignIn.landing(flow.returnURL, code: oneTimeCode, clientState: flow.clientState))
        } catch let error as TenantryError {
            try await recordFailure(connection, error, person: person, origin: origin)
            throw error
        }
    }

    /// The one-time code's grant: the account for a sign-in, the verified address for a sign-up.
    private func grant(for flow: SocialFlow, connection: SocialConnection, email: EmailAddress, name: String?, user: User?)
        async throws -> SocialGrant
    {
        let now = Date()
        let expiresAt = now.addingTimeInterval(SingleSignOnService.codeLifetime)
        switch (flow.intent, user) {
        case (.signIn, nil):
            throw TenantryError(
                .signUpRequired,
                "No account has this address. Start again with intent=sign_up to create an account and a tenant.")
        case (.signIn, let user?):
            guard user.status == .active else { throw Self.failed("This account is disabled.") }
            if user.emailVerifiedAt == nil {
                try await database.withGlobal { scope in try await scope.users.markEmailVerified(id: user.id, at: now) }
            }
            return SocialGrant(
                connectionID: connection.id, intent: .signIn, userID: user.id, email: email, name: name, expiresAt: expiresAt)
        case (.signUp, .some):
            throw TenantryError(.conflict, "An account with this address exists; sign in instead.")
        case (.signUp, nil):
            return SocialGrant(
                connectionID: connection.id, intent: .signUp, userID: nil, email: email, name: name, expiresAt: expiresAt)
        }
    }

    // MARK: Exchange

    /// Exchanges a social sign-in's one-time code; `nil` when the code is not one (it may be a
    /// tenant connection's). A sign-up code needs `signUp` (the new tenant's name and slug; a
    /// missing name is a 422 that leaves the code usable) and makes the account and its tenant
    /// in one transaction with taking the code; a sign-in code may name one of the account's
    /// tenants with `tenantSlug`. Either way a person with a second factor (or without one in a
    /// tenant that requires it) gets the second step instead of tokens.
    public func exchange(code: String, signUp: TenantDetails?, tenantSlug: Slug?, origin: AuditEvent.Origin) async throws
        -> Exchanged?
    {
        let hash = SecretToken.digest(code)
        guard
            let peeked = try await database.readGlobal({ scope in
                try await scope.socialFlows.findGrant(codeHash: hash, now: Date())
            })
        else { return nil }
        switch peeked.intent {
        case .signIn:
            guard
                let grant = try await database.withGlobal({ scope in
                    try await scope.socialFlows.takeGrant(codeHash: hash, now: Date())
                }),
                let userID = grant.userID,
                let user = try await database.readGlobal({ scope in try await scope.users.find(id: userID) })
            else { throw Self.codeRefused }
            guard user.status == .active else { throw TenantryError(.forbidden, "This account is disabled.") }
            return Exchanged(
                outcome: try await signIn.proceed(user: user, tenantSlug: tenantSlug?.rawValue, origin: origin), signedUp: false)
        case .signUp:
            guard let signUp else {
                throw Validator.fail("tenant_name", "required", "A sign-up names the new tenant: give tenant_name.")
            }
            let user = try await found(signUp, codeHash: hash, origin: origin)
            return Exchanged(
                outcome: try await signIn.proceed(user: user, tenantSlug: signUp.slug.rawValue, origin: origin), signedUp: true)
        }
    }

    /// Takes a sign-up code and makes its account and a tenant it owns, in one transaction.
    private func found(_ details: TenantDetails, codeHash: String, origin: AuditEvent.Origin) async throws -> User {
        try signIn.limiters.admitRegistration(from: origin)
        let now = Date()
        let tenant = Tenant(
            id: .generate(), slug: details.slug, name: details.name, status: .active, createdAt: now, updatedAt: now)
        do {
            return try await database.withTenant(tenant.id) { scope -> User in
                guard let grant = try await scope.global.socialFlows.takeGrant(codeHash: codeHash, now: now),
                    grant.intent == .signUp
                else { throw Self.codeRefused }
                // Someone may have registered the address since the provider answered.
                guard try await scope.users.find(email: grant.email) == nil else {
                    throw TenantryError(.conflict, "An account with this address exists; sign in instead.")
                }
                let provider = try await scope.global.socialConnections.find(id: grant.connectionID)?.provider
                let local = grant.email.localPart
                let user = User(
                    id: .generate(), email: grant.email, name: (try? User.validatedName(grant.name ?? local)) ?? local,
                    createdAt: now, updatedAt: now, emailVerifiedAt: now)
                try await SignUpService.found(
                    tenant, owner: user, passwordHash: nil, plan: tenancy.defaultPlan,
                    via: "social:\(provider?.rawValue ?? grant.connectionID.description)", in: scope, origin: origin, now: now)
                return user
            }
        } catch let error as TenantryError {
            throw SignUpService.namingTenantSlug(error)
        }
    }

    // MARK: Internals

    private func usableConnection(provider: SocialProvider) async throws -> SocialConnection {
        guard
            let connection = try await database.readGlobal({ scope in try await scope.socialConnections.find(provider: provider) }
            ),
            connection.enabled
        else { throw Self.noConnection }
        return connection
    }

    /// Records a refusal: in the platform audit trail always (the connection is the
    /// platform's), and as `auth.social_failed` in every tenant of the account the provider's
    /// verified address belongs to, when it has one.
    private func recordFailure(_ connection: SocialConnection, _ error: TenantryError, person: User?, origin: AuditEvent.Origin)
        async throws
    {
        let changes: [String: AuditEvent.Change] = [
            "provider": .init(before: nil, after: connection.provider.rawValue),
            "reason": .init(before: nil, after: error.message),
        ]
        try await database.withGlobal { scope in
            try await scope.platformAuditEvents.append(
                AuditRecorder.platformEvent(
                    actor: .system, action: EventType.authSocialFailed.rawValue,
                    target: SocialConnectionService.target(connection.id), origin: origin, changes: changes))
        }
        if let person {
            try await events.record(
                .authSocialFailed, about: person.id, origin: origin, in: nil, changes: changes, actor: .system)
        }
    }

    /// The answer for a provider without an enabled connection (404).
    public static var noConnection: TenantryError {
        TenantryError(.notFound, "No enabled social connection for this provider.")
    }

    static var codeRefused: TenantryError {
        TenantryError(.invalidUserToken, "The sign-in code is unknown, expired or already used.")
    }

    static func failed(_ message: String) -> TenantryError {
        TenantryError(.ssoFailed, message)
    }
}
