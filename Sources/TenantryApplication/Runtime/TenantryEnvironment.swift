public import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Everything the use cases and the request path share at run time, built once, explicitly, by
/// the composition root (`tenantry serve`, the one-off commands, the tests): the data store and
/// its change bus, the token authority, the master key, the password hashing pool, the caches,
/// the attempt limiters and the settings. Nothing in it is made behind the caller's back; the
/// use cases (``UseCases``) take from it only what each needs.
public struct TenantryEnvironment: Sendable {
    /// The database, behind the domain's interfaces.
    public let database: any DataStore
    /// Where committed changes are announced in this process; ``caches`` follow it, and
    /// ``maintenance(notices:reloadInterval:)`` feeds it the changes other nodes committed.
    public let changes: ChangeBus
    /// Signs and verifies access tokens.
    public let authority: AccessTokenAuthority
    /// The master key that seals secrets at rest.
    public let masterKey: MasterKey
    /// Runs password hashing off the request threads.
    public let hashing: PasswordHashingPool
    /// The caches of the request path.
    public let caches: RuntimeCaches
    /// The attempt limiters of sign-in and recovery.
    public let limiters: AttemptLimiters
    /// Tenancy settings: the default plan and the deletion grace period.
    public let tenancy: TenancySettings
    /// The public base URL (issuer, links in emails).
    public let publicURL: String
    /// Where webhook deliveries may go.
    public let webhookEgress: EgressPolicy
    /// The OpenID Connect relying party single sign-on uses (`nil`: OpenID connections cannot
    /// sign anyone in).
    public let openID: (any OpenIDConnectClient)?
    /// Looks up the TXT records that prove a tenant controls a domain (`nil`: no domain can be
    /// verified).
    public let txtRecords: (any TXTRecordResolver)?
    /// Stripe, for billing (`nil`: billing is off).
    public let payments: (any PaymentProvider)?
    /// Billing's webhook secret and grace period.
    public let billing: BillingSettings
    /// Where background exports write their archives, and for how long.
    public let exports: DataExportSettings
    /// Where tenant backups are kept (`nil`: backups are off).
    public let backupDirectory: URL?
    /// This application's metrics (its own registry, rendered by `/metrics`); the caches'
    /// lookups are counted into it.
    public let metrics: TenantryMetrics
    public let logger: Logger

    /// Assembles the environment from parts the caller built. `changes` must be the bus
    /// `database` publishes its committed changes on; the caches start following it here.
    public init(
        database: any DataStore,
        changes: ChangeBus,
        authority: AccessTokenAuthority,
        masterKey: MasterKey,
        hashing: PasswordHashingPool,
        caches: RuntimeCaches,
        limiters: AttemptLimiters,
        tenancy: TenancySettings,
        publicURL: String,
        webhookEgress: EgressPolicy = EgressPolicy(),
        openID: (any OpenIDConnectClient)? = nil,
        txtRecords: (any TXTRecordResolver)? = nil,
        payments: (any PaymentProvider)? = nil,
        billing: BillingSettings = BillingSettings(),
        exports: DataExportSettings = DataExportSettings(directory: URL(fileURLWithPath: ".tenantry/exports")),
        backupDirectory: URL? = nil,
        metrics: TenantryMetrics = TenantryMetrics(),
        logger: Logger
    ) {
        self.payments = payments
        self.billing = billing
        self.exports = exports
        self.backupDirectory = backupDirectory
        self.metrics = metrics
        self.openID = openID
        self.txtRecords = txtRecords
        self.database = database
        self.changes = changes
        self.authority = authority
        self.masterKey = masterKey
        self.hashing = hashing
        self.caches = caches
        self.limiters = limiters
        self.tenancy = tenancy
        self.publicURL = publicURL
        self.webhookEgress = webhookEgress
        self.logger = logger
        caches.follow(changes)
        caches.count(into: metrics)
    }

    /// Session lifetimes.
    public var policy: SessionPolicy { authority.settings.policy }

    /// Creates, rotates and prunes the token signing keys.
    public var signingKeys: SigningKeyManager {
        SigningKeyManager(database: database, masterKey: masterKey, settings: authority.settings)
    }

    /// Makes sure a signing key exists, loads the key schedule and checks the default plan.
    /// Runs before the server accepts requests.
    public func prepare() async throws {
        try await signingKeys.ensureActiveKey()
        try await reloadKeys()
        guard try await database.readGlobal({ scope in try await scope.plans.find(id: tenancy.defaultPlan) }) != nil else {
            throw Validator.fail("TENANTRY_DEFAULT_PLAN", "unknown_plan", "No plan has the id \(tenancy.defaultPlan).")
        }
    }

    /// The background upkeep service: reloads keys, prunes expired ones and, on PostgreSQL,
    /// listens for the changes other nodes commit. `serve` runs it in its service group.
    public func maintenance(notices: (any NoticeListener)?, reloadInterval: Duration = .seconds(30)) -> some Service {
        IdentityMaintenance(environment: self, notices: notices, reloadInterval: reloadInterval)
    }

