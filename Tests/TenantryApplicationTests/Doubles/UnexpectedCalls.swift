import Foundation
import TenantryCore
import Testing

/// Marks a test double whose repository requirements fail the running test unless the double
/// implements them itself. A double states what the use case under test is expected to call by
/// implementing exactly that; a use case that starts calling anything else fails its test with
/// the name of the call, instead of silently getting an empty answer.
protocol UnexpectedCallFails {}

/// The error an unexpected call throws, after recording the issue, so the use case stops there.
struct UnexpectedCall: Error, CustomStringConvertible {
    var description: String
}

extension UnexpectedCallFails {
    /// Records "unexpected call: Type.method" as a test issue and throws.
    func unexpected<T>(_ function: String = #function) throws -> T {
        throw reportUnexpected(function)
    }

    /// Records "unexpected call: Type.method" as a test issue and throws.
    func unexpected(_ function: String = #function) throws {
        throw reportUnexpected(function)
    }

    private func reportUnexpected(_ function: String) -> UnexpectedCall {
        let message = "unexpected call: \(Self.self).\(function)"
        Issue.record(Comment(rawValue: message))
        return UnexpectedCall(description: message)
    }
}

// Every requirement of every repository reached from a tenant or global transaction, in one
// place. (The platform scope has no double: `MemoryDataStore.withPlatform` itself is unexpected.)

extension TenantRepository where Self: UnexpectedCallFails {
    func create(_ tenant: Tenant, plan: String?) async throws { try unexpected() }
    func find(id: TenantID) async throws -> Tenant? { try unexpected() }
    func find(ids: [TenantID]) async throws -> [TenantID: Tenant] { try unexpected() }
    func find(slug: Slug) async throws -> Tenant? { try unexpected() }
    func list(_ page: PageRequest) async throws -> Page<Tenant> { try unexpected() }
    func setStatus(_ status: Tenant.Status, of id: TenantID, at time: Date) async throws { try unexpected() }
    func lock(id: TenantID) async throws { try unexpected() }
    func profile(id: TenantID) async throws -> TenantProfile? { try unexpected() }
    func save(_ profile: TenantProfile) async throws { try unexpected() }
}

extension UserRepository where Self: UnexpectedCallFails {
    func create(_ user: User, passwordHash: String?) async throws { try unexpected() }
    func find(id: UserID) async throws -> User? { try unexpected() }
    func find(email: EmailAddress) async throws -> User? { try unexpected() }
    func credentials(email: EmailAddress) async throws -> (user: User, passwordHash: String?)? { try unexpected() }
    func passwordHash(id: UserID) async throws -> String? { try unexpected() }
    func setPasswordHash(_ hash: String, id: UserID, at now: Date) async throws { try unexpected() }
    func markEmailVerified(id: UserID, at now: Date) async throws { try unexpected() }
    func updateProfile(id: UserID, name: String, locale: String?, at now: Date) async throws { try unexpected() }
    func setStatus(_ status: User.Status, id: UserID, at now: Date) async throws { try unexpected() }
}

extension MembershipRepository where Self: UnexpectedCallFails {
    func create(userID: UserID, role: TenantRole, customRoleID: RoleID?, status: MemberStatus, at time: Date) async throws
        -> Membership
    { try unexpected() }
    func find(userID: UserID) async throws -> Membership? { try unexpected() }
    func list(_ page: PageRequest) async throws -> Page<Membership> { try unexpected() }
    func members(_ filter: MemberFilter, page: PageRequest) async throws -> Page<Member> { try unexpected() }
    func member(userID: UserID) async throws -> Member? { try unexpected() }
    func access(userID: UserID) async throws -> (membership: Membership, role: ResolvedRole, tenant: Tenant.Status)? {
        try unexpected()
    }
    func setRole(_ role: TenantRole, customRoleID: RoleID?, of userID: UserID, at time: Date) async throws {
        try unexpected()
    }
    func setStatus(_ status: MemberStatus, of userID: UserID, at time: Date) async throws { try unexpected() }
    func setRank(_ rank: TenantRole, ofMembersWith roleID: RoleID, at time: Date) async throws { try unexpected() }
    func delete(userID: UserID) async throws { try unexpected() }
    func count(role: TenantRole, activeOnly: Bool) async throws -> Int { try unexpected() }
    func count(customRoleID: RoleID) async throws -> Int { try unexpected() }
    func countsByRole() async throws -> [RoleReference: Int] { try unexpected() }
}

