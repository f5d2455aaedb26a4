public import Foundation

/// The data as the use cases see it: tenant data only inside ``withTenant(_:_:)`` or
/// ``readTenant(_:_:)``, global tables inside ``withGlobal(_:)``, and work across tenants in
/// the explicit ``withPlatform(_:)`` scope. Storage implements it on SQLite and PostgreSQL;
/// tests may implement it in memory.
public protocol DataStore: Sendable {
    /// Runs `body` in one transaction bound to `tenantID`. Errors thrown by `body` propagate
    /// unchanged, and the transaction rolls back.
    func withTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (any TenantTransaction) async throws -> Result
    ) async throws -> Result

    /// Runs `body` with reads of one tenant that need no transaction; reads in one call do not
    /// share a snapshot.
    func readTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (any TenantReads) async throws -> Result
    ) async throws -> Result

    /// Runs `body` in one transaction over the global tables (identities, sessions, keys, jobs).
    func withGlobal<Result: Sendable>(_ body: (any GlobalTransaction) async throws -> Result) async throws -> Result

    /// Runs `body` over the global tables without a transaction: for reads whose statements
    /// need not see one snapshot.
    func readGlobal<Result: Sendable>(_ body: (any GlobalTransaction) async throws -> Result) async throws -> Result

    /// Runs `body` in one transaction that sees every tenant. Only operator features and
    /// background sweeps use it.
    func withPlatform<Result: Sendable>(_ body: (any PlatformTransaction) async throws -> Result) async throws
        -> Result
}

/// A transaction bound to one tenant: every repository reached from here reads and writes that
/// tenant's rows only.
public protocol TenantTransaction: Sendable {
    associatedtype Tenants: TenantRepository
    associatedtype Users: UserRepository
    associatedtype Memberships: MembershipRepository
    associatedtype AuditEvents: AuditEventRepository
    associatedtype Roles: RoleRepository
    associatedtype Teams: TeamRepository
    associatedtype APIKeys: APIKeyRepository
    associatedtype Invitations: InvitationRepository
    associatedtype Usage: UsageRepository
    associatedtype Events: DomainEventRepository
    associatedtype WebhookEndpoints: WebhookEndpointRepository
    associatedtype WebhookMessages: WebhookMessageRepository
    associatedtype WebhookSources: WebhookSourceRepository
    associatedtype SSOConnections: SSOConnectionRepository
    associatedtype Domains: TenantDomainRepository
    associatedtype Data: TenantDataRepository
    associatedtype Billing: BillingRepository
    associatedtype DataExports: DataExportRepository
    associatedtype Global: GlobalTransaction

    /// The tenant this transaction is bound to.
    var tenantID: TenantID { get }
    /// Tenants (a global table; typically read for this tenant's own row).
    var tenants: Tenants { get }
    /// Global user identities.
    var users: Users { get }
    /// This tenant's memberships.
    var memberships: Memberships { get }
    /// This tenant's audit trail.
    var auditEvents: AuditEvents { get }
    /// This tenant's custom roles.
    var roles: Roles { get }
    /// This tenant's teams.
    var teams: Teams { get }
    /// This tenant's API keys.
    var apiKeys: APIKeys { get }
    /// This tenant's invitations.
    var invitations: Invitations { get }
    /// This tenant's daily usage.
    var usage: Usage { get }
    /// This tenant's recorded domain events (the outbox).
    var events: Events { get }
    /// This tenant's webhook endpoints.
    var webhookEndpoints: WebhookEndpoints { get }
    /// This tenant's webhook messages and attempts.
    var webhookMessages: WebhookMessages { get }
    /// This tenant's inbound webhook sources and receipts.
    var webhookSources: WebhookSources { get }
    /// This tenant's single sign-on connections.
    var ssoConnections: SSOConnections { get }
    /// This tenant's claimed email domains and the join requests they brought.
    var domains: Domains { get }
    /// This tenant's rows, table by table, for exports, imports and restores.
    var data: Data { get }
    /// This tenant's billing account and the Stripe events it processed.
    var billing: Billing { get }
    /// This tenant's data exports.
    var dataExports: DataExports { get }
    /// The global tables, in this same transaction.
    var global: Global { get }

    /// Records what changed, once, in this transaction: the event goes into the tenant's
    /// outbox, its audit entry into the tenant's audit log, and when it changes access, every
    /// node forgets what it cached of the tenant once the transaction commits. The one way a
    /// use case records a change.
    func record(_ event: DomainEvent) async throws
    /// Serializes changes to the tenant's ownership and membership rules: concurrent
    /// transactions that call this run one after another.
    func lockTenant() async throws
    /// How many stored items count against `limit` now; `nil` for limits that count no stored
    /// items (request rates, monthly calls, retention).
    func count(_ limit: Limit, at now: Date) async throws -> Int?
    /// Pending invitations (each reserves a seat when more invitations are made).
    func pendingInvitations(at now: Date) async throws -> Int
}

/// Reads of one tenant that need no transaction (decision 0017).
public protocol TenantReads: Sendable {
    /// The tenant these reads are bound to.
    var tenantID: TenantID { get }
    /// One page of the tenant's members with their identities, in order of user id.
    func members(_ filter: MemberFilter, page: PageRequest) async throws -> Page<Member>
}

