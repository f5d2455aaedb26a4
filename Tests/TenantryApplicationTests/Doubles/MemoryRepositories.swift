import Foundation
import TenantryCore

// The repository doubles: each implements, over the in-memory state, only what the tested use
// cases call; everything else fails the test (UnexpectedCalls.swift).

struct MemoryTenants: TenantRepository, UnexpectedCallFails {
    let draft: Draft

    func find(id: TenantID) async throws -> Tenant? { draft.state.tenants[id]?.tenant }
    func profile(id: TenantID) async throws -> TenantProfile? { draft.state.tenants[id] }
}

struct MemoryPlans: PlanRepository, UnexpectedCallFails {
    let draft: Draft

    func find(id: String) async throws -> Plan? { draft.state.plans[id] }
}

struct MemoryUsers: UserRepository, UnexpectedCallFails {
    let draft: Draft

    func create(_ user: User, passwordHash: String?) async throws {
        try draft.write { state in
            guard !state.users.values.contains(where: { $0.email == user.email }) else {
                throw Validator.fail("email", "taken", "This email address is taken.")
            }
            state.users[user.id] = user
            state.passwordHashes[user.id] = passwordHash
        }
    }

    func find(id: UserID) async throws -> User? { draft.state.users[id] }

    func find(email: EmailAddress) async throws -> User? {
        draft.state.users.values.first { $0.email == email }
    }

    func credentials(email: EmailAddress) async throws -> (user: User, passwordHash: String?)? {
        let state = draft.state
        guard let user = state.users.values.first(where: { $0.email == email }) else { return nil }
        return (user, state.passwordHashes[user.id])
    }

    func markEmailVerified(id: UserID, at now: Date) async throws {
        try draft.write { state in
            if state.users[id]?.emailVerifiedAt == nil { state.users[id]?.emailVerifiedAt = now }
        }
    }
}

struct MemoryMemberships: MembershipRepository, UnexpectedCallFails {
    let tenantID: TenantID
    let draft: Draft

    func create(userID: UserID, role: TenantRole, customRoleID: RoleID?, status: MemberStatus, at time: Date) async throws
        -> Membership
    {
        let membership = Membership(
            tenantID: tenantID, userID: userID, role: role, customRoleID: customRoleID, status: status, createdAt: time,
            updatedAt: time)
        try draft.write { state in
            guard state.memberships[tenantID]?[userID] == nil else {
                throw TenantryError(.conflict, "Already a member.")
            }
            state.memberships[tenantID, default: [:]][userID] = membership
        }
        return membership
    }

    func find(userID: UserID) async throws -> Membership? { draft.state.memberships[tenantID]?[userID] }

    func member(userID: UserID) async throws -> Member? {
        let state = draft.state
        guard let membership = state.memberships[tenantID]?[userID], let user = state.users[userID] else { return nil }
        return Member(
            membership: membership, email: user.email, name: user.name,
            customRoleName: membership.customRoleID.flatMap { state.roles[$0]?.name })
    }

    func access(userID: UserID) async throws -> (membership: Membership, role: ResolvedRole, tenant: Tenant.Status)? {
        let state = draft.state
        guard let membership = state.memberships[tenantID]?[userID], let tenant = state.tenants[tenantID] else { return nil }
        let role = membership.customRoleID.flatMap { state.roles[$0] }.map(ResolvedRole.init) ?? ResolvedRole(membership.role)
        return (membership, role, tenant.tenant.status)
    }

    func setRole(_ role: TenantRole, customRoleID: RoleID?, of userID: UserID, at time: Date) async throws {
        try change(userID) { membership in
            membership.role = role
            membership.customRoleID = customRoleID
            membership.updatedAt = time
        }
    }

    func setStatus(_ status: MemberStatus, of userID: UserID, at time: Date) async throws {
        try change(userID) { membership in
            membership.status = status
            membership.updatedAt = time
        }
    }

    func setRank(_ rank: TenantRole, ofMembersWith roleID: RoleID, at time: Date) async throws {
        try draft.write { state in
            for (userID, membership) in state.memberships[tenantID] ?? [:] where membership.customRoleID == roleID {
                state.memberships[tenantID]?[userID]?.role = rank
                state.memberships[tenantID]?[userID]?.updatedAt = time
            }
        }
    }

    func delete(userID: UserID) async throws {
        try draft.write { state in
            guard state.memberships[tenantID]?.removeValue(forKey: userID) != nil else { throw Self.notFound }
        }
    }

    func count(role: TenantRole, activeOnly: Bool) async throws -> Int {
        (draft.state.memberships[tenantID] ?? [:]).values.count(where: { membership in
            membership.role == role && membership.customRoleID == nil && (!activeOnly || membership.status == .active)
        })
    }

    func count(customRoleID: RoleID) async throws -> Int {
        (draft.state.memberships[tenantID] ?? [:]).values.count(where: { $0.customRoleID == customRoleID })
    }