extension AuditEventRepository where Self: UnexpectedCallFails {
    func append(_ event: AuditEvent) async throws { try unexpected() }
    func chainHead() async throws -> AuditChain.Head? { try unexpected() }
    func list(_ page: PageRequest, filter: AuditEventFilter) async throws -> Page<AuditEvent> { try unexpected() }
    func records(_ filter: AuditEventFilter, page: PageRequest) async throws -> Page<AuditChain.Record> {
        try unexpected()
    }
    func chainSegment(from sequence: Int64, through last: Int64, limit: Int) async throws -> [AuditChain.Record] {
        try unexpected()
    }
    func unchainedCount() async throws -> Int { try unexpected() }
    func purge(before cutoff: Date, now: Date) async throws -> Int { try unexpected() }
}

extension RoleRepository where Self: UnexpectedCallFails {
    func create(_ role: CustomRole) async throws { try unexpected() }
    func find(id: RoleID) async throws -> CustomRole? { try unexpected() }
    func all() async throws -> [CustomRole] { try unexpected() }
    func update(_ role: CustomRole) async throws { try unexpected() }
    func delete(id: RoleID) async throws { try unexpected() }
}

extension TeamRepository where Self: UnexpectedCallFails {
    func create(_ team: Team) async throws { try unexpected() }
    func find(id: TeamID) async throws -> Team? { try unexpected() }
    func list(_ page: PageRequest) async throws -> Page<Team> { try unexpected() }
    func update(_ team: Team) async throws { try unexpected() }
    func delete(id: TeamID) async throws { try unexpected() }
    func addMember(_ userID: UserID, to teamID: TeamID, at time: Date) async throws -> Bool { try unexpected() }
    func removeMember(_ userID: UserID, from teamID: TeamID) async throws -> Bool { try unexpected() }
    func memberIDs(of teamID: TeamID) async throws -> [UserID] { try unexpected() }
}

extension APIKeyRepository where Self: UnexpectedCallFails {
    func create(_ key: APIKey, secretHash: String) async throws { try unexpected() }
    func addSecret(hash: String, keyID: APIKeyID, at time: Date, expiresAt: Date?) async throws { try unexpected() }
    func expireSecrets(of keyID: APIKeyID, except keeping: String, until: Date) async throws { try unexpected() }
    func find(id: APIKeyID) async throws -> APIKey? { try unexpected() }
    func find(secretHash: String) async throws -> (key: APIKey, secretExpiresAt: Date?)? { try unexpected() }
    func list(_ page: PageRequest) async throws -> Page<APIKey> { try unexpected() }
    func update(_ key: APIKey) async throws { try unexpected() }
    func revoke(id: APIKeyID, at time: Date) async throws { try unexpected() }
    func revokeAll(createdBy userID: UserID, at time: Date) async throws -> [APIKeyID] { try unexpected() }
    func recordUse(_ uses: [(APIKeyID, Date)]) async throws { try unexpected() }
}

extension CredentialDirectory where Self: UnexpectedCallFails {
    func owner(ofSecretHash hash: String) async throws -> (tenantID: TenantID, keyID: APIKeyID)? { try unexpected() }
    func invitation(ofTokenHash hash: String) async throws -> (tenantID: TenantID, invitationID: InvitationID)? {
        try unexpected()
    }
}

extension InvitationRepository where Self: UnexpectedCallFails {
    func create(_ invitation: Invitation, tokenHash: String) async throws { try unexpected() }
    func find(id: InvitationID) async throws -> Invitation? { try unexpected() }
    func pending(email: EmailAddress, at now: Date) async throws -> [Invitation] { try unexpected() }
    func list(_ page: PageRequest) async throws -> Page<Invitation> { try unexpected() }
    func renew(id: InvitationID, tokenHash: String, at now: Date, expiresAt: Date) async throws -> Bool {
        try unexpected()
    }
    func revoke(id: InvitationID, at now: Date) async throws -> Bool { try unexpected() }
    func accept(id: InvitationID, by userID: UserID, at now: Date) async throws -> Bool { try unexpected() }
}

