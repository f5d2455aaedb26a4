/// Every use case, each given only what it needs from one ``TenantryEnvironment``: what the
/// HTTP routes, the CLI and the workers call.
public struct UseCases: Sendable {
    /// Self-service sign-up.
    public let signUp: SignUpService
    /// Sign-in with email and password.
    public let signIn: SignInService
    /// Refresh-token rotation.
    public let refresh: RefreshService
    /// The caller's sessions and tenant switch.
    public let sessions: SessionService
    /// The caller's profile and password.
    public let profile: ProfileService
    /// Email verification and password recovery.
    public let recovery: RecoveryService
    /// A tenant's members.
    public let members: MemberService
    /// Built-in and custom roles.
    public let roles: RoleService
    /// Teams and their members.
    public let teams: TeamService
    /// API keys.
    public let apiKeys: APIKeyService
    /// Invitations, sent and accepted.
    public let invitations: InvitationService
    /// A tenant's own profile, settings and lifecycle.
    public let tenants: TenantService
    /// Operators' tenants, plans and roles.
    public let platform: PlatformService
    /// Token signing keys.
    public let keys: KeyRotation
    /// Webhook endpoints.
    public let webhookEndpoints: WebhookEndpointService
    /// The webhook delivery log and its recovery.
    public let webhookMessages: WebhookMessageService
    /// Inbound webhook sources and receiving.
    public let webhookSources: WebhookSourceService
    /// Second factors, a sign-in's second step, fresh authentication.
    public let multiFactor: MultiFactorService
    /// Single sign-on connections.
    public let ssoConnections: SSOConnectionService
    /// A tenant's email domains and the requests to join through them.
    public let domains: DomainService
    /// Sign-in through single sign-on.
    public let singleSignOn: SingleSignOnService
    /// The platform's social sign-in connections.
    public let socialConnections: SocialConnectionService
    /// Sign-in and sign-up through a social connection.
    public let socialSignIn: SocialSignInService
    /// A person's own data: its export and its erasure.
    public let personalData: PersonalDataService
    /// Erasure of a person's account.
    public let erasure: ErasureService
    /// Tenant archives: export and import.
    public let archives: TenantArchiveService
    /// Billing with Stripe.
    public let billing: BillingService
    /// Background exports of a tenant's data.
    public let exports: DataExportService
    /// Operators' tenant backups: list, make, restore.
    public let backups: TenantBackupService

    /// Builds every use case over `environment`.
    public init(_ environment: TenantryEnvironment) {
        let database = environment.database
        signUp = SignUpService(
            database: database, authority: environment.authority, hashing: environment.hashing,
            limiters: environment.limiters, tenancy: environment.tenancy, emailedTokens: environment.emailedTokens)
        signIn = SignInService(
            database: database, authority: environment.authority, hashing: environment.hashing,
            limiters: environment.limiters)
        refresh = RefreshService(
            database: database, authority: environment.authority, directory: environment.caches.directory,
            access: environment.caches.access)
        sessions = SessionService(database: database, authority: environment.authority)
        profile = ProfileService(database: database, hashing: environment.hashing, directory: environment.caches.directory)
        recovery = RecoveryService(
            database: database, hashing: environment.hashing, limiters: environment.limiters,
            emailedTokens: environment.emailedTokens)
        members = MemberService(database: database, emailedTokens: environment.emailedTokens)
        roles = RoleService(database: database)
        teams = TeamService(database: database)
        apiKeys = APIKeyService(database: database)
        invitations = InvitationService(
            database: database, authority: environment.authority, hashing: environment.hashing,
            emailedTokens: environment.emailedTokens)
        tenants = TenantService(
            database: database, entitlements: environment.caches.entitlements, tenancy: environment.tenancy)
        platform = PlatformService(database: database, tenancy: environment.tenancy, members: members)
        keys = KeyRotation(manager: environment.signingKeys)
        webhookEndpoints = WebhookEndpointService(
            database: database, masterKey: environment.masterKey, egress: environment.webhookEgress)
        webhookMessages = WebhookMessageService(database: database)
        webhookSources = WebhookSourceService(database: database, masterKey: environment.masterKey)
        multiFactor = MultiFactorService(
            database: database, masterKey: environment.masterKey, hashing: environment.hashing,
            limiters: environment.limiters, signIn: signIn)
        ssoConnections = SSOConnectionService(database: database, masterKey: environment.masterKey)
        domains = DomainService(database: database, txtRecords: environment.txtRecords)
        singleSignOn = SingleSignOnService(
            database: database, masterKey: environment.masterKey, openID: environment.openID, signIn: signIn,
            publicURL: environment.publicURL, entitlements: environment.caches.entitlements)
        socialConnections = SocialConnectionService(database: database, masterKey: environment.masterKey)
        socialSignIn = SocialSignInService(
            database: database, masterKey: environment.masterKey, openID: environment.openID, signIn: signIn,
            tenancy: environment.tenancy, publicURL: environment.publicURL)
        personalData = PersonalDataService(database: database)
        erasure = ErasureService(database: database, multiFactor: multiFactor)
        archives = TenantArchiveService(database: database)
        billing = BillingService(
            database: database, payments: environment.payments, settings: environment.billing, tenancy: environment.tenancy)
        exports = DataExportService(database: database, settings: environment.exports, logger: environment.logger)
        backups = TenantBackupService(database: database, directory: environment.backupDirectory, logger: environment.logger)
    }
}
