public import Foundation
import Logging
public import TenantryCore

/// The identity use cases: register, sign in and out, refresh, switch tenant, profile, password
/// change and recovery, sessions. Rules come from the domain (``PasswordPolicy``,
/// ``RefreshTokenRotation``, ``SessionPolicy``); SQL from the repositories; this type orders
/// the steps. Registration writes everything, its audit event included, in one transaction;
/// the other security events are recorded right after their change commits (in each affected
/// tenant's scope).
public struct IdentityService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Issues and verifies access tokens.
    public let authority: AccessTokenAuthority
    /// Hashes and verifies passwords off the request threads.
    public let hashing: PasswordHashingPool
    /// Users with their memberships (for `/me` and refresh).
    public let directory: UserDirectoryCache
    /// Sign-in and recovery attempt limits.
    public let limiters: AttemptLimiters
    /// The default plan of a new tenant.
    public let tenancy: TenancySettings
    /// Sends and redeems the one-time links of emails.
    public let emailedTokens: EmailedTokenIssuer

    /// Creates the use case from its dependencies.
    public init(
        database: any DataStore, authority: AccessTokenAuthority, hashing: PasswordHashingPool,
        directory: UserDirectoryCache, limiters: AttemptLimiters, tenancy: TenancySettings, emailedTokens: EmailedTokenIssuer
    ) {
        self.database = database
        self.authority = authority
        self.hashing = hashing
        self.directory = directory
        self.limiters = limiters
        self.tenancy = tenancy
        self.emailedTokens = emailedTokens
    }

    /// Session lifetimes.
    public var policy: SessionPolicy { authority.settings.policy }

    /// Tokens handed to a client.
    public struct IssuedTokens: Sendable {
        public var accessToken: String
        public var accessTokenExpiresAt: Date
        /// The new refresh token (`nil` when only an access token was issued).
        public var refreshToken: String?
        public var sessionID: SessionID
    }

    /// A tenant with the caller's role in it.
    public struct TenantMembership: Sendable {
        public var tenant: Tenant
        public var role: TenantRole

        /// Creates a value.
        public init(tenant: Tenant, role: TenantRole) {
            self.tenant = tenant
            self.role = role
        }
    }

    // MARK: Registration

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
    /// email, in one transaction.
    public func register(_ registration: Registration, origin: AuditEvent.Origin) async throws -> (
        tenant: Tenant, user: User, tokens: IssuedTokens
    ) {
        try limiters.registrationsPerIP.check(["ip:\(origin.ip ?? "-")"])
        limiters.registrationsPerIP.record("ip:\(origin.ip ?? "-")")
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
        let session = Session.new(policy: policy, userID: user.id, tenantID: tenant.id, origin: origin, now: now)
        do {
            try await createRegistration(
                tenant: tenant, user: user, passwordHash: passwordHash, session: session,
                refreshToken: refreshToken, origin: origin, now: now
            )
        } catch var error as TenantryError where error.code == .conflict {
            // The request names the slug `tenant_slug`.
            error.fieldErrors = error.fieldErrors.map { field in
                field.field == "slug" ? FieldError(field: "tenant_slug", code: field.code, message: field.message) : field
            }
            throw error
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

    private func createRegistration(
        tenant: Tenant, user: User, passwordHash: String, session: Session,
        refreshToken: String, origin: AuditEvent.Origin, now: Date
    ) async throws {
        try await database.withTenant(tenant.id) { scope in
            try await scope.users.create(user, passwordHash: passwordHash)
            try await scope.tenants.create(tenant, plan: tenancy.defaultPlan)
            _ = try await scope.memberships.create(userID: user.id, role: .owner, customRoleID: nil, status: .active, at: now)
            try await scope.global.sessions.create(session)
            try await scope.global.sessions.addRefreshToken(
                hash: SecretToken.digest(refreshToken), sessionID: session.id, at: now)
            try await emailedTokens.send(
                .verifyEmail, to: user, tenant: tenant.id, tenantName: tenant.name, scope: scope.global, now: now)
            try await scope.record(
                AuditRecorder.event(
                    in: tenant.id, action: .authRegistered, actor: .user(user.id),
                    target: .init(type: "user", id: user.id.description), origin: origin,
                    changes: ["tenant": .init(before: nil, after: tenant.slug.rawValue)]
                )
            )
        }
    }

    // MARK: Sign-in

    /// The result of a sign-in.
    public struct SignIn: Sendable {
        public var user: User
        /// The tenant the tokens are for; `nil` when the user has several and named none.
        public var tenant: TenantMembership?
        /// Every tenant the user belongs to.
        public var memberships: [TenantMembership]
        public var tokens: IssuedTokens
    }

    /// Signs in with email and password. Unknown email and wrong password give the same
    /// `invalid_credentials` answer after the same amount of hashing work.
    public func signIn(email text: String, password: String, tenantSlug: String?, origin: AuditEvent.Origin) async throws
        -> SignIn
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
            try await recordForUser(found.user.id, action: .authLoginFailed, origin: origin, preferred: nil)
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

        let memberships = try await memberships(of: found.user.id)
        var chosen: TenantMembership?
        if let tenantSlug {
            guard let match = memberships.first(where: { $0.tenant.slug.rawValue == tenantSlug.lowercased() }) else {
                throw TenantryError(.forbidden, "You are not a member of that tenant.")
            }
            chosen = match
        } else if memberships.count == 1 {
            chosen = memberships[0]
        }
        if let chosen { try Self.requireUsable(chosen.tenant, role: chosen.role) }

        let now = Date()
        let settings = try await chosen.asyncFlatMap { chosen in
            try await database.readGlobal { scope in try await scope.tenants.profile(id: chosen.tenant.id) }?.settings
        }
        let session = Session.new(
            policy: policy, userID: found.user.id, tenantID: chosen?.tenant.id, origin: origin, now: now,
            settings: settings)
        let refreshToken = SecretToken.generate()
        try await database.withGlobal { scope in
            try await scope.sessions.create(session)
            try await scope.sessions.addRefreshToken(hash: SecretToken.digest(refreshToken), sessionID: session.id, at: now)
        }
        try await recordForUser(
            found.user.id, action: .authLoginSucceeded, origin: origin, preferred: chosen?.tenant.id, sessionID: session.id)
        let access = try await authority.issue(
            userID: found.user.id, sessionID: session.id, tenantID: chosen?.tenant.id,
            roles: chosen.map { [$0.role.rawValue] } ?? [], now: now
        )
        return SignIn(
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

    public static var invalidCredentials: TenantryError {
        TenantryError(.invalidCredentials, "The email address or password is incorrect.")
    }

    // MARK: Refresh

    /// Exchanges a refresh token for a new pair (see ``RefreshTokenRotation``).
    public func refresh(token: String, origin: AuditEvent.Origin) async throws -> (
        tokens: IssuedTokens, tenant: TenantMembership?
    ) {
        let hash = SecretToken.digest(token)
        for _ in 0..<3 {
            let now = Date()
            let successor = SecretToken.generate()
            let successorHash = SecretToken.digest(successor)
            let outcome: RefreshOutcome
            do {
                outcome = try await database.withGlobal { scope -> RefreshOutcome in
                    guard let presented = try await scope.sessions.presentedRefreshToken(hash: hash) else { return .invalid }
                    let (record, session) = (presented.record, presented.session)
                    switch RefreshTokenRotation.decide(
                        record: record, session: session, successorIsLive: presented.successorIsLive, now: now, policy: policy)
                    {
                    case .sessionEnded:
                        return .invalid
                    case .reuseDetected:
                        try await scope.sessions.revoke(id: session.id, reason: "refresh_token_reused", at: now)
                        return .reused(session)
                    case .rotate:
                        // The compare-and-set first: a concurrent loser stops before writing anything.
                        guard try await scope.sessions.markRotated(hash: hash, successor: successorHash, at: now) else {
                            throw RefreshRace()
                        }
                        try await scope.sessions.addRefreshToken(hash: successorHash, sessionID: session.id, at: now)
                    case .replayWithinGrace:
                        try await scope.sessions.addRefreshToken(hash: successorHash, sessionID: session.id, at: now)
                        guard let previous = record.replacedBy,
                            try await scope.sessions.spendGrace(
                                hash: hash, previousSuccessor: previous, newSuccessor: successorHash, at: now)
                        else { throw RefreshRace() }
                    }
                    // A tenant's own idle timeout (one read of its row) shortens the platform's.
                    let settings = try await session.activeTenantID.asyncFlatMap { id in
                        try await scope.tenants.profile(id: id)?.settings
                    }
                    let idle = Self.lifetimes(policy, settings).idle
                    try await scope.sessions.touch(
                        id: session.id, at: now, idleExpiresAt: min(now.addingTimeInterval(idle), session.expiresAt)
                    )
                    return .issued(session)
                }
            } catch is RefreshRace {
                outcome = .retry
            }

            switch outcome {
            case .retry:
                continue
            case .invalid:
                throw TenantryError(.invalidRefreshToken, "The refresh token is invalid, expired or revoked.")
            case .reused(let session):
                try await recordForUser(
                    session.userID, action: .authRefreshTokenReused, origin: origin, preferred: session.activeTenantID,
                    sessionID: session.id)
                throw TenantryError(.invalidRefreshToken, "The refresh token was already used; the session has been ended.")
            case .issued(let session):
                var membership: TenantMembership?
                var roles: [String] = []
                if let tenantID = session.activeTenantID {
                    membership = try await directory.entry(for: session.userID)?.membership(in: tenantID)
                    guard let membership else {
                        throw TenantryError(.invalidRefreshToken, "You are no longer a member of this session's tenant.")
                    }
                    try Self.requireUsable(membership.tenant, role: membership.role)
                    roles = [membership.role.rawValue]
                }
                let access = try await authority.issue(
                    userID: session.userID, sessionID: session.id, tenantID: session.activeTenantID, roles: roles, now: now
                )
                return (
                    IssuedTokens(
                        accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: successor,
                        sessionID: session.id), membership
                )
            }
        }
        throw TenantryError(.conflict, "The refresh token is being used concurrently; retry.")
    }

    public enum RefreshOutcome: Sendable {
        case issued(Session)
        case reused(Session)
        case invalid
        case retry
    }

    public struct RefreshRace: Error {}

    // MARK: Sign-out and sessions

    /// Ends the caller's session.
    public func signOut(_ caller: AuthenticatedCaller, origin: AuditEvent.Origin) async throws {
        _ = try await database.withGlobal { scope in
            try await scope.sessions.revoke(id: caller.sessionID, reason: "logout", at: Date())
        }
        try await recordForUser(
            caller.userID, action: .authLoggedOut, origin: origin, preferred: caller.tenantID, sessionID: caller.sessionID)
    }

    /// Ends every session of the caller.
    public func signOutEverywhere(_ caller: AuthenticatedCaller, origin: AuditEvent.Origin) async throws {
        _ = try await database.withGlobal { scope in
            try await scope.sessions.revokeAll(userID: caller.userID, except: nil, reason: "logout_all", at: Date())
        }
        try await recordForUser(caller.userID, action: .authLoggedOutEverywhere, origin: origin, preferred: caller.tenantID)
    }

    /// The caller's active sessions.
    public func sessions(of caller: AuthenticatedCaller) async throws -> [Session] {
        try await database.withGlobal { scope in try await scope.sessions.active(userID: caller.userID, at: Date()) }
    }

    /// Ends one of the caller's sessions; another user's session is `not_found`.
    public func revokeSession(_ id: SessionID, caller: AuthenticatedCaller, origin: AuditEvent.Origin) async throws {
        let revoked = try await database.withGlobal { scope -> Bool in
            guard let session = try await scope.sessions.find(id: id), session.userID == caller.userID,
                session.isActive(at: Date())
            else { return false }
            return try await scope.sessions.revoke(id: id, reason: "revoked_by_user", at: Date())
        }
        guard revoked else { throw TenantryError(.notFound, "No such session.") }
        try await recordForUser(
            caller.userID, action: .sessionRevoked, origin: origin, preferred: caller.tenantID, sessionID: id)
    }

    /// Points the caller's session at another of their tenants and issues an access token for it.
    public func switchTenant(_ caller: AuthenticatedCaller, to slug: Slug, origin: AuditEvent.Origin) async throws -> (
        accessToken: String, expiresAt: Date, tenant: TenantMembership
    ) {
        guard let chosen = try await memberships(of: caller.userID).first(where: { $0.tenant.slug == slug }) else {
            throw TenantryError(.notFound, "You are not a member of a tenant with that slug.")
        }
        try Self.requireUsable(chosen.tenant, role: chosen.role)
        try await database.withGlobal { scope in
            try await scope.sessions.setActiveTenant(chosen.tenant.id, of: caller.sessionID)
        }
        let access = try await authority.issue(
            userID: caller.userID, sessionID: caller.sessionID, tenantID: chosen.tenant.id, roles: [chosen.role.rawValue]
        )
        try await recordForUser(
            caller.userID, action: .authTenantSwitched, origin: origin, preferred: chosen.tenant.id,
            sessionID: caller.sessionID)
        return (access.token, access.expiresAt, chosen)
    }

    // MARK: Profile and password

    /// The caller's identity and current tenant, from the user directory cache.
    public func profile(of caller: AuthenticatedCaller) async throws -> (
        user: User, tenant: TenantMembership?, memberships: [TenantMembership]
    ) {
        guard let entry = try await directory.entry(for: caller.userID) else {
            throw TenantryError(.notFound, "No such user.")
        }
        return (entry.user, caller.tenantID.flatMap(entry.membership(in:)), entry.memberships)
    }

    /// Changes display name and locale.
    public func updateProfile(_ caller: AuthenticatedCaller, name: String?, locale: String??, origin: AuditEvent.Origin)
        async throws -> User
    {
        // Read from the database, not the directory cache: a write starts from the stored row.
        let now = Date()
        let (before, after) = try await database.withGlobal { scope -> (User, User) in
            guard let before = try await scope.users.find(id: caller.userID) else {
                throw TenantryError(.notFound, "No such user.")
            }
            var after = before
            if let name { after.name = name }
            if let locale { after.locale = locale }
            guard after != before else { return (before, before) }
            after.updatedAt = now
            try await scope.users.updateProfile(id: caller.userID, name: after.name, locale: after.locale, at: now)
            return (before, after)
        }
        guard after != before else { return before }
        var changes: [String: AuditEvent.Change] = [:]
        if before.name != after.name { changes["name"] = .init(before: before.name, after: after.name) }
        if before.locale != after.locale { changes["locale"] = .init(before: before.locale, after: after.locale) }
        try await recordForUser(
            caller.userID, action: .userProfileUpdated, origin: origin, preferred: caller.tenantID, changes: changes)
        return after
    }

    /// Changes the password after checking the current one; ends every other session.
    public func changePassword(_ caller: AuthenticatedCaller, current: String, new: String, origin: AuditEvent.Origin)
        async throws
    {
        guard let stored = try await database.withGlobal({ scope in try await scope.users.passwordHash(id: caller.userID) }),
            try await hashing.verify(current, against: stored)
        else {
            throw TenantryError(
                .validationFailed, "The request has invalid fields.",
                fieldErrors: [
                    FieldError(field: "current_password", code: "incorrect", message: "The current password is incorrect.")
                ]
            )
        }
        try PasswordPolicy.validate(new, field: "new_password")
        let hash = try await hashing.hash(new)
        _ = try await database.withGlobal { scope in
            try await scope.users.setPasswordHash(hash, id: caller.userID, at: Date())
            return try await scope.sessions.revokeAll(
                userID: caller.userID, except: caller.sessionID, reason: "password_changed", at: Date())
        }
        try await recordForUser(caller.userID, action: .userPasswordChanged, origin: origin, preferred: caller.tenantID)
    }

    /// Disables or re-enables a user's sign-in; disabling ends every session at once, on every
    /// node. (The operator API calls this.)
    public func setUserStatus(_ userID: UserID, to status: User.Status, actor: AuditEvent.Actor, origin: AuditEvent.Origin)
        async throws
    {
        _ = try await database.withGlobal { scope -> [SessionID] in
            guard try await scope.users.find(id: userID) != nil else { throw TenantryError(.notFound, "No such user.") }
            try await scope.users.setStatus(status, id: userID, at: Date())
            guard status == .disabled else { return [] }
            return try await scope.sessions.revokeAll(userID: userID, except: nil, reason: "user_disabled", at: Date())
        }
        try await recordForUser(
            userID, action: status == .disabled ? .userDisabled : .userEnabled, origin: origin, preferred: nil,
            actor: actor
        )
    }

    // MARK: Email verification and recovery

    /// Verifies an email address with a token from the verification email.
    public func verifyEmail(token: String, origin: AuditEvent.Origin) async throws {
        let now = Date()
        let userID = try await database.withGlobal { scope -> UserID in
            let record = try await emailedTokens.redeem(token, for: .verifyEmail, scope: scope, now: now)
            try await scope.users.markEmailVerified(id: record.userID, at: now)
            return record.userID
        }
        try await recordForUser(userID, action: .userEmailVerified, origin: origin, preferred: nil)
    }

    /// Sends a new verification email when the address belongs to an unverified account; the
    /// answer is the same either way.
    public func resendVerification(email text: String, origin: AuditEvent.Origin) async throws {
        guard try limitRecovery(email: text, origin: origin), let email = try? EmailAddress(text),
            let user = try await database.withGlobal({ scope in try await scope.users.find(email: email) }),
            user.emailVerifiedAt == nil, user.status == .active
        else { return }
        let tenant = try await memberships(of: user.id).first?.tenant
        try await database.withGlobal { scope in
            try await emailedTokens.send(
                .verifyEmail, to: user, tenant: tenant?.id, tenantName: tenant?.name, scope: scope, now: Date())
        }
    }

    /// Sends a password reset email when the address belongs to an account; the answer is the
    /// same either way.
    public func forgotPassword(email text: String, tenantSlug: String?, origin: AuditEvent.Origin) async throws {
        guard try limitRecovery(email: text, origin: origin), let email = try? EmailAddress(text),
            let user = try await database.withGlobal({ scope in try await scope.users.find(email: email) }),
            user.status == .active
        else { return }
        let memberships = try await memberships(of: user.id)
        let tenant =
            memberships.first { $0.tenant.slug.rawValue == tenantSlug?.lowercased() }?.tenant ?? memberships.first?.tenant
        try await database.withGlobal { scope in
            try await emailedTokens.send(
                .resetPassword, to: user, tenant: tenant?.id, tenantName: tenant?.name, scope: scope, now: Date())
        }
        try await recordForUser(user.id, action: .authPasswordResetRequested, origin: origin, preferred: tenant?.id)
    }

    /// Sets a new password with a reset token; ends every session of the user.
    public func resetPassword(token: String, password: String, origin: AuditEvent.Origin) async throws {
        try PasswordPolicy.validate(password)
        let hash = try await hashing.hash(password)
        let now = Date()
        let userID = try await database.withGlobal { scope -> UserID in
            let record = try await emailedTokens.redeem(token, for: .resetPassword, scope: scope, now: now)
            try await scope.users.setPasswordHash(hash, id: record.userID, at: now)
            try await scope.userTokens.invalidateAll(userID: record.userID, purpose: .resetPassword, now: now)
            // Following the emailed link proves control of the address.
            try await scope.users.markEmailVerified(id: record.userID, at: now)
            _ = try await scope.sessions.revokeAll(userID: record.userID, except: nil, reason: "password_reset", at: now)
            return record.userID
        }
        try await recordForUser(userID, action: .userPasswordReset, origin: origin, preferred: nil)
    }

    /// Applies the recovery limits: per IP a refusal (429); per account silence (returns false),
    /// since refusing would tell that the address exists.
    private func limitRecovery(email: String, origin: AuditEvent.Origin) throws -> Bool {
        let ipKey = "recovery-ip:\(origin.ip ?? "-")"
        let accountKey = "recovery:\(email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())"
        try limiters.registrationsPerIP.check([ipKey])
        limiters.registrationsPerIP.record(ipKey)
        if limiters.recoveryEmailsPerAccount.retryAfter(accountKey) != nil { return false }
        limiters.recoveryEmailsPerAccount.record(accountKey)
        return true
    }

    // MARK: Helpers

    /// The platform's session lifetime and idle timeout, shortened by a tenant's own settings
    /// (which `PATCH /api/v1/tenant` keeps within the platform's bounds).
    public static func lifetimes(_ policy: SessionPolicy, _ settings: TenantSettings?) -> (
        absolute: TimeInterval, idle: TimeInterval
    ) {
        (
            min(policy.absoluteLifetime, settings?.sessionLifetimeSeconds.map(TimeInterval.init) ?? .infinity),
            min(policy.idleTimeout, settings?.sessionIdleTimeoutSeconds.map(TimeInterval.init) ?? .infinity)
        )
    }

    /// The tenants a user belongs to (the one cross-tenant read identity needs; see
    /// ``UserTenantDirectory``).
    public func memberships(of userID: UserID) async throws -> [TenantMembership] {
        try await database.readGlobal { scope in
            try await scope.userTenants.memberships(of: userID).map { TenantMembership(tenant: $0.tenant, role: $0.role) }
        }
    }

    /// Refuses a tenant that cannot be acted in: suspended (`tenant_suspended`), pending deletion
    /// (`tenant_pending_deletion`, except for its owners, who may sign in to restore it), gone.
    public static func requireUsable(_ tenant: Tenant, role: TenantRole? = nil) throws {
        switch tenant.status {
        case .active: return
        case .suspended: throw TenantryError(.tenantSuspended, "This tenant is suspended.")
        case .pendingDeletion where role == .owner: return
        case .pendingDeletion:
            throw TenantryError(
                .tenantPendingDeletion, "This tenant is pending deletion; only its owners can sign in to restore it.")
        case .deleted: throw TenantryError(.notFound, "No such tenant.")
        }
    }

    /// Records a security event about a user: in `preferred` tenant when given, otherwise in
    /// every tenant the user belongs to (each tenant's admins see their members' events).
    public func recordForUser(
        _ userID: UserID,
        action: EventType,
        origin: AuditEvent.Origin,
        preferred: TenantID?,
        sessionID: SessionID? = nil,
        changes: [String: AuditEvent.Change] = [:],
        actor: AuditEvent.Actor? = nil
    ) async throws {
        let target =
            sessionID.map { AuditEvent.Target(type: "session", id: $0.description) }
            ?? AuditEvent.Target(type: "user", id: userID.description)
        let tenants: [TenantID]
        if let preferred {
            tenants = [preferred]
        } else {
            tenants = try await memberships(of: userID).map(\.tenant.id)
        }
        for tenantID in tenants {
            try await database.withTenant(tenantID) { scope in
                try await scope.record(
                    AuditRecorder.event(
                        in: tenantID, action: action, actor: .user(userID), target: target, origin: origin, changes: changes)
                )
            }
        }
    }
}

extension Optional {
    public func asyncFlatMap<Other>(_ transform: (Wrapped) async throws -> Other?) async rethrows -> Other? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