extension UsageRepository where Self: UnexpectedCallFails {
    func add(_ counts: UsageCounts, on day: UsageDay) async throws { try unexpected() }
    func markActive(_ users: some Collection<UserID>, on day: UsageDay) async throws { try unexpected() }
    func daily(from: UsageDay, to: UsageDay) async throws -> [DailyUsage] { try unexpected() }
    func activeUsers(from: UsageDay, to: UsageDay) async throws -> Int { try unexpected() }
    func apiRequests(from: UsageDay, to: UsageDay) async throws -> Int { try unexpected() }
}

extension DomainEventRepository where Self: UnexpectedCallFails {
    func append(_ event: DomainEvent) async throws { try unexpected() }
    func list(since: Date, limit: Int) async throws -> [RecordedEvent] { try unexpected() }
}

extension SessionRepository where Self: UnexpectedCallFails {
    func create(_ session: Session) async throws { try unexpected() }
    func find(id: SessionID) async throws -> Session? { try unexpected() }
    func active(userID: UserID, at now: Date) async throws -> [Session] { try unexpected() }
    func touch(id: SessionID, at now: Date, idleExpiresAt: Date) async throws { try unexpected() }
    func setActiveTenant(_ tenantID: TenantID?, of id: SessionID) async throws { try unexpected() }
    func revoke(id: SessionID, reason: String, at now: Date) async throws -> Bool { try unexpected() }
    func revokeAll(userID: UserID, except keeping: SessionID?, reason: String, at now: Date) async throws -> [SessionID] {
        try unexpected()
    }
    func addRefreshToken(hash: String, sessionID: SessionID, at now: Date) async throws { try unexpected() }
    func refreshToken(hash: String) async throws -> RefreshTokenRecord? { try unexpected() }
    func presentedRefreshToken(hash: String) async throws -> PresentedRefreshToken? { try unexpected() }
    func markRotated(hash: String, successor: String, at now: Date) async throws -> Bool { try unexpected() }
    func spendGrace(hash: String, previousSuccessor: String, newSuccessor: String, at now: Date) async throws -> Bool {
        try unexpected()
    }
}

extension SigningKeyRepository where Self: UnexpectedCallFails {
    func all() async throws -> [SigningKeyRecord] { try unexpected() }
    func add(_ key: SigningKeyRecord) async throws { try unexpected() }
    func lockSchedule() async throws { try unexpected() }
    func delete(kids: [String]) async throws { try unexpected() }
}

extension UserTokenRepository where Self: UnexpectedCallFails {
    func add(hash: String, userID: UserID, purpose: UserTokenPurpose, contextTenantID: TenantID?, now: Date, expiresAt: Date)
        async throws
    { try unexpected() }
    func consume(hash: String, purpose: UserTokenPurpose, now: Date) async throws -> UserTokenRecord? { try unexpected() }
    func invalidateAll(userID: UserID, purpose: UserTokenPurpose, now: Date) async throws { try unexpected() }
}

extension JobRepository where Self: UnexpectedCallFails {
    func enqueue(queue: String, payload: String, maxAttempts: Int, runAt: Date) async throws -> UUID { try unexpected() }
    func enqueueUnlessQueued(queue: String, payload: String, runAt: Date) async throws -> Bool { try unexpected() }
    func claim(queue: String, now: Date, visibilityTimeout: TimeInterval) async throws -> QueuedJob? { try unexpected() }
    func extendClaim(id: UUID, attempt: Int, until: Date, now: Date) async throws -> Bool { try unexpected() }
    func complete(id: UUID, attempt: Int, now: Date, payload: String?) async throws -> Bool { try unexpected() }
    func fail(id: UUID, attempt: Int, error: String, retryAt: Date?, now: Date) async throws -> Bool { try unexpected() }
    func release(id: UUID, attempt: Int, now: Date) async throws -> Bool { try unexpected() }
    func status(id: UUID) async throws -> (status: JobStatus, attempts: Int, lastError: String?)? { try unexpected() }
}

