import Foundation
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

    /// Creates the use case from its dependencies.
    public init(
        database: any DataStore, authority: AccessTokenAuthority, hashing: PasswordHashingPool, limiters: AttemptLimiters
    ) {
        self.database = database
        self.authority = authority
        self.hashing = hashing
        self.limiters = limiters
        self.events = UserEvents(database: database)
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

    /// Signs in with email and password. Unknown email and wrong password give the same
    /// `invalid_credentials` answer after the same amount of hashing work.
    public func signIn(email text: String, password: String, tenantSlug: String?, origin: AuditEvent.Origin) async throws
        -> Result
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

        let memberships = try await events.memberships(of: found.user.id)
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

        let now = Date()
        let settings = try await chosen.asyncFlatMap { chosen in
            try await database.readGlobal { scope in try await scope.tenants.profile(id: chosen.tenant.id) }?.settings
        }
        let session = Session.new(
            policy: authority.settings.policy, userID: found.user.id, tenantID: chosen?.tenant.id, origin: origin, now: now,
            settings: settings)
        let refreshToken = SecretToken.generate()
        try await database.withGlobal { scope in
            try await scope.sessions.create(session)
            try await scope.sessions.addRefreshToken(hash: SecretToken.digest(refreshToken), sessionID: session.id, at: now)
        }
        try await events.record(
            .authLoginSucceeded, about: found.user.id, origin: origin, in: chosen?.tenant.id, sessionID: session.id)
        let access = try await authority.issue(
            userID: found.user.id, sessionID: session.id, tenantID: chosen?.tenant.id,
            roles: chosen.map { [$0.role.rawValue] } ?? [], now: now
        )
        return Result(
            user: found.user,
            tenant: chosen,
            memberships: memberships,
            tokens: IssuedTokens(
                accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refreshToken,
                sessionID: session.id)
        )
    }

    private func recordFailure(accountKey: String, ipKey: String) {
        limiters.failedSignInsPerAccount.record(accountKey)
        limiters.failedSignInsPerIP.record(ipKey)
    }
}