    /// Reloads the signing key schedule from the database.
    public func reloadKeys() async throws {
        let keys = try await database.withGlobal { scope in try await scope.signingKeys.all() }
        try await authority.reload(keys)
    }
}

/// The caches of the request path, each kept coherent by the change bus.
public struct RuntimeCaches: Sendable {
    /// Members' grants and API keys, checked on every tenant request.
    public let access: AccessDirectory
    /// Each tenant's status, plan and effective entitlements.
    public let entitlements: EntitlementDirectory
    /// Users with their memberships, for `/me` and refresh.
    public let directory: UserDirectoryCache
    /// Session states, checked on every authenticated request.
    public let sessions: SessionValidator

    /// Creates the caches over one data store.
    public init(database: any DataStore) {
        self.init(
            access: AccessDirectory(database: database),
            entitlements: EntitlementDirectory(database: database),
            directory: UserDirectoryCache(database: database),
            sessions: SessionValidator(database: database)
        )
    }

    /// Gathers caches made elsewhere (tests size them).
    public init(
        access: AccessDirectory, entitlements: EntitlementDirectory, directory: UserDirectoryCache,
        sessions: SessionValidator
    ) {
        self.access = access
        self.entitlements = entitlements
        self.directory = directory
        self.sessions = sessions
    }

    /// Counts every cache's hits and misses into `metrics` (read at each scrape).
    public func count(into metrics: TenantryMetrics) {
        let (access, entitlements, directory, sessions) = (access, entitlements, directory, sessions)
        metrics.follow(.access) { access.statistics }
        metrics.follow(.entitlements) { entitlements.statistics }
        metrics.follow(.userDirectory) { directory.statistics }
        metrics.follow(.sessions) { sessions.statistics }
    }

    /// Keeps every cache coherent with the notices published on `changes`: a notice drops
    /// what it names; a reset (a listener reconnected, so notices may have been missed) drops
    /// everything on its channel.
    public func follow(_ changes: ChangeBus) {
        let (access, entitlements, directory, sessions) = (access, entitlements, directory, sessions)
        changes.subscribe(
            ChangeBus.Subscriber(
                receive: { notice in
                    switch notice {
                    case .tenantAccess(let tenantID?):
                        access.invalidate(tenant: tenantID)
                        entitlements.invalidate(tenant: tenantID)
                    case .tenantAccess(nil):
                        entitlements.clear()
                    case .directory(let change):
                        directory.apply(change)
                    case .sessionRevoked(let sessionID):
                        sessions.revoked([sessionID])
                    case .eventsRecorded:
                        break
                    }
                },
                reset: { channel in
                    switch channel {
                    case .accessChanged:
                        access.clear()
                        entitlements.clear()
                    case .userDirectoryChanged:
                        directory.invalidateAll()
                    case .sessionRevoked:
                        sessions.clear()
                    case .eventsRecorded:
                        break
                    }
                }
            ))
    }
}

/// The limits on sign-in and recovery attempts; the defaults suit production, tests lower them.
public struct AttemptLimits: Sendable {
    public var failedSignInsPerAccountPerHour = 50
    public var failedSignInsPerIPPerHour = 300
    public var registrationsPerIPPerHour = 30
    public var recoveryEmailsPerAccountPerHour = 5
    public init() {}
}

/// The attempt limiters of sign-in and recovery, made from ``AttemptLimits``.
public struct AttemptLimiters: Sendable {
    /// Failed sign-ins per account.
    public let failedSignInsPerAccount: AttemptLimiter
    /// Failed sign-ins per client IP.
    public let failedSignInsPerIP: AttemptLimiter
    /// Registrations and recovery emails per client IP.
    public let registrationsPerIP: AttemptLimiter
    /// Recovery emails per account.
    public let recoveryEmailsPerAccount: AttemptLimiter

    /// Creates the limiters, each counting over one hour.
    public init(_ limits: AttemptLimits = AttemptLimits()) {
        failedSignInsPerAccount = AttemptLimiter(limit: limits.failedSignInsPerAccountPerHour, window: 3600)
        failedSignInsPerIP = AttemptLimiter(limit: limits.failedSignInsPerIPPerHour, window: 3600)
        registrationsPerIP = AttemptLimiter(limit: limits.registrationsPerIPPerHour, window: 3600)
        recoveryEmailsPerAccount = AttemptLimiter(limit: limits.recoveryEmailsPerAccountPerHour, window: 3600)
    }

    /// Counts one sign-up from the request's client IP, or refuses it (429) over the limit: the
    /// one step every way of signing up takes first.
    public func admitRegistration(from origin: AuditEvent.Origin) throws {
        let key = "ip:\(origin.ip ?? "-")"
        try registrationsPerIP.check([key])
        registrationsPerIP.record(key)
    }
}

/// Tenancy settings from the configuration.
public struct TenancySettings: Sendable {
    /// The plan new tenants get.
    public var defaultPlan: String
    /// How long a deleted tenant stays restorable.
    public var deletionGracePeriod: TimeInterval