extension PlatformAuditEventRepository where Self: UnexpectedCallFails {
    func append(_ event: AuditEvent) async throws { try unexpected() }
    func actions(limit: Int) async throws -> [String] { try unexpected() }
    func records(_ filter: AuditEventFilter, page: PageRequest) async throws -> Page<PlatformAuditRecord> {
        try unexpected()
    }
}

extension UserTenantDirectory where Self: UnexpectedCallFails {
    func memberships(of userID: UserID) async throws -> [UserTenantEntry] { try unexpected() }
}

extension PlanRepository where Self: UnexpectedCallFails {
    func all() async throws -> [Plan] { try unexpected() }
    func find(id: String) async throws -> Plan? { try unexpected() }
    func create(_ plan: Plan) async throws { try unexpected() }
    func update(_ plan: Plan) async throws { try unexpected() }
}

extension PlatformOperatorRepository where Self: UnexpectedCallFails {
    func role(of userID: UserID) async throws -> PlatformRole? { try unexpected() }
    func grant(_ role: PlatformRole, to userID: UserID, at time: Date) async throws -> PlatformRole? { try unexpected() }
    func revoke(_ userID: UserID) async throws -> Bool { try unexpected() }
    func list() async throws -> [PlatformOperatorEntry] { try unexpected() }
}

extension IdempotencyRecordRepository where Self: UnexpectedCallFails {
    func reserve(_ record: IdempotencyRecord) async throws -> Bool { try unexpected() }
    func find(scopeHash: String) async throws -> IdempotencyRecord? { try unexpected() }
    func takeOver(_ record: IdempotencyRecord, now: Date) async throws -> Bool { try unexpected() }
    func complete(scopeHash: String, ownerToken: UUID, status: Int, sealedResponse: String) async throws -> Bool {
        try unexpected()
    }
    func fence(scopeHash: String, ownerToken: UUID, now: Date) async throws { try unexpected() }
    func release(scopeHash: String, ownerToken: UUID) async throws { try unexpected() }
    func deleteExpired(before now: Date, limit: Int) async throws -> Int { try unexpected() }
    func delete(tenant tenantID: TenantID) async throws -> Int { try unexpected() }
}

extension WebhookEndpointRepository where Self: UnexpectedCallFails {
    func create(_ endpoint: WebhookEndpoint, secrets: SealedWebhookSecrets) async throws { try unexpected() }
    func find(id: WebhookEndpointID) async throws -> WebhookEndpoint? { try unexpected() }
    func list(_ page: PageRequest) async throws -> Page<WebhookEndpoint> { try unexpected() }
    func update(_ endpoint: WebhookEndpoint) async throws { try unexpected() }
    func delete(id: WebhookEndpointID) async throws -> Bool { try unexpected() }
    func secrets(of id: WebhookEndpointID) async throws -> SealedWebhookSecrets? { try unexpected() }
    func setSecrets(_ secrets: SealedWebhookSecrets, of id: WebhookEndpointID, at time: Date) async throws {
        try unexpected()
    }
}

extension WebhookMessageRepository where Self: UnexpectedCallFails {
    func find(id: WebhookMessageID) async throws -> WebhookMessage? { try unexpected() }
    func list(_ filter: WebhookMessageFilter, page: PageRequest) async throws -> Page<WebhookMessage> { try unexpected() }
    func attempts(of id: WebhookMessageID, page: PageRequest) async throws -> Page<WebhookAttempt> { try unexpected() }
    func insert(_ message: WebhookMessage) async throws { try unexpected() }
    func finishAttempt(_ attempt: WebhookAttempt, message: WebhookMessage, claim: UUID) async throws -> Bool {
        try unexpected()
    }
    func finishDelivered(_ delivered: [DeliveredAttempt]) async throws -> Set<WebhookMessageID> {
        try unexpected()
    }
    func park(endpointID: WebhookEndpointID) async throws -> Int { try unexpected() }
    func unpark(endpointID: WebhookEndpointID, at: Date) async throws -> Int { try unexpected() }
    func release(id: WebhookMessageID, claim: UUID, dueAt at: Date) async throws { try unexpected() }
    func requeue(id: WebhookMessageID, at now: Date) async throws -> Bool { try unexpected() }
    func requeueFailed(endpointID: WebhookEndpointID, since: Date, at now: Date) async throws -> Int { try unexpected() }
    func statistics(endpointID: WebhookEndpointID) async throws -> WebhookEndpointStatistics { try unexpected() }
    func purge(before cutoff: Date) async throws -> Int { try unexpected() }
}

