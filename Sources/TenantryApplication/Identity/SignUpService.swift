public import Foundation
public import TenantryCore

/// Self-service sign-up: a new tenant, its owner and a first session, in one transaction.
public struct SignUpService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Issues the first access token.
    public let authority: AccessTokenAuthority
    /// Hashes the password off the request threads.
    public let hashing: PasswordHashingPool
    /// Sign-ups per client IP.
    public let limiters: AttemptLimiters
    /// The default plan of a new tenant.
    public let tenancy: TenancySettings
    /// Sends the verification email.
    public let emailedTokens: EmailedTokenIssuer
    /// The policies of verified domains.
    public let domains: DomainPolicies

    /// Creates the use case from its dependencies.
    public init(
        database: any DataStore, authority: AccessTokenAuthority, hashing: PasswordHashingPool, limiters: AttemptLimiters,
        tenancy: TenancySettings, emailedTokens: EmailedTokenIssuer
    ) {
        self.database = database
        self.authority = authority
        self.hashing = hashing
        self.limiters = limiters
        self.tenancy = tenancy
        self.emailedTokens = emailedTokens
        self.domains = DomainPolicies(database: database)
    }

    /// What `POST /auth/register` needs, validated.
    public struct Registration: Sendable {
        public var email: EmailAddress
        public var password: String
        public var name: String
        public var tenantName: String
        public var tenantSlug: Slug

        /// Creates a value.
        public init(email: EmailAddress, password: String, name: String, tenantName: String, tenantSlug: Slug) {
            self.email = email
            self.password = password
            self.name = name
            self.tenantName = tenantName
            self.tenantSlug = tenantSlug
        }
    }

    /// Creates the tenant, the user and the owner membership, a session, and a verification
    /// email, in one transaction, with its audit event.
    public func register(_ registration: Registration, origin: AuditEvent.Origin) async throws -> (
        tenant: Tenant, user: User, tokens: IssuedTokens
    ) {
        try limiters.admitRegistration(from: origin)
        if let held = try await domains.policy(for: registration.email), held.domain.ssoRequired {
            throw try await domains.ssoRequired(tenant: held.tenant, domain: held.domain)
        }
        let passwordHash = try await hashing.hash(registration.password)
        let now = Date()
        let tenant = Tenant(
            id: .generate(),
            slug: registration.tenantSlug,
            name: registration.tenantName,
            status: .active,
            createdAt: now,
            updatedAt: now
        )
        let user = User(id: .generate(), email: registration.email, name: registration.name, createdAt: now, updatedAt: now)
        let refreshToken = SecretToken.generate()
        let session = Session.new(
            policy: authority.settings.policy, userID: user.id, tenantID: tenant.id, origin: origin, now: now)
        do {
            try await create(
                tenant: tenant, user: user, passwordHash: passwordHash, session: session,
                refreshToken: refreshToken, origin: origin, now: now
            )
        } catch let error as TenantryError {
            throw Self.namingTenantSlug(error)
        }
        let access = try await authority.issue(
            userID: user.id, sessionID: session.id, tenantID: tenant.id, roles: [TenantRole.owner.rawValue], now: now
        )
        return (
            tenant, user,
            IssuedTokens(
                accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refreshToken,
                sessionID: session.id)
        )
    }

    /// What `POST /auth/register` without a tenant needs, validated.
    public struct DomainRegistration: Sendable {
        public var email: EmailAddress
        public var password: String
        public var name: String

        /// Creates a value.
        public init(email: EmailAddress, password: String, name: String) {
            self.email = email
            self.password = password
            self.name = name
        }
    }

    /// Registers someone whose address is at a domain a tenant verified and admits people from
    /// (``DomainJoinPolicy/join`` or ``DomainJoinPolicy/approval``): the account and its
    /// verification email, no tenant and no session. Following the emailed link proves the
    /// address and only then joins the tenant, or files the request to join
    /// (``RecoveryService/verifyEmail(token:origin:)``). Refused, naming `tenant_name`, when no
    /// tenant admits people from the domain; `sso_required` when the domain requires single
    /// sign-on.
    public func registerThroughDomain(_ registration: DomainRegistration, origin: AuditEvent.Origin) async throws -> (
        user: User, tenant: Tenant, policy: DomainJoinPolicy
    ) {
        try limiters.admitRegistration(from: origin)
        guard let held = try await domains.policy(for: registration.email), held.domain.joinPolicy != .off else {
            throw Validator.fail(
                "tenant_name", "required", "Name the tenant to create: no tenant admits people from this address's domain.")
        }
        if held.domain.ssoRequired { throw try await domains.ssoRequired(tenant: held.tenant, domain: held.domain) }
        let passwordHash = try await hashing.hash(registration.password)
        let now = Date()
        let user = User(id: .generate(), email: registration.email, name: registration.name, createdAt: now, updatedAt: now)
        try await database.withTenant(held.tenant.id) { scope in
            try await scope.users.create(user, passwordHash: passwordHash)
            try await emailedTokens.send(
                .verifyEmail, to: user, tenant: held.tenant.id, tenantName: held.tenant.name, scope: scope.global, now: now)
            try await scope.record(
                AuditRecorder.event(
                    in: held.tenant.id, action: .authRegistered, actor: .user(user.id),
                    target: .init(type: "user", id: user.id.description), origin: origin,
                    changes: ["via": .init(before: nil, after: "domain:\(held.domain.domain)")]))
        }
        return (user, held.tenant, held.domain.joinPolicy)
    }

    private func create(
        tenant: Tenant, user: User, passwordHash: String, session: Session,
        refreshToken: String, origin: AuditEvent.Origin, now: Date
    ) async throws {
        try await database.withTenant(tenant.id) { scope in
            try await Self.found(
                tenant, owner: user, passwordHash: passwordHash, plan: tenancy.defaultPlan, via: nil, in: scope, origin: origin,
                now: now)
            try await scope.global.sessions.create(session)
            try await scope.global.sessions.addRefreshToken(
                hash: SecretToken.digest(refreshToken), sessionID: session.id, at: now)
            try await emailedTokens.send(
                .verifyEmail, to: user, tenant: tenant.id, tenantName: tenant.name, scope: scope.global, now: now)
        }
    }

    /// Creates a new tenant with `user` as its new account and owner, and records
    /// `auth.registered` (with `via`, e.g. `social:google`, when the account came from
    /// elsewhere than a password), in the new tenant's transaction: the one way a sign-up
    /// founds a tenant.
    public static func found(
        _ tenant: Tenant, owner user: User, passwordHash: String?, plan: String, via: String?,
        in scope: any TenantTransaction, origin: AuditEvent.Origin, now: Date
    ) async throws {
        try await scope.users.create(user, passwordHash: passwordHash)
        try await scope.tenants.create(tenant, plan: plan)
        _ = try await scope.memberships.create(userID: user.id, role: .owner, customRoleID: nil, status: .active, at: now)
        var changes: [String: AuditEvent.Change] = ["tenant": .init(before: nil, after: tenant.slug.rawValue)]
        if let via { changes["via"] = .init(before: nil, after: via) }
        try await scope.record(
            AuditRecorder.event(
                in: tenant.id, action: .authRegistered, actor: .user(user.id),
                target: .init(type: "user", id: user.id.description), origin: origin, changes: changes))
    }

    /// Renames a slug conflict's field to `tenant_slug`, the name requests give it.
    public static func namingTenantSlug(_ error: TenantryError) -> TenantryError {
        guard error.code == .conflict else { return error }
        var error = error
        error.fieldErrors = error.fieldErrors.map { field in
            field.field == "slug" ? FieldError(field: "tenant_slug", code: field.code, message: field.message) : field
        }
        return error
    }
}