    private func change(_ userID: UserID, _ body: (inout Membership) -> Void) throws {
        try draft.write { state in
            guard var membership = state.memberships[tenantID]?[userID] else { throw Self.notFound }
            body(&membership)
            state.memberships[tenantID]?[userID] = membership
        }
    }

    private static var notFound: TenantryError { TenantryError(.notFound, "No such member.") }
}

struct MemoryRoles: RoleRepository, UnexpectedCallFails {
    let tenantID: TenantID
    let draft: Draft

    func create(_ role: CustomRole) async throws {
        try draft.write { state in
            try Self.requireFreeName(role, in: state)
            state.roles[role.id] = role
        }
    }

    func find(id: RoleID) async throws -> CustomRole? {
        draft.state.roles[id].flatMap { $0.tenantID == tenantID ? $0 : nil }
    }

    func update(_ role: CustomRole) async throws {
        try draft.write { state in
            try Self.requireFreeName(role, in: state)
            state.roles[role.id] = role
        }
    }

    func delete(id: RoleID) async throws {
        try draft.write { state in
            guard state.roles[id]?.tenantID == tenantID else { throw TenantryError(.notFound, "No such role.") }
            state.roles[id] = nil
        }
    }

    private static func requireFreeName(_ role: CustomRole, in state: MemoryState) throws {
        let taken = state.roles.values.contains { $0.tenantID == role.tenantID && $0.id != role.id && $0.name == role.name }
        if taken { throw Validator.fail("name", "taken", "A role has this name.") }
    }
}

struct MemoryAPIKeys: APIKeyRepository, UnexpectedCallFails {
    let tenantID: TenantID
    let draft: Draft

    func create(_ key: APIKey, secretHash: String) async throws {
        try draft.write { state in
            state.apiKeys[key.id] = key
            state.apiKeySecrets[secretHash] = .init(keyID: key.id, expiresAt: nil)
        }
    }

    func addSecret(hash: String, keyID: APIKeyID, at time: Date, expiresAt: Date?) async throws {
        try draft.write { state in state.apiKeySecrets[hash] = .init(keyID: keyID, expiresAt: expiresAt) }
    }

    func expireSecrets(of keyID: APIKeyID, except keeping: String, until: Date) async throws {
        try draft.write { state in
            for (hash, secret) in state.apiKeySecrets where secret.keyID == keyID && hash != keeping {
                state.apiKeySecrets[hash]?.expiresAt = min(secret.expiresAt ?? until, until)
            }
        }
    }

    func find(id: APIKeyID) async throws -> APIKey? {
        draft.state.apiKeys[id].flatMap { $0.tenantID == tenantID ? $0 : nil }
    }

    func update(_ key: APIKey) async throws {
        try draft.write { state in state.apiKeys[key.id] = key }
    }

    func revoke(id: APIKeyID, at time: Date) async throws {
        try draft.write { state in
            guard state.apiKeys[id]?.tenantID == tenantID else { throw TenantryError(.notFound, "No such API key.") }
            if state.apiKeys[id]?.revokedAt == nil { state.apiKeys[id]?.revokedAt = time }
        }
    }

    func revokeAll(createdBy userID: UserID, at time: Date) async throws -> [APIKeyID] {
        try draft.write { state in
            let live = state.apiKeys.values.filter {
                $0.tenantID == tenantID && $0.createdBy == userID && $0.revokedAt == nil
            }
            for key in live { state.apiKeys[key.id]?.revokedAt = time }
            return live.map(\.id)
        }
    }
}

struct MemoryInvitations: InvitationRepository, UnexpectedCallFails {
    let tenantID: TenantID
    let draft: Draft

    func create(_ invitation: Invitation, tokenHash: String) async throws {
        try draft.write { state in
            state.invitations[invitation.id] = invitation
            state.invitationTokens[tokenHash] = invitation.id
        }
    }

    func find(id: InvitationID) async throws -> Invitation? {
        draft.state.invitations[id].flatMap { $0.tenantID == tenantID ? $0 : nil }
    }

    func pending(email: EmailAddress, at now: Date) async throws -> [Invitation] {
        draft.state.invitations.values.filter {
            $0.tenantID == tenantID && $0.email == email && $0.status(at: now) == .pending
        }
    }

    func revoke(id: InvitationID, at now: Date) async throws -> Bool {
        try change(id) { invitation in
            guard invitation.acceptedAt == nil, invitation.revokedAt == nil else { return false }
            invitation.revokedAt = now
            return true
        }
    }

    func accept(id: InvitationID, by userID: UserID, at now: Date) async throws -> Bool {
        try change(id) { invitation in
            guard invitation.status(at: now) == .pending else { return false }
            invitation.acceptedAt = now
            invitation.acceptedBy = userID
            return true
        }
    }

    private func change(_ id: InvitationID, _ body: (inout Invitation) -> Bool) throws -> Bool {
        try draft.write { state in
            guard var invitation = state.invitations[id], invitation.tenantID == tenantID else { return false }
            guard body(&invitation) else { return false }
            state.invitations[id] = invitation
            return true
        }
    }
}