/// A transaction over the global tables only.
public protocol GlobalTransaction: Sendable {
    associatedtype Tenants: TenantRepository
    associatedtype Users: UserRepository
    associatedtype Sessions: SessionRepository
    associatedtype SigningKeys: SigningKeyRepository
    associatedtype UserTokens: UserTokenRepository
    associatedtype Jobs: JobRepository
    associatedtype PlatformAuditEvents: PlatformAuditEventRepository
    associatedtype UserTenants: UserTenantDirectory
    associatedtype Credentials: CredentialDirectory
    associatedtype Plans: PlanRepository
    associatedtype Operators: PlatformOperatorRepository
    associatedtype IdempotencyRecords: IdempotencyRecordRepository
    associatedtype MultiFactor: MultiFactorRepository
    associatedtype SSOFlows: SSOFlowRepository
    associatedtype VerifiedDomains: VerifiedDomainRepository
    associatedtype SocialConnections: SocialConnectionRepository
    associatedtype SocialFlows: SocialFlowRepository

    /// Tenants.
    var tenants: Tenants { get }
    /// Global user identities.
    var users: Users { get }
    /// Sessions and refresh tokens.
    var sessions: Sessions { get }
    /// Token signing keys.
    var signingKeys: SigningKeys { get }
    /// Email verification and password reset tokens.
    var userTokens: UserTokens { get }
    /// The durable job queue.
    var jobs: Jobs { get }
    /// Audit events of the platform itself (no tenant).
    var platformAuditEvents: PlatformAuditEvents { get }
    /// Which tenants a user belongs to.
    var userTenants: UserTenants { get }
    /// Which tenant an API key secret or invitation token belongs to.
    var credentials: Credentials { get }
    /// Plans.
    var plans: Plans { get }
    /// Platform operators.
    var operators: Operators { get }
    /// Reservations and stored outcomes of requests sent with an `Idempotency-Key`.
    var idempotencyRecords: IdempotencyRecords { get }
    /// Second factors, recovery codes, sign-in challenges, fresh authentications.
    var multiFactor: MultiFactor { get }
    /// Single sign-on flows in progress, their one-time codes, used SAML assertions.
    var ssoFlows: SSOFlows { get }
    /// Which tenant verified each email domain.
    var verifiedDomains: VerifiedDomains { get }
    /// The platform's social sign-in connections.
    var socialConnections: SocialConnections { get }
    /// Social sign-in flows in progress and their one-time codes.
    var socialFlows: SocialFlows { get }
}

/// A transaction in the platform scope: sees every tenant. Tenant-scoped repositories are
/// reached by naming the tenant explicitly.
public protocol PlatformTransaction: Sendable {
    associatedtype Tenants: TenantRepository
    associatedtype Users: UserRepository
    associatedtype Memberships: MembershipRepository
    associatedtype AuditEvents: AuditEventRepository
    associatedtype Usage: UsageRepository
    associatedtype UsageAcrossTenants: PlatformUsageRepository
    associatedtype TenantAuditEvents: CrossTenantAuditEventRepository
    associatedtype TenantEvents: CrossTenantDomainEventRepository
    associatedtype WebhookFanOut: WebhookFanOutRepository
    associatedtype WebhookDelivery: WebhookDeliveryQueue
    associatedtype SourceDirectory: WebhookSourceDirectory
    associatedtype WebhookMessages: WebhookMessageRepository
    associatedtype WebhookSources: WebhookSourceRepository
    associatedtype Global: GlobalTransaction
    associatedtype Directory: PlatformTenantDirectory
    associatedtype Purge: TenantPurge
    associatedtype PersonalData: PersonalDataErasure
    associatedtype BillingAccounts: BillingDirectory
    associatedtype DataExportsAcrossTenants: DataExportDirectory
    associatedtype Health: PlatformHealthRepository

    /// All tenants.
    var tenants: Tenants { get }
    /// Global user identities.
    var users: Users { get }
    /// One tenant's memberships.
    func memberships(of tenantID: TenantID) -> Memberships
    /// One tenant's audit trail.
    func auditEvents(of tenantID: TenantID) -> AuditEvents
    /// One tenant's daily usage.
    func usage(of tenantID: TenantID) -> Usage
    /// Usage across every tenant (totals, top tenants).
    var usageAcrossTenants: UsageAcrossTenants { get }
    /// Every tenant's audit events at once (the platform-wide audit log).
    var tenantAuditEvents: TenantAuditEvents { get }
    /// Every tenant's recorded domain events at once (the retention sweep).
    var tenantEvents: TenantEvents { get }
    /// Every tenant's outbox and webhook tables, for the fan-out of events into messages.
    var webhookFanOut: WebhookFanOut { get }
    /// Every tenant's due webhook messages, for the delivery workers.
    var webhookDelivery: WebhookDelivery { get }
    /// One tenant's webhook messages and attempts.
    func webhookMessages(of tenantID: TenantID) -> WebhookMessages
    /// Inbound sources by id across tenants, for the receiving route.
    var webhookSourceDirectory: SourceDirectory { get }
    /// One tenant's inbound sources and receipts.
    func webhookSources(of tenantID: TenantID) -> WebhookSources
    /// The global tables, in this same transaction.
    var global: Global { get }
    /// Tenants with their member counts, for the operator API.
    var tenantDirectory: Directory { get }
    /// New tenants, failing webhook endpoints and the job queues, for the operators' overview.
    var health: Health { get }
    /// Removes a tenant pending deletion and every row it owns.
    var purge: Purge { get }
    /// Erases one person across every tenant and the global tables.
    var personalData: PersonalData { get }
    /// Billing accounts across tenants: Stripe customers to tenants, due transitions, figures.
    var billingDirectory: BillingAccounts { get }
    /// Data exports across tenants (the sweep of expired archives).
    var dataExportDirectory: DataExportsAcrossTenants { get }
}
