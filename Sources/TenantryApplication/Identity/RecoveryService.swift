import Foundation
public import TenantryCore

/// Email verification and password recovery by emailed one-time links.
public struct RecoveryService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Hashes the new password off the request threads.
    public let hashing: PasswordHashingPool
    /// Recovery emails per account and per client IP.
    public let limiters: AttemptLimiters
    /// Sends and redeems the one-time links of emails.
    public let emailedTokens: EmailedTokenIssuer
    /// Memberships and the security events.
    public let events: UserEvents
    /// Who joins a tenant through its verified domain once their address is proven.
    public let domains: DomainPolicies

    /// Creates the use case from its dependencies.
    public init(
        database: any DataStore, hashing: PasswordHashingPool, limiters: AttemptLimiters, emailedTokens: EmailedTokenIssuer
    ) {
        self.database = database
        self.hashing = hashing
        self.limiters = limiters
        self.emailedTokens = emailedTokens
        self.events = UserEvents(database: database)
        self.domains = DomainPolicies(database: database)
    }

    /// Verifies an email address with a token from the verification email; the person then
    /// joins, or asks to join, the tenant that verified the address's domain, when its policy
    /// says so (``DomainPolicies/admit(_:origin:)``).
    public func verifyEmail(token: String, origin: AuditEvent.Origin) async throws {
        let now = Date()
        let user = try await database.withGlobal { scope -> User? in
            let record = try await emailedTokens.redeem(token, for: .verifyEmail, scope: scope, now: now)
            try await scope.users.markEmailVerified(id: record.userID, at: now)
            return try await scope.users.find(id: record.userID)
        }
        guard let user else { return }
        // Admitted first, so a person who joins now finds the verification in their new tenant's log.
        try await domains.admit(user, origin: origin)
        try await events.record(.userEmailVerified, about: user.id, origin: origin, in: nil)
    }

    /// Queues a new verification email for the address; the answer is the same whether or not
    /// the address belongs to an unverified account (see ``request(_:email:tenantSlug:origin:)``).
    public func resendVerification(email text: String, origin: AuditEvent.Origin) async throws {
        try await request(.verifyEmail, email: text, tenantSlug: nil, origin: origin)
    }

    /// Queues a password reset email for the address; the answer is the same whether or not the
    /// address belongs to an account (see ``request(_:email:tenantSlug:origin:)``).
    public func forgotPassword(email text: String, tenantSlug: String?, origin: AuditEvent.Origin) async throws {
        try await request(.resetPassword, email: text, tenantSlug: tenantSlug, origin: origin)
    }

    /// The request path of both recovery emails, the same work for every address: the address's
    /// form is checked (a malformed one is refused, 422, which tells nothing about accounts), the
    /// client's per-IP limit applied (429), and one job queued. Whether an account exists is
    /// looked up only by the job (``carryOut(_:)``), after the answer, so neither the answer nor
    /// its timing tells a registered address from an unknown one.
    func request(_ kind: RecoveryRequest.Kind, email text: String, tenantSlug: String?, origin: AuditEvent.Origin)
        async throws
    {
        let email = try EmailAddress(text)
        let ipKey = "recovery-ip:\(origin.ip ?? "-")"
        try limiters.registrationsPerIP.check([ipKey])
        limiters.registrationsPerIP.record(ipKey)
        let order = RecoveryRequest(kind: kind, email: email.rawValue, tenantSlug: tenantSlug, origin: origin)
        let payload = try order.payload()
        try await database.withGlobal { scope in
            _ = try await scope.jobs.enqueue(
                queue: RecoveryRequest.queue, payload: payload, maxAttempts: JobDefaults.maxAttempts, runAt: Date())
        }
    }

    /// Carries out a queued recovery request (``RecoveryRequestJob``): sends the email when the
    /// address belongs to an active account (unverified, for a verification email) and the
    /// account's own limit allows another; otherwise does nothing.
    public func carryOut(_ order: RecoveryRequest) async throws {
        let email = try EmailAddress(order.email)
        let accountKey = "recovery:\(email.rawValue.lowercased())"
        if limiters.recoveryEmailsPerAccount.retryAfter(accountKey) != nil { return }
        guard let user = try await database.withGlobal({ scope in try await scope.users.find(email: email) }),
            user.status == .active
        else { return }
        switch order.kind {
        case .verifyEmail:
            guard user.emailVerifiedAt == nil else { return }
            limiters.recoveryEmailsPerAccount.record(accountKey)
            let tenant = try await events.memberships(of: user.id).first?.tenant
            try await database.withGlobal { scope in
                try await emailedTokens.send(
                    .verifyEmail, to: user, tenant: tenant?.id, tenantName: tenant?.name, scope: scope, now: Date())
            }
        case .resetPassword:
            limiters.recoveryEmailsPerAccount.record(accountKey)
            let memberships = try await events.memberships(of: user.id)
            let slug = order.tenantSlug?.lowercased()
            let tenant = memberships.first { $0.tenant.slug.rawValue == slug }?.tenant ?? memberships.first?.tenant
            try await database.withGlobal { scope in
                try await emailedTokens.send(
                    .resetPassword, to: user, tenant: tenant?.id, tenantName: tenant?.name, scope: scope, now: Date())
            }
            try await events.record(
                .authPasswordResetRequested, about: user.id, origin: order.origin, in: tenant?.id)
        }
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
        try await events.record(
            .userPasswordReset, about: userID, origin: origin, in: nil)
    }
}
