import Foundation
public import TenantryCore

/// The invitation use cases: invite by email, list, resend, revoke, and accept. The emailed
/// token is stored only as its SHA-256 and appears in nothing but the email. Grant rules come
/// from ``GrantPolicy``; every change runs in one tenant transaction with its audit event (and
/// the email job, so an email is never sent for a change that rolled back).
public struct InvitationService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Issues access tokens.
    public let authority: AccessTokenAuthority
    /// Hashes passwords off the request threads.
    public let hashing: PasswordHashingPool
    /// Sends and redeems the one-time links of emails.
    public let emailedTokens: EmailedTokenIssuer

    /// Creates the use case from its dependencies.
    public init(
        database: any DataStore, authority: AccessTokenAuthority, hashing: PasswordHashingPool,
        emailedTokens: EmailedTokenIssuer
    ) {
        self.database = database
        self.authority = authority
        self.hashing = hashing
        self.emailedTokens = emailedTokens
    }

    public func list(_ access: TenantAccess, page: PageRequest) async throws -> Page<Invitation> {
        try await database.withTenant(access.tenantID) { scope in try await scope.invitations.list(page) }
    }

    /// Invites a person who is not yet a member; the caller must be allowed to give the role.
    public func create(_ access: TenantAccess, email: EmailAddress, role reference: RoleReference, origin: AuditEvent.Origin)
        async throws -> Invitation
    {
        let now = Date()
        let token = EmailedToken.mint(.invitation, now: now)
        return try await database.withTenant(access.tenantID) { scope -> Invitation in
            let role = try await RoleResolution.resolve(reference, in: scope)
            try GrantPolicy.checkAssign(role, by: access)
            try await Self.requireNotMember(email, in: scope)
            guard try await scope.invitations.pending(email: email, at: now).isEmpty else {
                throw TenantryError(
                    .conflict, "This address already has a pending invitation: resend or revoke it.",
                    fieldErrors: [FieldError(field: "email", code: "invited", message: "A pending invitation exists.")])
            }
            try await scope.requireAllowedDomain(email)
            try await scope.requireRoom(for: .members, countingInvitations: true)
            let invitation = Invitation(
                tenantID: access.tenantID, id: .generate(), email: email, role: role.reference,
                invitedBy: Self.inviter(access), createdAt: now, expiresAt: token.expiresAt,
                lastSentAt: now, acceptedAt: nil, acceptedBy: nil, revokedAt: nil)
            try await scope.invitations.create(invitation, tokenHash: token.hash)
            try await sendEmail(for: invitation, token: token, access: access, scope: scope)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .invitationCreated, target: Self.target(invitation.id), origin: origin,
                    changes: [
                        "email": .init(before: nil, after: email.rawValue),
                        "role": .init(before: nil, after: role.reference.description),
                        "status": .init(before: nil, after: Invitation.Status.pending.rawValue),
                    ])
            )
            return invitation
        }
    }

    /// Sends a new link for a pending (or lapsed) invitation: the old link stops working and the
    /// expiry restarts. An accepted invitation is a `conflict`, a revoked one `invitation_invalid`.
    public func resend(_ access: TenantAccess, id: InvitationID, origin: AuditEvent.Origin) async throws -> Invitation {
        let now = Date()
        let token = EmailedToken.mint(.invitation, now: now)
        return try await database.withTenant(access.tenantID) { scope -> Invitation in
            guard var invitation = try await scope.invitations.find(id: id) else { throw Self.noSuchInvitation }
            switch invitation.status(at: now) {
            case .accepted:
                throw TenantryError(.conflict, "The invitation was already accepted.")
            case .revoked:
                throw TenantryError(.invalidInvitation, "The invitation was revoked; send a new one.")
            case .pending, .expired:
                break
            }
            let role = try await Self.resolveStill(invitation.role, in: scope)
            try GrantPolicy.checkAssign(role, by: access)
            try await Self.requireNotMember(invitation.email, in: scope)
            guard try await scope.invitations.pending(email: invitation.email, at: now).allSatisfy({ $0.id == id }) else {
                throw TenantryError(.conflict, "A newer invitation for this address is pending; resend that one.")
            }
            let before = invitation.expiresAt
            invitation.expiresAt = token.expiresAt
            invitation.lastSentAt = now
            guard
                try await scope.invitations.renew(id: id, tokenHash: token.hash, at: now, expiresAt: invitation.expiresAt)
            else { throw TenantryError(.conflict, "The invitation changed meanwhile; retry.") }
            try await sendEmail(for: invitation, token: token, access: access, scope: scope)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .invitationResent, target: Self.target(id), origin: origin,
                    changes: [
                        "expires_at": .init(
                            before: FastFormatting.timestamp(before), after: FastFormatting.timestamp(invitation.expiresAt))
                    ])
            )
            return invitation
        }
    }

    /// Revokes an invitation (its link stops working); revoking a revoked one changes nothing,
    /// an accepted one is a `conflict`.
    public func revoke(_ access: TenantAccess, id: InvitationID, origin: AuditEvent.Origin) async throws {
        let now = Date()
        try await database.withTenant(access.tenantID) { scope in
            guard let invitation = try await scope.invitations.find(id: id) else { throw Self.noSuchInvitation }
            let status = invitation.status(at: now)
            switch status {
            case .accepted:
                throw TenantryError(.conflict, "The invitation was already accepted; remove the member instead.")
            case .revoked:
                return
            case .pending, .expired:
                guard try await scope.invitations.revoke(id: id, at: now) else {
                    throw TenantryError(.conflict, "The invitation changed meanwhile; retry.")
                }
                try await scope.record(
                    AuditRecorder.event(
                        by: access, action: .invitationRevoked, target: Self.target(id), origin: origin,
                        changes: ["status": .init(before: status.rawValue, after: Invitation.Status.revoked.rawValue)])
                )
            }
        }
    }

    // MARK: Acceptance

    /// What accepting needs besides the token: a signed-in caller (a person with an account),
    /// or a name and password for a new account.
    public struct Acceptor: Sendable {
        public var caller: AuthenticatedCaller?
        public var name: String?
        public var password: String?

        /// Creates a value.
        public init(caller: AuthenticatedCaller? = nil, name: String? = nil, password: String? = nil) {
            self.caller = caller
            self.name = name
            self.password = password
        }
    }

    /// The result of an acceptance: the new member and, for a new account, its first tokens.
    public struct Acceptance: Sendable {
        public var tenant: Tenant
        public var user: User
        public var role: ResolvedRole
        public var tokens: IssuedTokens?
    }

    /// Accepts an invitation, once. An unknown, expired, revoked or used token is the same
    /// `invitation_invalid`. A person with an account must be signed in as the invited address;
    /// a new person gives a name and password and gets an account (its address counts as
    /// verified: the link came to it) and a session in the tenant.
    public func accept(token: String, acceptor: Acceptor, origin: AuditEvent.Origin) async throws -> Acceptance {
        // A given name or password is checked before the token, as in a password reset: a bad
        // value is refused as such (422) whatever the token, and a token is not looked up for it.
        let given = try Self.validatedFields(of: acceptor)
        let hash = EmailedToken.hash(of: token)
        guard let found = try await database.readGlobal({ scope in try await scope.credentials.invitation(ofTokenHash: hash) })
        else { throw Self.invalid }
        // Who accepts, decided before any slow password hashing and re-checked in the transaction.
        let (email, existing) = try await database.withTenant(found.tenantID) { scope -> (EmailAddress, User?) in
            guard let invitation = try await scope.invitations.find(id: found.invitationID),
                invitation.status(at: Date()) == .pending
            else { throw Self.invalid }
            return (invitation.email, try await scope.users.find(email: invitation.email))
        }
        var newAccount: (user: User, passwordHash: String)?
        if let caller = acceptor.caller {
            guard let existing, existing.id == caller.userID else {
                throw TenantryError(
                    .forbidden, "This invitation is for another email address than the one you are signed in with.")
            }
        } else if let existing {
            throw TenantryError(
                .unauthenticated, "An account exists for \(existing.email.rawValue): sign in as it to accept the invitation.")
        } else {
            newAccount = try await prepareAccount(given, email: email)
        }

        let now = Date()
        let session = newAccount.map { account in
            Session.new(
                policy: authority.settings.policy, userID: account.user.id, tenantID: found.tenantID, origin: origin,
                now: now)
        }
        let refreshToken = SecretToken.generate()
        let acceptance = try await database.withTenant(found.tenantID) { scope -> Acceptance in
            try await scope.lockTenant()
            guard let tenant = try await scope.tenants.find(id: found.tenantID),
                let invitation = try await scope.invitations.find(id: found.invitationID),
                invitation.status(at: now) == .pending
            else { throw Self.invalid }
            try tenant.requireUsable()
            try await scope.requireRoom(for: .members)
            let role = try await Self.resolveStill(invitation.role, in: scope)
            let user: User
            if let newAccount, let session {
                try await scope.users.create(newAccount.user, passwordHash: newAccount.passwordHash)
                try await scope.global.sessions.create(session)
                try await scope.global.sessions.addRefreshToken(
                    hash: SecretToken.digest(refreshToken), sessionID: session.id, at: now)
                user = newAccount.user
            } else {
                guard var found = try await scope.users.find(email: invitation.email), found.id == acceptor.caller?.userID
                else { throw TenantryError(.forbidden, "This invitation is for another email address.") }
                // Following the emailed link proves control of the address.
                try await scope.users.markEmailVerified(id: found.id, at: now)
                found.emailVerifiedAt = found.emailVerifiedAt ?? now
                user = found
            }
            try await scope.memberships.create(
                userID: user.id, role: role.rank, customRoleID: role.customID, status: .active, at: now)
            guard try await scope.invitations.accept(id: invitation.id, by: user.id, at: now) else { throw Self.invalid }
            try await scope.record(
                AuditRecorder.event(
                    in: found.tenantID, action: .invitationAccepted, actor: .user(user.id),
                    target: Self.target(invitation.id), origin: origin,
                    changes: [
                        "status": .init(before: Invitation.Status.pending.rawValue, after: Invitation.Status.accepted.rawValue),
                        "member": .init(before: nil, after: user.id.description),
                        "role": .init(before: nil, after: role.reference.description),
                    ])
            )
            return Acceptance(tenant: tenant, user: user, role: role, tokens: nil)
        }
        guard let session else { return acceptance }
        let access = try await authority.issue(
            userID: acceptance.user.id, sessionID: session.id, tenantID: found.tenantID,
            roles: [acceptance.role.rank.rawValue], now: now)
        var result = acceptance
        result.tokens = IssuedTokens(
            accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: refreshToken,
            sessionID: session.id)
        return result
    }

    /// The acceptor's name (trimmed) and password, each checked when given.
    private static func validatedFields(of acceptor: Acceptor) throws -> (name: String?, password: String?) {
        var validator = Validator()
        let name = try acceptor.name.flatMap { given in try validator.capture { try User.validatedName(given) } }
        if let password = acceptor.password {
            try validator.capture { try PasswordPolicy.validate(password) }
        }
        try validator.check()
        return (name, acceptor.password)
    }

    /// A new person's account from the fields checked by ``validatedFields(of:)``, both of which
    /// it requires, with the password hashed.
    private func prepareAccount(_ given: (name: String?, password: String?), email: EmailAddress) async throws -> (
        user: User, passwordHash: String
    ) {
        var validator = Validator()
        if given.name == nil {
            validator.add("name", "required", "Give your name: this email address has no account yet.")
        }
        if given.password == nil {
            validator.add("password", "required", "Choose a password: this email address has no account yet.")
        }
        try validator.check()
        guard let name = given.name, let password = given.password else {
            throw TenantryError(.internalError, "Validation passed without values.")
        }
        let hash = try await hashing.hash(password)
        let now = Date()
        let user = User(id: .generate(), email: email, name: name, createdAt: now, updatedAt: now, emailVerifiedAt: now)
        return (user, hash)
    }

    // MARK: Helpers

    /// Refuses an address that already belongs to a member of the tenant.
    private static func requireNotMember(_ email: EmailAddress, in scope: any TenantTransaction) async throws {
        guard let user = try await scope.users.find(email: email),
            try await scope.memberships.find(userID: user.id) != nil
        else { return }
        throw TenantryError(
            .conflict, "This person is already a member of the tenant.",
            fieldErrors: [FieldError(field: "email", code: "member", message: "This address belongs to a member.")])
    }

    /// The invitation's role as it stands now; a custom role deleted since is a `conflict`.
    private static func resolveStill(_ reference: RoleReference, in scope: any TenantTransaction) async throws -> ResolvedRole {
        do {
            return try await RoleResolution.resolve(reference, in: scope)
        } catch let error as TenantryError where error.code == .validationFailed {
            throw TenantryError(.conflict, "The invitation's role no longer exists; send a new invitation.")
        }
    }

    /// Who the invitation is from: the signed-in member, or the API key's creator.
    private static func inviter(_ access: TenantAccess) -> UserID {
        switch access.principal {
        case .user(let id, _): id
        case .apiKey(_, let createdBy): createdBy
        }
    }

    /// Queues the invitation email: "<inviter> invited you to join <tenant>", with the link.
    private func sendEmail(
        for invitation: Invitation, token: EmailedToken, access: TenantAccess, scope: any TenantTransaction
    ) async throws {
        let tenant = try await scope.tenants.find(id: access.tenantID)
        let inviter = try await scope.users.find(id: Self.inviter(access))
        try await emailedTokens.send(
            token, to: invitation.email, name: inviter?.name ?? "A member", tenant: access.tenantID,
            tenantName: tenant?.name, scope: scope.global)
    }

    private static func target(_ id: InvitationID) -> AuditEvent.Target { .init(type: "invitation", id: id.description) }

    public static var noSuchInvitation: TenantryError { TenantryError(.notFound, "No such invitation.") }

    /// The one answer for a token that is unknown, expired, revoked or used.
    public static var invalid: TenantryError {
        TenantryError(.invalidInvitation, "The invitation is invalid, expired, revoked or already used.")
    }
}