struct MemoryCredentials: CredentialDirectory, UnexpectedCallFails {
    let draft: Draft

    func invitation(ofTokenHash hash: String) async throws -> (tenantID: TenantID, invitationID: InvitationID)? {
        let state = draft.state
        guard let id = state.invitationTokens[hash], let invitation = state.invitations[id] else { return nil }
        return (invitation.tenantID, id)
    }
}

struct MemoryUserTenants: UserTenantDirectory, UnexpectedCallFails {
    let draft: Draft

    func memberships(of userID: UserID) async throws -> [UserTenantEntry] {
        let state = draft.state
        let joined = state.memberships.values.compactMap { members in members[userID] }
        return joined.sorted { $0.createdAt < $1.createdAt }.compactMap { membership in
            state.tenants[membership.tenantID].map { UserTenantEntry(tenant: $0.tenant, role: membership.role) }
        }
    }
}

struct MemorySessions: SessionRepository, UnexpectedCallFails {
    let draft: Draft

    func create(_ session: Session) async throws {
        try draft.write { state in state.sessions[session.id] = session }
    }

    func addRefreshToken(hash: String, sessionID: SessionID, at now: Date) async throws {
        try draft.write { state in
            state.refreshTokens[hash] = RefreshTokenRecord(
                tokenHash: hash, sessionID: sessionID, issuedAt: now, rotatedAt: nil, replacedBy: nil, graceUsed: false)
        }
    }
}

struct MemoryUserTokens: UserTokenRepository, UnexpectedCallFails {
    let draft: Draft

    func add(hash: String, userID: UserID, purpose: UserTokenPurpose, contextTenantID: TenantID?, now: Date, expiresAt: Date)
        async throws
    {
        try draft.write { state in
            state.userTokens[hash] = UserTokenRecord(
                userID: userID, purpose: purpose, contextTenantID: contextTenantID, expiresAt: expiresAt, usedAt: nil)
        }
    }
}

struct MemoryJobs: JobRepository, UnexpectedCallFails {
    let draft: Draft

    func enqueue(queue: String, payload: String, maxAttempts: Int, runAt: Date) async throws -> UUID {
        let job = QueuedJob(id: UUID(), queue: queue, payload: payload, attempts: 0, maxAttempts: maxAttempts)
        try draft.write { state in state.jobs.append(job) }
        return job.id
    }
}

// Repositories no tested use case reaches: every call fails the test.

struct NoAuditEvents: AuditEventRepository, UnexpectedCallFails { let tenantID: TenantID }
struct NoTeams: TeamRepository, UnexpectedCallFails { let tenantID: TenantID }
struct NoUsage: UsageRepository, UnexpectedCallFails { let tenantID: TenantID }
struct NoDomainEvents: DomainEventRepository, UnexpectedCallFails { let tenantID: TenantID }
struct NoWebhookEndpoints: WebhookEndpointRepository, UnexpectedCallFails { let tenantID: TenantID }
struct NoWebhookMessages: WebhookMessageRepository, UnexpectedCallFails { let tenantID: TenantID }
struct NoWebhookSources: WebhookSourceRepository, UnexpectedCallFails { let tenantID: TenantID }
struct NoBilling: BillingRepository, UnexpectedCallFails { let tenantID: TenantID }
struct NoDataExports: DataExportRepository, UnexpectedCallFails { let tenantID: TenantID }
struct NoSigningKeys: SigningKeyRepository, UnexpectedCallFails {}
struct NoPlatformAuditEvents: PlatformAuditEventRepository, UnexpectedCallFails {}
struct NoOperators: PlatformOperatorRepository, UnexpectedCallFails {}
struct NoIdempotencyRecords: IdempotencyRecordRepository, UnexpectedCallFails {}

struct NoSSOConnections: SSOConnectionRepository, UnexpectedCallFails {
    let tenantID: TenantID
}
struct NoSSOFlows: SSOFlowRepository, UnexpectedCallFails {}
struct NoTenantDomains: TenantDomainRepository, UnexpectedCallFails {
    let tenantID: TenantID
}

struct NoTenantData: TenantDataRepository, UnexpectedCallFails {
    let tenantID: TenantID
}

/// No tenant in these tests has verified a domain: sign-in and sign-up ask, and the answer is
/// none.
struct NoVerifiedDomains: VerifiedDomainRepository, UnexpectedCallFails {
    func owner(of domain: String) async throws -> (tenantID: TenantID, domainID: TenantDomainID)? { nil }
}
struct NoSocialConnections: SocialConnectionRepository, UnexpectedCallFails {}
struct NoSocialFlows: SocialFlowRepository, UnexpectedCallFails {}

/// Nobody in these tests has a second factor: sign-in asks, and the answer is none.
struct NoSecondFactors: MultiFactorRepository, UnexpectedCallFails {
    func find(userID: UserID) async throws -> UserMFA? { nil }
}
