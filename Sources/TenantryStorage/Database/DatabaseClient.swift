public import Foundation
public import SQLKit
public import ServiceLifecycle
public import TenantryCore

/// The one way the application reaches its data. Tenant data is only reachable inside
/// ``withTenant(_:_:)``; work across tenants uses the explicit ``withPlatform(_:)`` scope.
///
/// Conforms to `Service`: run it in the process's `ServiceGroup`; it closes its connections
/// when the group shuts down.
public protocol DatabaseClient: Service {
    /// Which engine this client talks to.
    var engine: DatabaseEngine { get }
    /// Where the data lives, without credentials.
    var location: DatabaseLocation { get }
    /// How busy the client's connections are (for metrics).
    var pool: DatabasePoolActivity { get }

    /// Runs `body` in one transaction scoped to `tenantID`: on PostgreSQL, row-level security
    /// shows and accepts only that tenant's rows. Errors thrown by `body` propagate unchanged;
    /// the transaction rolls back.
    func withTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (TenantScope) async throws -> Result
    ) async throws -> Result

    /// Runs `body` with reads of one tenant that need no transaction (``TenantReadScope``): on
    /// PostgreSQL each read is a single statement that scopes itself to the tenant, one round
    /// trip instead of a transaction's four. Reads in one call do not share a snapshot.
    func readTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (TenantReadScope) async throws -> Result
    ) async throws -> Result

    /// Runs `body` in one transaction that reads and writes only global tables (identities,
    /// sessions, keys, jobs); on PostgreSQL tenant-scoped tables show no rows here.
    func withGlobal<Result: Sendable>(_ body: (GlobalScope) async throws -> Result) async throws -> Result

    /// Runs `body` on one connection without a transaction: for reads of global tables whose
    /// statements need not see one snapshot (each statement is atomic on its own). Cheaper than
    /// ``withGlobal(_:)`` on PostgreSQL (no BEGIN and COMMIT round trips).
    func readGlobal<Result: Sendable>(_ body: (GlobalScope) async throws -> Result) async throws -> Result

    /// Runs `body` in one transaction in the platform scope, which sees every tenant's rows.
    /// Only operator features and background sweeps use it.
    func withPlatform<Result: Sendable>(_ body: (PlatformScope) async throws -> Result) async throws -> Result

    /// Checks that the database answers and holds the schema; throws when it does not.
    func checkReadiness() async throws

    /// The migrations recorded as applied, oldest first.
    func appliedMigrations() async throws -> [AppliedMigration]
}

/// A transaction bound to one tenant. Every repository reached from here names the tenant in
/// its queries, and on PostgreSQL the database enforces it as well.
public struct TenantScope: TenantTransaction {
    /// The tenant this scope is bound to.
    public let tenantID: TenantID
    /// The transaction's connection. Repositories use it; route handlers do not.
    public let sql: any SQLDatabase

    /// Creates a scope; only database clients do this.
    init(tenantID: TenantID, sql: any SQLDatabase) {
        self.tenantID = tenantID
        self.sql = sql
    }

