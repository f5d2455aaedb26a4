public import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Everything identity needs at run time, made once at start-up: the token authority with its
/// keys loaded, the password hashing pool, the session validator, the user directory cache and
/// the attempt limiters.
public final class IdentityRuntime: Sendable {
    /// The database.
    public let database: any DataStore
    /// Signs and verifies access tokens.
    public let authority: AccessTokenAuthority
    /// The master key that seals signing keys.
    public let masterKey: MasterKey
    /// Runs password hashing off the request threads.
    public let hashing: PasswordHashingPool
    /// Checks sessions on every authenticated request.
    public let sessions: SessionValidator
    /// Members' grants and API keys, checked on every tenant request.
    public let access: AccessDirectory
    /// Users with their memberships, cached for `/me` and refresh; every write path that
    /// changes a user, a membership or a tenant invalidates it (see ``UserDirectoryCache``).
    public let directory: UserDirectoryCache
    /// Failed sign-ins per account.
    public let failedSignInsPerAccount: AttemptLimiter
    /// Failed sign-ins per client IP.
    public let failedSignInsPerIP: AttemptLimiter
    /// Registrations and recovery emails per client IP.
    public let registrationsPerIP: AttemptLimiter
    /// Recovery emails per account.
    public let recoveryEmailsPerAccount: AttemptLimiter
    /// Each tenant's status, plan and effective entitlements (see ``EntitlementDirectory``).
    public let entitlements: EntitlementDirectory
    /// Tenancy settings: the default plan and the deletion grace period.
    public let tenancy: TenancySettings
    /// Lifetimes.
    public let policy: SessionPolicy
    /// The public base URL (issuer, links in emails).
    public let publicURL: String
    public let logger: Logger

    /// Limits on attempts; the defaults suit production, tests lower them.
    public struct Limits: Sendable {
        public var failedSignInsPerAccountPerHour = 50
        public var failedSignInsPerIPPerHour = 300
        public var registrationsPerIPPerHour = 30
        public var recoveryEmailsPerAccountPerHour = 5
        public init() {}
    }

    /// Where committed changes are announced in this process; the caches above listen to it
    /// (see ``ChangeNotice``), and ``maintenance(notices:reloadInterval:)`` feeds it the changes
    /// other nodes committed.
    public let changes: ChangeBus

    /// Assembles the runtime from its parts; ``prepare()`` then loads the signing keys.
    /// `changes` must be the bus `database` publishes its committed changes on.
    public init(
        database: any DataStore,
        changes: ChangeBus,
        authority: AccessTokenAuthority,
        masterKey: MasterKey,
        hashing: PasswordHashingPool,
        limits: Limits,
        publicURL: String,
        tenancy: TenancySettings = TenancySettings(),
        logger: Logger
    ) {
        self.database = database
        self.entitlements = EntitlementDirectory(database: database)
        self.tenancy = tenancy
        self.authority = authority
        self.masterKey = masterKey
        self.hashing = hashing
        self.sessions = SessionValidator(database: database)
        self.access = AccessDirectory(database: database)
        self.directory = UserDirectoryCache(database: database)
        self.failedSignInsPerAccount = AttemptLimiter(limit: limits.failedSignInsPerAccountPerHour, window: 3600)
        self.failedSignInsPerIP = AttemptLimiter(limit: limits.failedSignInsPerIPPerHour, window: 3600)
        self.registrationsPerIP = AttemptLimiter(limit: limits.registrationsPerIPPerHour, window: 3600)
        self.recoveryEmailsPerAccount = AttemptLimiter(limit: limits.recoveryEmailsPerAccountPerHour, window: 3600)
        self.policy = authority.settings.policy
        self.publicURL = publicURL
        self.logger = logger
        self.changes = changes
        let (access, entitlements, directory, sessions) = (self.access, self.entitlements, self.directory, self.sessions)
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
                    }
                }
            ))
    }

    /// Makes sure a signing key exists and loads the key schedule. Runs before the server
    /// accepts requests.
    public func prepare() async throws {
        try await SigningKeyManager(database: database, masterKey: masterKey, settings: authority.settings).ensureActiveKey()
        try await reloadKeys()
        guard try await database.readGlobal({ scope in try await scope.plans.find(id: tenancy.defaultPlan) }) != nil else {
            throw Validator.fail("TENANTRY_DEFAULT_PLAN", "unknown_plan", "No plan has the id \(tenancy.defaultPlan).")
        }
    }

    /// The background upkeep service: reloads keys, prunes expired ones and, on PostgreSQL,
    /// listens for session revocations and user directory changes from other nodes. `serve`
    /// runs it in its service group.
    public func maintenance(notices: (any NoticeListener)?, reloadInterval: Duration = .seconds(30)) -> some Service {
        IdentityMaintenance(runtime: self, notices: notices, reloadInterval: reloadInterval)
    }

    /// Reloads the signing key schedule from the database.
    public func reloadKeys() async throws {
        let keys = try await database.withGlobal { scope in try await scope.signingKeys.all() }
        try await authority.reload(keys)
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
    public let runtime: IdentityRuntime
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
                    let changes = runtime.changes
                    for channel in NoticeChannel.allCases {
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
        let runtime = runtime
        return PeriodicService(
            name: "signing key reload", interval: reloadInterval, logger: runtime.logger,
            failureMessage: "reloading signing keys failed"
        ) {
            try await runtime.reloadKeys()
            _ = try await SigningKeyManager(
                database: runtime.database,
                masterKey: runtime.masterKey,
                settings: runtime.authority.settings
            ).prune()
        }
    }

    /// Writes API key last-use times every `flushInterval` and once more at graceful shutdown.
    private var useFlushing: PeriodicService {
        let access = runtime.access
        return PeriodicService(
            name: "API key use flush", interval: flushInterval, logger: runtime.logger,
            failureMessage: "recording API key use failed; will retry",
            work: { try await access.flushUses() },
            finalWork: { try await access.flushUses() }
        )
    }
}
