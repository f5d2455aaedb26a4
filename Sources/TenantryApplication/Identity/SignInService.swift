public import Foundation
public import TenantryCore

/// Sign-in with email and password.
public struct SignInService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Issues the access token.
    public let authority: AccessTokenAuthority
    /// Verifies passwords off the request threads.
    public let hashing: PasswordHashingPool
    /// Failed sign-ins per account and per client IP.
    public let limiters: AttemptLimiters
    /// Memberships and the security events.
    public let events: UserEvents
    /// The policies of verified domains (single sign-on required).
    public let domains: DomainPolicies

    /// Creates the use case from its dependencies.
    public init(
        database: any DataStore, authority: AccessTokenAuthority, hashing: PasswordHashingPool, limiters: AttemptLimiters
    ) {
        self.database = database
        self.authority = authority
        self.hashing = hashing
        self.limiters = limiters
        self.events = UserEvents(database: database)
        self.domains = DomainPolicies(database: database)
    }

    /// The result of a sign-in.
    public struct Result: Sendable {
        public var user: User
        /// The tenant the tokens are for; `nil` when the user has several and named none.
        public var tenant: TenantMembership?
        /// Every tenant the user belongs to.
        public var memberships: [TenantMembership]
        public var tokens: IssuedTokens
    }

    /// The one answer to an unknown email or a wrong password.
    public static var invalidCredentials: TenantryError {
        TenantryError(.invalidCredentials, "The email address or password is incorrect.")
    }

    /// What a correct password leads to: tokens, or a second step first.
    public enum Outcome: Sendable {
        /// Signed in.
        case signedIn(Result)
        /// The person has a second factor (``MFAChallengePurpose/verify``) or the tenant
        /// requires one they have not enrolled yet (``MFAChallengePurpose/enrol``): the token
        /// carries the sign-in to `POST /api/v1/auth/mfa/…`.
        case secondStep(SecondStep)
    }

    /// The token of a sign-in's second step.
    public struct SecondStep: Sendable {
        /// Which second step.
        public var purpose: MFAChallengePurpose
        /// The token to send with the second step (shown once; stored as SHA-256).
        public var token: String
        /// When the token stops working.
        public var expiresAt: Date
    }

    /// How long a second-step token works.
    public static let secondStepLifetime: TimeInterval = 300

    /// Signs in with email and password. Unknown email and wrong password give the same
    /// `invalid_credentials` answer after the same amount of hashing work. A person with a
    /// second factor, or without one in a tenant that requires it, gets a second step instead
    /// of tokens.
    public func signIn(email text: String, password: String, tenantSlug: String?, origin: AuditEvent.Origin) async throws
        -> Outcome
    {
        let normalised = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let accountKey = "account:\(normalised)"
        let ipKey = "ip:\(origin.ip ?? "-")"
        try limiters.failedSignInsPerAccount.check([accountKey])
        try limiters.failedSignInsPerIP.check([ipKey])

        let email = try? EmailAddress(text)
        let found = try await email.asyncFlatMap { email in
            try await database.withGlobal { scope in try await scope.users.credentials(email: email) }
        }
        guard let found, let hash = found.passwordHash else {
            try await hashing.simulateVerification(password)
            recordFailure(accountKey: accountKey, ipKey: ipKey)
            throw Self.invalidCredentials
        }
        guard try await hashing.verify(password, against: hash) else {
            recordFailure(accountKey: accountKey, ipKey: ipKey)
            try await events.record(.authLoginFailed, about: found.user.id, origin: origin, in: nil)
            throw Self.invalidCredentials
        }
        guard found.user.status == .active else {
            throw TenantryError(.forbidden, "This account is disabled.")
        }
        limiters.failedSignInsPerAccount.reset(accountKey)
        if hashing.hasher.needsRehash(hash) {
            let upgraded = try await hashing.hash(password)
            try await database.withGlobal { scope in
                try await scope.users.setPasswordHash(upgraded, id: found.user.id, at: Date())
            }
        }

        return try await proceed(user: found.user, tenantSlug: tenantSlug, origin: origin)
    }

    /// What follows a first factor someone passed (a password, or a provider that vouched for
    /// the person's address): tokens for the tenant named by `tenantSlug` (or the only one),
    /// or a second step first when the person has a second factor or the tenant requires one.
    /// At a verified domain that requires single sign-on, only owners of its tenant get this
    /// far (``requireFirstFactorAllowed(for:memberships:origin:)``).
    public func proceed(user: User, tenantSlug: String?, origin: AuditEvent.Origin) async throws -> Outcome {
        let memberships = try await events.memberships(of: user.id)
        try await requireFirstFactorAllowed(for: user, memberships: memberships, origin: origin)
        var chosen: TenantMembership?
        if let tenantSlug {
            guard let match = memberships.first(where: { $0.tenant.slug.rawValue == tenantSlug.lowercased() }) else {
                throw TenantryError(.forbidden, "You are not a member of that tenant.")
            }
            chosen = match
        } else if memberships.count == 1 {
            chosen = memberships[0]
        }
        if let chosen { try chosen.tenant.requireUsable(role: chosen.role) }
        let settings = try await chosen.asyncFlatMap { chosen in
            try await database.readGlobal { scope in try await scope.tenants.profile(id: chosen.tenant.id) }?.settings
        }
        let factor = try await database.readGlobal { scope in try await scope.multiFactor.find(userID: user.id) }
        let purpose: MFAChallengePurpose?
        if factor?.isEnabled == true {
            purpose = .verify
        } else if let chosen, let settings, settings.mfaPolicy.requires(chosen.role) {
            purpose = .enrol
        } else {
            purpose = nil
        }
        if let purpose {
            let now = Date()
            let token = SecretToken.generate()
            let challenge = MFAChallenge(
                userID: user.id, tenantID: chosen?.tenant.id, purpose: purpose,
                expiresAt: now.addingTimeInterval(Self.secondStepLifetime), failures: 0)
            try await database.withGlobal { scope in
                try await scope.multiFactor.addChallenge(hash: SecretToken.digest(token), challenge: challenge, at: now)
            }
            return .secondStep(SecondStep(purpose: purpose, token: token, expiresAt: challenge.expiresAt))
        }
        return .signedIn(
            try await startSession(
                user: user, chosen: chosen, memberships: memberships, settings: settings, origin: origin))
    }

    /// Completes a sign-in whose second step succeeded: the tokens for the tenant chosen at the
    /// password step (``MultiFactorService`` calls it).
    public func completeSignIn(userID: UserID, tenantID: TenantID?, origin: AuditEvent.Origin) async throws -> Result {
        guard let user = try await database.readGlobal({ scope in try await scope.users.find(id: userID) }),
            user.status == .active
        else {
            throw TenantryError(.invalidMFAToken, "The sign-in can no longer be completed; sign in again.")
        }
        let memberships = try await events.memberships(of: userID)
        let chosen = try tenantID.map { id in
            guard let membership = memberships.first(where: { $0.tenant.id == id }) else {
                throw TenantryError(.invalidMFAToken, "You are no longer a member of that tenant; sign in again.")
            }
            return membership
        }
        if let chosen { try chosen.tenant.requireUsable(role: chosen.role) }
        let settings = try await chosen.asyncFlatMap { chosen in
            try await database.readGlobal { scope in try await scope.tenants.profile(id: chosen.tenant.id) }?.settings
        }
        return try await startSession(user: user, chosen: chosen, memberships: memberships, settings: settings, origin: origin)
    }

    /// Creates the session and issues its tokens.
    private func startSession(
        user: User, chosen: TenantMembership?, memberships: [TenantMembership], settings: TenantSettings?,
        origin: AuditEvent.Origin
    ) async throws -> Result {
        let now = Date()
        let session = Session.new(
            policy: authority.settings.policy, userID: user.id, tenantID: chosen?.tenant.id, origin: origin, now: now,
            settings: settings)
        let refreshToken = SecretToken.generate()
        try await database.withGlobal { scope in
            try await scope.sessions.create(session)
            try await scope.sessions.addRefreshToken(hash: SecretToken.digest(refreshToken), sessionID: session.id, at: now)
        }
        try await events.record(
            .authLoginSucceeded, about: user.id, origin: origin, in: chosen?.tenant.id, sessionID: session.id)
        let access = try await authority.issue(
            userID: user.id, sessionID: session.id, tenantID: chosen?.tenant.id,
            roles: chosen.map { [$0.role.rawValue] } ?? [], now: now
        )
        return Result(
            user: user,
            tenant: chosen,
            memberships: memberships,
            tokens: IssuedTokens(
                accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refreshToken,
                sessionID: session.id)
        )
    }

    /// Refuses a sign-in by password (or by a social account) at a verified domain that requires
    /// single sign-on, naming the route that signs the person in; an owner of the domain's tenant
    /// passes (break-glass), and that is audited in the tenant. Checked after the first factor,
    /// so the refusal tells nothing to someone who has not passed it.
    private func requireFirstFactorAllowed(for user: User, memberships: [TenantMembership], origin: AuditEvent.Origin)
        async throws
    {
        guard let held = try await domains.policy(for: user.email), held.domain.ssoRequired else { return }
        guard memberships.contains(where: { $0.tenant.id == held.tenant.id && $0.role == .owner }) else {
            throw try await domains.ssoRequired(tenant: held.tenant, domain: held.domain)
        }
        try await events.record(
            .authSSOBreakGlass, about: user.id, origin: origin, in: held.tenant.id,
            changes: ["domain": .init(before: nil, after: held.domain.domain)])
    }

    private func recordFailure(accountKey: String, ipKey: String) {
        limiters.failedSignInsPerAccount.record(accountKey)
        limiters.failedSignInsPerIP.record(ipKey)
    }
}