    /// Tenants (a global table; the scope may read any tenant row but typically reads its own).
    public var tenants: SQLTenantRepository { SQLTenantRepository(sql: sql) }
    /// Global user identities.
    public var users: SQLUserRepository { SQLUserRepository(sql: sql) }
    /// This tenant's memberships.
    public var memberships: SQLMembershipRepository { SQLMembershipRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's audit trail.
    public var auditEvents: SQLAuditEventRepository { SQLAuditEventRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's custom roles.
    public var roles: SQLRoleRepository { SQLRoleRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's teams.
    public var teams: SQLTeamRepository { SQLTeamRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's API keys.
    public var apiKeys: SQLAPIKeyRepository { SQLAPIKeyRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's invitations.
    public var invitations: SQLInvitationRepository { SQLInvitationRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's daily usage.
    public var usage: SQLUsageRepository { SQLUsageRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's outbox of domain events.
    public var events: SQLDomainEventRepository { SQLDomainEventRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's webhook endpoints.
    public var webhookEndpoints: SQLWebhookEndpointRepository { SQLWebhookEndpointRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's webhook messages and attempts.
    public var webhookMessages: SQLWebhookMessageRepository { SQLWebhookMessageRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's inbound webhook sources and receipts.
    public var webhookSources: SQLWebhookSourceRepository { SQLWebhookSourceRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's single sign-on connections.
    public var ssoConnections: SQLSSOConnectionRepository { SQLSSOConnectionRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's claimed email domains and join requests.
    public var domains: SQLTenantDomainRepository { SQLTenantDomainRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's rows, table by table (exports, imports, restores).
    public var data: SQLTenantDataRepository { SQLTenantDataRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's billing account and processed Stripe events.
    public var billing: SQLBillingRepository { SQLBillingRepository(sql: sql, tenantID: tenantID) }
    /// This tenant's data exports.
    public var dataExports: SQLDataExportRepository { SQLDataExportRepository(sql: sql, tenantID: tenantID) }
    /// The global tables, in this same transaction.
    public var global: GlobalScope { GlobalScope(sql: sql) }

    /// Records what changed: the outbox row, the audit entry derived from it, and the access
    /// notice when the event changes access (see ``TenantTransaction/record(_:)``). The audit
    /// entry keeps times at whole milliseconds, and so does the outbox.
    public func record(_ event: DomainEvent) async throws {
        var event = event
        event.occurredAt = AuditChain.normalized(event.occurredAt)
        try await events.append(event)
        try await auditEvents.append(event.auditEvent)
        try await ChangeNotice.eventsRecorded(tenantID).announce(on: sql)
        if event.type.changesAccess { try await announceAccessChange() }
    }

    /// The channel on which PostgreSQL announces that a tenant's members, roles or keys changed
    /// (payload: the tenant id).
    public static let accessChangedChannel = NoticeChannel.accessChanged.rawValue

    /// Tells every node that this tenant's members, roles or keys changed; on PostgreSQL the
    /// notice is delivered when this transaction commits.
    public func announceAccessChange() async throws {
        try await Self.announceEntitlementsChange(tenantID, on: sql)
    }

    /// Tells every node that a tenant's status, plan or overrides changed (`nil`: a plan
    /// changed, which may concern every tenant; payload `*`). It goes out on
    /// ``accessChangedChannel`` too, so one listener serves both caches.
    static func announceEntitlementsChange(_ tenantID: TenantID?, on sql: any SQLDatabase) async throws {
        try await ChangeNotice.tenantAccess(tenantID).announce(on: sql)
    }

    /// Serializes changes to the tenant's ownership and membership rules: concurrent
    /// transactions that call this run one after another (on SQLite every transaction already does).
    public func lockTenant() async throws {
        try await tenants.lock(id: tenantID)
    }
}

/// A transaction over the global tables only.
public struct GlobalScope: GlobalTransaction {
    /// The transaction's connection.
    public let sql: any SQLDatabase

    init(sql: any SQLDatabase) {
        self.sql = sql
    }

    /// Tenants.
    public var tenants: SQLTenantRepository { SQLTenantRepository(sql: sql) }
    /// Global user identities.
    public var users: SQLUserRepository { SQLUserRepository(sql: sql) }
    /// Sessions and refresh tokens.
    public var sessions: SQLSessionRepository { SQLSessionRepository(sql: sql) }
    /// Token signing keys.
    public var signingKeys: SQLSigningKeyRepository { SQLSigningKeyRepository(sql: sql) }
    /// Email verification and password reset tokens.
    public var userTokens: SQLUserTokenRepository { SQLUserTokenRepository(sql: sql) }
    /// The durable job queue.
    public var jobs: SQLJobRepository { SQLJobRepository(sql: sql) }
    /// What waits in the job queue, for metrics.
    public var jobBacklog: SQLJobBacklog { SQLJobBacklog(sql: sql) }
    /// Audit events of the platform itself (no tenant).
    public var platformAuditEvents: SQLPlatformAuditEventRepository { SQLPlatformAuditEventRepository(sql: sql) }
    /// Which tenants a user belongs to.
    public var userTenants: SQLUserTenantDirectory { SQLUserTenantDirectory(sql: sql) }
    /// Which tenant an API key secret or invitation token belongs to.
    public var credentials: SQLCredentialDirectory { SQLCredentialDirectory(sql: sql) }
    /// Plans.
    public var plans: SQLPlanRepository { SQLPlanRepository(sql: sql) }
    /// Platform operators.
    public var operators: SQLPlatformOperatorRepository { SQLPlatformOperatorRepository(sql: sql) }
    /// Reservations and stored outcomes of requests sent with an `Idempotency-Key`.
    public var idempotencyRecords: SQLIdempotencyRecordRepository { SQLIdempotencyRecordRepository(sql: sql) }
    /// Second factors, recovery codes, sign-in challenges, fresh authentications.
    public var multiFactor: SQLMultiFactorRepository { SQLMultiFactorRepository(sql: sql) }
    /// Single sign-on flows in progress, their one-time codes, used SAML assertions.
    public var ssoFlows: SQLSSOFlowRepository { SQLSSOFlowRepository(sql: sql) }
    /// Which tenant verified each email domain.
    public var verifiedDomains: SQLVerifiedDomainRepository { SQLVerifiedDomainRepository(sql: sql) }
    /// The platform's social sign-in connections.
    public var socialConnections: SQLSocialConnectionRepository { SQLSocialConnectionRepository(sql: sql) }
    /// Social sign-in flows in progress and their one-time codes.
    public var socialFlows: SQLSocialFlowRepository { SQLSocialFlowRepository(sql: sql) }
}

/// A transaction in the platform scope: sees every tenant. Tenant-scoped repositories are
/// reached by naming the tenant explicitly.
public struct PlatformScope: PlatformTransaction {
    /// The transaction's connection.
    public let sql: any SQLDatabase

    init(sql: any SQLDatabase) {
        self.sql = sql
    }

    /// All tenants.
    public var tenants: SQLTenantRepository { SQLTenantRepository(sql: sql) }
    /// Global user identities.
    public var users: SQLUserRepository { SQLUserRepository(sql: sql) }
    /// One tenant's memberships.
    public func memberships(of tenantID: TenantID) -> SQLMembershipRepository {
        SQLMembershipRepository(sql: sql, tenantID: tenantID)
    }
    /// One tenant's audit trail.
    public func auditEvents(of tenantID: TenantID) -> SQLAuditEventRepository {
        SQLAuditEventRepository(sql: sql, tenantID: tenantID)
    }
    /// One tenant's daily usage.
    public func usage(of tenantID: TenantID) -> SQLUsageRepository {
        SQLUsageRepository(sql: sql, tenantID: tenantID)
    }
    /// Usage across every tenant (totals, top tenants).
    public var usageAcrossTenants: SQLPlatformUsageRepository { SQLPlatformUsageRepository(sql: sql) }
    /// Every tenant's audit events at once (the platform-wide audit log).
    public var tenantAuditEvents: SQLCrossTenantAuditEventRepository { SQLCrossTenantAuditEventRepository(sql: sql) }
    /// Every tenant's recorded domain events at once (the retention sweep).
    public var tenantEvents: SQLCrossTenantDomainEventRepository { SQLCrossTenantDomainEventRepository(sql: sql) }
    /// Every tenant's outbox and webhook tables, for the fan-out of events into messages.
    public var webhookFanOut: SQLWebhookFanOutRepository { SQLWebhookFanOutRepository(sql: sql) }
    /// Every tenant's due webhook messages, for the delivery workers.
    public var webhookDelivery: SQLWebhookDeliveryQueue { SQLWebhookDeliveryQueue(sql: sql) }
    /// One tenant's webhook messages and attempts.
    public func webhookMessages(of tenantID: TenantID) -> SQLWebhookMessageRepository {
        SQLWebhookMessageRepository(sql: sql, tenantID: tenantID)
    }
    /// Inbound sources by id across tenants, for the receiving route.
    public var webhookSourceDirectory: SQLWebhookSourceDirectory { SQLWebhookSourceDirectory(sql: sql) }
    /// One tenant's inbound sources and receipts.
    public func webhookSources(of tenantID: TenantID) -> SQLWebhookSourceRepository {
        SQLWebhookSourceRepository(sql: sql, tenantID: tenantID)
    }
    /// The global tables, in this same transaction.
    public var global: GlobalScope { GlobalScope(sql: sql) }
    /// Tenants with their member counts, for the operator API.
    public var tenantDirectory: SQLPlatformTenantDirectory { SQLPlatformTenantDirectory(sql: sql) }
    /// New tenants, failing webhook endpoints and the job queues, for the operators' overview.
    public var health: SQLPlatformHealthRepository { SQLPlatformHealthRepository(sql: sql) }
    /// Billing accounts across tenants: customer lookups, due transitions, figures.
    public var billingDirectory: SQLBillingDirectory { SQLBillingDirectory(sql: sql) }
    /// Data exports across tenants (the sweep of expired archives).
    public var dataExportDirectory: SQLDataExportDirectory { SQLDataExportDirectory(sql: sql) }
    /// Removes a tenant pending deletion and every row it owns (see ``TenantPurge``).
    public var purge: SQLTenantPurge { SQLTenantPurge(sql: sql) }
    /// Erases one person across every tenant and the global tables (see ``PersonalDataErasure``).
    public var personalData: SQLPersonalDataErasure { SQLPersonalDataErasure(sql: sql) }
}

/// A migration recorded in the database.
public struct AppliedMigration: Sendable, Equatable {
    /// Its version number.
    public var version: Int
    /// Its name.
    public var name: String
    /// The SHA-256 of its statements when it was applied.
    public var checksum: String
    /// When it was applied.
    public var appliedAt: Date

    /// Creates a record.
    public init(version: Int, name: String, checksum: String, appliedAt: Date) {
        self.version = version
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
    }
}