extension BillingRepository where Self: UnexpectedCallFails {
    func claimSubscriptionStart(until: Date, now: Date) async throws -> Bool { try unexpected() }
    func releaseSubscriptionStart() async throws { try unexpected() }
    func account() async throws -> BillingAccount? { try unexpected() }
    func save(_ account: BillingAccount) async throws { try unexpected() }
    func recordEvent(id: String, type: String, createdAt: Date, at now: Date) async throws -> Bool { try unexpected() }
}

extension DataExportRepository where Self: UnexpectedCallFails {
    func create(_ export: DataExport) async throws { try unexpected() }
    func find(id: DataExportID) async throws -> DataExport? { try unexpected() }
    func list(channel: DataExport.Channel?, page: PageRequest) async throws -> Page<DataExport> { try unexpected() }
    func save(_ export: DataExport) async throws { try unexpected() }
}

extension WebhookSourceRepository where Self: UnexpectedCallFails {
    func create(_ source: WebhookSource, secrets: SealedWebhookSecrets) async throws { try unexpected() }
    func find(id: WebhookSourceID) async throws -> WebhookSource? { try unexpected() }
    func list(_ page: PageRequest) async throws -> Page<WebhookSource> { try unexpected() }
    func update(_ source: WebhookSource) async throws { try unexpected() }
    func delete(id: WebhookSourceID) async throws -> Bool { try unexpected() }
    func secrets(of id: WebhookSourceID) async throws -> SealedWebhookSecrets? { try unexpected() }
    func setSecrets(_ secrets: SealedWebhookSecrets, of id: WebhookSourceID, at time: Date) async throws { try unexpected() }
    func recordReceipt(_ receipt: WebhookReceipt) async throws -> Bool { try unexpected() }
    func recordRejection(of id: WebhookSourceID, code: String, at time: Date) async throws { try unexpected() }
    func receipts(of id: WebhookSourceID, page: PageRequest) async throws -> Page<WebhookReceipt> { try unexpected() }
    func purgeReceipts(before cutoff: Date) async throws -> Int { try unexpected() }
}

extension MultiFactorRepository where Self: UnexpectedCallFails {
    func find(userID: UserID) async throws -> UserMFA? { try unexpected() }
    func setPending(userID: UserID, sealedSecret: String, at: Date) async throws { try unexpected() }
    func confirmPending(userID: UserID, sealedSecret: String, step: Int64, at: Date) async throws -> Bool { try unexpected() }
    func remove(userID: UserID) async throws { try unexpected() }
    func useStep(userID: UserID, step: Int64) async throws -> Bool { try unexpected() }
    func replaceRecoveryCodes(userID: UserID, hashes: [String], at: Date) async throws { try unexpected() }
    func useRecoveryCode(userID: UserID, hash: String, at: Date) async throws -> Bool { try unexpected() }
    func remainingRecoveryCodes(userID: UserID) async throws -> Int { try unexpected() }
    func addChallenge(hash: String, challenge: MFAChallenge, at: Date) async throws { try unexpected() }
    func challenge(hash: String, now: Date) async throws -> MFAChallenge? { try unexpected() }
    func failChallenge(hash: String) async throws -> Int { try unexpected() }
    func consumeChallenge(hash: String, at: Date) async throws -> Bool { try unexpected() }
    func lastAuthentication(sessionID: SessionID) async throws -> Date? { try unexpected() }
    func markAuthenticated(sessionID: SessionID, at: Date) async throws { try unexpected() }
}

extension SSOConnectionRepository where Self: UnexpectedCallFails {
    func create(_ connection: SSOConnection, sealedClientSecret: String?) async throws { try unexpected() }
    func find(id: SSOConnectionID) async throws -> SSOConnection? { try unexpected() }
    func list(_ page: PageRequest) async throws -> Page<SSOConnection> { try unexpected() }
    func update(_ connection: SSOConnection, sealedClientSecret: String?) async throws { try unexpected() }
    func delete(id: SSOConnectionID) async throws -> Bool { try unexpected() }
    func sealedClientSecret(of id: SSOConnectionID) async throws -> String? { try unexpected() }
}

