public import Logging
public import TenantryApplication
public import TenantryCore
public import TenantryStorage

extension IdentityRuntime {
    /// Builds the runtime for a configuration (resolving the master key); ``prepare()`` then
    /// loads the signing keys once the database client runs.
    public static func make(
        configuration: TenantryConfiguration,
        database: any DatabaseClient,
        limits: Limits = Limits(),
        logger: Logger
    ) throws -> IdentityRuntime {
        let masterKey = try MasterKeySource.resolve(configuration: configuration)
        let policy = SessionPolicy(
            accessTokenLifetime: configuration.accessTokenLifetime,
            absoluteLifetime: configuration.sessionLifetime,
            idleTimeout: configuration.sessionIdleTimeout,
            refreshGracePeriod: configuration.refreshGracePeriod
        )
        let settings = TokenSettings(
            issuer: configuration.resolvedPublicURL,
            audience: configuration.tokenAudience,
            policy: policy
        )
        let authority = AccessTokenAuthority(settings: settings, masterKey: masterKey)
        let changes = ChangeBus()
        let runtime = IdentityRuntime(
            database: SQLDataStore(database, changes: changes),
            changes: changes,
            authority: authority,
            masterKey: masterKey,
            hashing: PasswordHashingPool(hasher: PasswordHasher(iterations: configuration.passwordHashIterations)),
            limits: limits,
            publicURL: configuration.resolvedPublicURL,
            tenancy: TenancySettings(
                defaultPlan: configuration.defaultPlan, deletionGracePeriod: configuration.tenantDeletionGracePeriod),
            logger: logger
        )
        return runtime
    }

}
