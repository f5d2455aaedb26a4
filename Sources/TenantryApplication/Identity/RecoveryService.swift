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

    /// Creates the use case from its dependencies.
    public init(
        database: any DataStore, hashing: PasswordHashingPool, limiters: AttemptLimiters, emailedTokens: EmailedTokenIssuer
    ) {
        self.database = database
        self.hashing = hashing
        self.limiters = limiters
        self.emailedTokens = emailedTokens
        self.events = UserEvents(database: database)
    }

    /// Verifies an email address with a token from the verification email.
    public func verifyEmail(token: String, origin: AuditEvent.Origin) async throws {
        let now = Date()
        let userID = try await database.withGlobal { scope -> UserID in
            let record = try await emailedTokens.redeem(token, for: .verifyEmail, scope: scope, now: now)
            try await scope.users.markEmailVerified(id: record.userID, at: now)
            return record.userID
        }
        try await events.record(
            .userEmailVerified, about: userID, origin: origin, in: nil)
    }

    /// Sends a new verification email when the address belongs to an unverified account; the
    /// answer is the same either way.
    public func resendVerification(email text: String, origin: AuditEvent.Origin) async throws {
        // A malformed address is refused (422) before anything is looked up: that tells nothing
        // about which accounts exist.
        let email = try EmailAddress(text)
        guard try limitRecovery(email: email.rawValue, origin: origin),
            let user = try await database.withGlobal({ scope in try await scope.users.find(email: email) }),
            user.emailVerifiedAt == nil, user.status == .active
        else { return }
        let tenant = try await events.memberships(of: user.id).first?.tenant
        try await database.withGlobal { scope in
            try await emailedTokens.send(
                .verifyEmail, to: user, tenant: tenant?.id, tenantName: tenant?.name, scope: scope, now: Date())
        }
    }

    /// Sends a password reset email when the address belongs to an account; the answer is the
    /// same either way.
    public func forgotPassword(email text: String, tenantSlug: String?, origin: AuditEvent.Origin) async throws {
        // A malformed address is refused (422) before anything is looked up: that tells nothing
        // about which accounts exist.
        let email = try EmailAddress(text)
        guard try limitRecovery(email: email.rawValue, origin: origin),
            let user = try await database.withGlobal({ scope in try await scope.users.find(email: email) }),
            user.status == .active
        else { return }
        let memberships = try await events.memberships(of: user.id)
        let tenant =
            memberships.first { $0.tenant.slug.rawValue == tenantSlug?.lowercased() }?.tenant ?? memberships.first?.tenant
        try await database.withGlobal { scope in
            try await emailedTokens.send(
                .resetPassword, to: user, tenant: tenant?.id, tenantName: tenant?.name, scope: scope, now: Date())
        }
        try await events.record(
            .authPasswordResetRequested, about: user.id, origin: origin, in: tenant?.id)
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
}