extension SocialConnectionRepository where Self: UnexpectedCallFails {
    func create(_ connection: SocialConnection, sealedClientSecret: String?) async throws { try unexpected() }
    func find(id: SocialConnectionID) async throws -> SocialConnection? { try unexpected() }
    func find(provider: SocialProvider) async throws -> SocialConnection? { try unexpected() }
    func list(_ page: PageRequest) async throws -> Page<SocialConnection> { try unexpected() }
    func update(_ connection: SocialConnection, sealedClientSecret: String?) async throws { try unexpected() }
    func delete(id: SocialConnectionID) async throws -> Bool { try unexpected() }
    func sealedClientSecret(of id: SocialConnectionID) async throws -> String? { try unexpected() }
}

extension SocialFlowRepository where Self: UnexpectedCallFails {
    func addFlow(stateHash: String, flow: SocialFlow, at: Date) async throws { try unexpected() }
    func takeFlow(stateHash: String, now: Date) async throws -> SocialFlow? { try unexpected() }
    func addGrant(codeHash: String, grant: SocialGrant, at: Date) async throws { try unexpected() }
    func findGrant(codeHash: String, now: Date) async throws -> SocialGrant? { try unexpected() }
    func takeGrant(codeHash: String, now: Date) async throws -> SocialGrant? { try unexpected() }
}

extension SSOFlowRepository where Self: UnexpectedCallFails {
    func addFlow(stateHash: String, flow: SSOFlow, at: Date) async throws { try unexpected() }
    func takeFlow(stateHash: String, now: Date) async throws -> SSOFlow? { try unexpected() }
    func addGrant(codeHash: String, userID: UserID, tenantID: TenantID, expiresAt: Date, at: Date) async throws {
        try unexpected()
    }
    func takeGrant(codeHash: String, now: Date) async throws -> (userID: UserID, tenantID: TenantID)? { try unexpected() }
    func rememberAssertion(connectionID: SSOConnectionID, assertionID: String, until: Date, now: Date) async throws -> Bool {
        try unexpected()
    }
}

extension TenantDomainRepository where Self: UnexpectedCallFails {
    func create(_ domain: TenantDomain) async throws { try unexpected() }
    func find(id: TenantDomainID) async throws -> TenantDomain? { try unexpected() }
    func list(_ page: PageRequest) async throws -> Page<TenantDomain> { try unexpected() }
    func update(_ domain: TenantDomain) async throws { try unexpected() }
    func delete(id: TenantDomainID) async throws -> Bool { try unexpected() }
    func addJoinRequest(_ request: JoinRequest) async throws -> Bool { try unexpected() }
    func findJoinRequest(id: JoinRequestID) async throws -> JoinRequest? { try unexpected() }
    func listJoinRequests(_ page: PageRequest) async throws -> Page<JoinRequest> { try unexpected() }
    func deleteJoinRequest(id: JoinRequestID) async throws -> Bool { try unexpected() }
}

extension VerifiedDomainRepository where Self: UnexpectedCallFails {
    func owner(of domain: String) async throws -> (tenantID: TenantID, domainID: TenantDomainID)? { try unexpected() }
    func claim(domain: String, tenantID: TenantID, domainID: TenantDomainID, at: Date) async throws -> Bool {
        try unexpected()
    }
    func release(domainID: TenantDomainID) async throws { try unexpected() }
}

extension TenantDataRepository where Self: UnexpectedCallFails {
    func lines(of table: TenantDataTable, after: [TenantDataValue]?, limit: Int) async throws -> TenantDataLines {
        try unexpected()
    }
    func rows(of table: TenantDataTable, after: [TenantDataValue]?, limit: Int) async throws -> [[TenantDataValue]] {
        try unexpected()
    }
    func count(of table: TenantDataTable) async throws -> Int { try unexpected() }
    func insert(_ rows: [[TenantDataValue]], into table: TenantDataTable) async throws { try unexpected() }
    func removeAll() async throws -> Int { try unexpected() }
}