    /// Creates settings.
    public init(defaultPlan: String = Plan.defaultID, deletionGracePeriod: TimeInterval = 30 * 86_400) {
        self.defaultPlan = defaultPlan
        self.deletionGracePeriod = deletionGracePeriod
    }
}

/// Creates, rotates and prunes token signing keys.
public struct SigningKeyManager: Sendable {
    public let database: any DataStore
    public let masterKey: MasterKey
    public let settings: TokenSettings

    /// Creates a manager.
    public init(database: any DataStore, masterKey: MasterKey, settings: TokenSettings) {
        self.database = database
        self.masterKey = masterKey
        self.settings = settings
    }

    /// Makes sure some key signs now: on a fresh database, creates one that signs at once (no
    /// verifier can have cached an older key set yet).
    public func ensureActiveKey(now: Date = Date()) async throws {
        try await database.withGlobal { scope in
            // Nodes starting together on an empty database would each add a first key.
            try await scope.signingKeys.lockSchedule()
            let keys = try await scope.signingKeys.all()
            guard SigningKeySchedule(keys: keys, policy: settings.policy).signingKey(at: now) == nil else { return }
            if keys.isEmpty {
                try await scope.signingKeys.add(try SigningKeyRecord.generate(masterKey: masterKey, now: now, signsFrom: now))
            }
        }
    }

    /// Adds a key that is published now and signs after the JWKS cache lifetime, so every
    /// verifier has it before the first token it signs.
    public func rotate(now: Date = Date()) async throws -> SigningKeyRecord {
        let key = try SigningKeyRecord.generate(
            masterKey: masterKey,
            now: now,
            signsFrom: now.addingTimeInterval(settings.jwksCacheLifetime)
        )
        try await database.withGlobal { scope in try await scope.signingKeys.add(key) }
        return key
    }

    /// Deletes keys that no longer verify any unexpired token.
    public func prune(now: Date = Date()) async throws -> [String] {
        try await database.withGlobal { scope in
            let schedule = SigningKeySchedule(keys: try await scope.signingKeys.all(), policy: settings.policy)
            let expired = schedule.expiredKeys(at: now).map(\.kid)
            try await scope.signingKeys.delete(kids: expired)
            return expired
        }
    }

    /// Every key with its state at `now`.
    public func list(now: Date = Date()) async throws -> [(key: SigningKeyRecord, state: String)] {
        let keys = try await database.withGlobal { scope in try await scope.signingKeys.all() }
        let schedule = SigningKeySchedule(keys: keys, policy: settings.policy)
        let signing = schedule.signingKey(at: now)?.kid
        let published = Set(schedule.publishedKeys(at: now).map(\.kid))
        return schedule.keys.map { key in
            let state: String
            if key.kid == signing {
                state = "signing"
            } else if key.signsFrom > now {
                state = "published, signs from \(key.signsFrom.formatted(.iso8601))"
            } else if published.contains(key.kid) {
                state = "retired, still published"
            } else {
                state = "expired"
            }
            return (key, state)
        }
    }
}

/// Background upkeep of identity state: reloads the key schedule (picking up rotations made by
/// other processes and starting to sign with a new key on time), prunes expired keys, writes
/// API key last-use times in batches (and once more at shutdown), and on PostgreSQL listens for
/// session revocations, user directory changes and access changes from other nodes.
public struct IdentityMaintenance: Service {
    public let environment: TenantryEnvironment
    public let notices: (any NoticeListener)?
    public let reloadInterval: Duration
    public var flushInterval: Duration = .seconds(15)

    public func run() async {
        // The loops stop at graceful shutdown on their own; key uses noted since the last flush
        // are written before the process stops.
        async let keys: Void = keyUpkeep.run()
        async let uses: Void = useFlushing.run()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if let notices {
                    // Each channel's notices from other nodes go on this node's bus; after a
                    // (re)connect the bus is reset, since notices sent meanwhile were missed.
                    let changes = environment.changes
                    for channel in NoticeChannel.allCases where channel.crossesNodes {
                        group.addTask {
                            await notices.listen(
                                to: channel, onReconnect: { changes.reset(channel) },
                                handler: { payload in
                                    if let notice = ChangeNotice(channel: channel, payload: payload) {
                                        changes.publish([notice])
                                    }
                                })
                        }
                    }
                }
                await group.waitForAll()
            }
        }
        _ = await (keys, uses)
    }

    /// Reloads the key schedule and prunes expired keys every `reloadInterval`.
    private var keyUpkeep: PeriodicService {
        let environment = environment
        return PeriodicService(
            name: "signing key reload", interval: reloadInterval, logger: environment.logger,
            failureMessage: "reloading signing keys failed"
        ) {
            try await environment.reloadKeys()
            _ = try await environment.signingKeys.prune()
        }
    }

    /// Writes API key last-use times every `flushInterval` and once more at graceful shutdown.
    private var useFlushing: PeriodicService {
        let access = environment.caches.access
        return PeriodicService(
            name: "API key use flush", interval: flushInterval, logger: environment.logger,
            failureMessage: "recording API key use failed; will retry",
            work: { try await access.flushUses() },
            finalWork: { try await access.flushUses() }
        )
    }
}
