import Foundation
import Synchronization
import TenantryCore

/// Everything the doubles store, as plain values. Tests seed it and read it directly.
struct MemoryState: Sendable {
    var plans: [String: Plan] = [:]
    var tenants: [TenantID: TenantProfile] = [:]
    var users: [UserID: User] = [:]
    var passwordHashes: [UserID: String] = [:]
    var memberships: [TenantID: [UserID: Membership]] = [:]
    var roles: [RoleID: CustomRole] = [:]
    var apiKeys: [APIKeyID: APIKey] = [:]
    /// API key secrets by their SHA-256 (the only form storage keeps).
    var apiKeySecrets: [String: StoredSecret] = [:]
    var invitations: [InvitationID: Invitation] = [:]
    /// Invitation ids by the SHA-256 of their emailed token.
    var invitationTokens: [String: InvitationID] = [:]
    var userTokens: [String: UserTokenRecord] = [:]
    var sessions: [SessionID: Session] = [:]
    var refreshTokens: [String: RefreshTokenRecord] = [:]
    var jobs: [QueuedJob] = []
    /// The outbox: every event recorded through `TenantTransaction.record(_:)`, in order.
    var events: [DomainEvent] = []

    struct StoredSecret: Sendable, Equatable {
        var keyID: APIKeyID
        var expiresAt: Date?
    }
}

/// An in-memory ``DataStore``. Each transaction works on a copy of the state and commits it
/// only when its body returns; a thrown error leaves the committed state as it was. The use
/// cases under test run one at a time, so transactions are not isolated from each other.
final class MemoryDataStore: DataStore, UnexpectedCallFails {
    private let committed: Mutex<MemoryState>

    init(_ state: MemoryState = MemoryState()) {
        committed = Mutex(state)
    }

    /// The committed state.
    var state: MemoryState { committed.withLock { $0 } }

    /// Changes the committed state directly (seeding, or moving time for one record).
    func seed(_ change: (inout MemoryState) -> Void) {
        committed.withLock { change(&$0) }
    }

    func withTenant<Result: Sendable>(
        _ tenantID: TenantID, _ body: (any TenantTransaction) async throws -> Result
    ) async throws -> Result {
        try await transaction { draft in try await body(MemoryTenantTransaction(tenantID: tenantID, draft: draft)) }
    }

    func readTenant<Result: Sendable>(
        _ tenantID: TenantID, _ body: (any TenantReads) async throws -> Result
    ) async throws -> Result {
        try unexpected()
    }

    func withGlobal<Result: Sendable>(_ body: (any GlobalTransaction) async throws -> Result) async throws -> Result {
        try await transaction { draft in try await body(MemoryGlobalTransaction(draft: draft)) }
    }

    func readGlobal<Result: Sendable>(_ body: (any GlobalTransaction) async throws -> Result) async throws -> Result {
        try await transaction { draft in try await body(MemoryGlobalTransaction(draft: draft)) }
    }

    func withPlatform<Result: Sendable>(_ body: (any PlatformTransaction) async throws -> Result) async throws -> Result {
        try unexpected()
    }

    private func transaction<Result: Sendable>(_ body: (Draft) async throws -> Result) async throws -> Result {
        let draft = Draft(state)
        let result = try await body(draft)
        let changed = draft.state
        committed.withLock { $0 = changed }
        return result
    }
}

/// The state one transaction works on, shared by its repositories.
final class Draft: Sendable {
    private let current: Mutex<MemoryState>

    init(_ state: MemoryState) {
        current = Mutex(state)
    }

    var state: MemoryState { current.withLock { $0 } }

    func write<T: Sendable>(_ body: (inout MemoryState) throws -> T) throws -> T {
        try current.withLock { state throws -> T in try body(&state) }
    }
}

struct MemoryTenantTransaction: TenantTransaction, UnexpectedCallFails {
    let tenantID: TenantID
    let draft: Draft

    var tenants: MemoryTenants { MemoryTenants(draft: draft) }
    var users: MemoryUsers { MemoryUsers(draft: draft) }
    var memberships: MemoryMemberships { MemoryMemberships(tenantID: tenantID, draft: draft) }
    var auditEvents: NoAuditEvents { NoAuditEvents(tenantID: tenantID) }
    var roles: MemoryRoles { MemoryRoles(tenantID: tenantID, draft: draft) }
    var teams: NoTeams { NoTeams(tenantID: tenantID) }
    var apiKeys: MemoryAPIKeys { MemoryAPIKeys(tenantID: tenantID, draft: draft) }
    var invitations: MemoryInvitations { MemoryInvitations(tenantID: tenantID, draft: draft) }
    var usage: NoUsage { NoUsage(tenantID: tenantID) }
    var events: NoDomainEvents { NoDomainEvents(tenantID: tenantID) }
    var webhookEndpoints: NoWebhookEndpoints { NoWebhookEndpoints(tenantID: tenantID) }
    var webhookMessages: NoWebhookMessages { NoWebhookMessages(tenantID: tenantID) }
    var webhookSources: NoWebhookSources { NoWebhookSources(tenantID: tenantID) }
    var ssoConnections: NoSSOConnections { NoSSOConnections(tenantID: tenantID) }
    var domains: NoTenantDomains { NoTenantDomains(tenantID: tenantID) }
    var data: NoTenantData { NoTenantData(tenantID: tenantID) }
    var billing: NoBilling { NoBilling(tenantID: tenantID) }
    var dataExports: NoDataExports { NoDataExports(tenantID: tenantID) }
    var global: MemoryGlobalTransaction { MemoryGlobalTransaction(draft: draft) }

    func record(_ event: DomainEvent) async throws {
        try draft.write { $0.events.append(event) }
    }

    /// Nothing to serialize: the use cases under test run one at a time.
    func lockTenant() async throws {}

    func count(_ limit: Limit, at now: Date) async throws -> Int? { try unexpected() }

    func pendingInvitations(at now: Date) async throws -> Int { try unexpected() }
}

struct MemoryGlobalTransaction: GlobalTransaction {
    let draft: Draft

    var tenants: MemoryTenants { MemoryTenants(draft: draft) }
    var users: MemoryUsers { MemoryUsers(draft: draft) }
    var sessions: MemorySessions { MemorySessions(draft: draft) }
    var signingKeys: NoSigningKeys { NoSigningKeys() }
    var userTokens: MemoryUserTokens { MemoryUserTokens(draft: draft) }
    var jobs: MemoryJobs { MemoryJobs(draft: draft) }
    var platformAuditEvents: NoPlatformAuditEvents { NoPlatformAuditEvents() }
    var userTenants: MemoryUserTenants { MemoryUserTenants(draft: draft) }
    var credentials: MemoryCredentials { MemoryCredentials(draft: draft) }
    var plans: MemoryPlans { MemoryPlans(draft: draft) }
    var operators: NoOperators { NoOperators() }
    var idempotencyRecords: NoIdempotencyRecords { NoIdempotencyRecords() }
    var multiFactor: NoSecondFactors { NoSecondFactors() }
    var ssoFlows: NoSSOFlows { NoSSOFlows() }
    var verifiedDomains: NoVerifiedDomains { NoVerifiedDomains() }
    var socialConnections: NoSocialConnections { NoSocialConnections() }
    var socialFlows: NoSocialFlows { NoSocialFlows() }
}
