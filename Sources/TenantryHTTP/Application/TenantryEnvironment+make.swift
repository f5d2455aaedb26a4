import AsyncHTTPClient
import Foundation
public import Logging
public import TenantryApplication
public import TenantryCore
import TenantryDNS
import TenantryOIDC
public import TenantryStorage
import TenantryStripe

extension TenantryEnvironment {
    /// Builds the environment for a configuration over an opened database, part by part
    /// (resolving the master key); ``prepare()`` then loads the signing keys once the database
    /// client runs. `metrics` gets the database pool's and the caches' figures.
    public static func make(
        configuration: TenantryConfiguration,
        database: any DatabaseClient,
        limits: AttemptLimits = AttemptLimits(),
        metrics: TenantryMetrics = TenantryMetrics(),
        logger: Logger
    ) throws -> TenantryEnvironment {
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
        var dns = DNSTXTResolver.Configuration()
        if let server = configuration.dnsServer {
            do {
                dns.server = try DNSServerAddress(parsing: server)
            } catch {
                throw TenantryError(
                    .validationFailed, "TENANTRY_DNS_SERVER is not an IP address with an optional port.",
                    fieldErrors: [
                        FieldError(
                            field: "TENANTRY_DNS_SERVER", code: "invalid_format",
                            message: "Give an IP address with an optional port, e.g. 127.0.0.1:5353 or [::1]:53.")
                    ])
            }
        }
        metrics.follow(database.pool)
        let changes = ChangeBus()
        let store = SQLDataStore(database, changes: changes)
        return TenantryEnvironment(
            database: store,
            changes: changes,
            authority: AccessTokenAuthority(settings: settings, masterKey: masterKey),
            masterKey: masterKey,
            hashing: PasswordHashingPool(hasher: PasswordHasher(iterations: configuration.passwordHashIterations)),
            caches: RuntimeCaches(database: store),
            limiters: AttemptLimiters(limits),
            tenancy: TenancySettings(
                defaultPlan: configuration.defaultPlan, deletionGracePeriod: configuration.tenantDeletionGracePeriod),
            publicURL: configuration.resolvedPublicURL,
            webhookEgress: configuration.webhookEgress,
            // The process-wide HTTP client: it lives as long as the process, no shutdown needed.
            openID: HTTPOpenIDConnectClient(httpClient: HTTPClient.shared),
            txtRecords: DNSTXTResolver(configuration: dns),
            payments: configuration.stripe.apiKey.map { key in
                StripeClient(
                    httpClient: HTTPClient.shared,
                    configuration: StripeClient.Configuration(apiKey: key, apiBase: configuration.stripe.apiBase))
            },
            billing: BillingSettings(
                webhookSecret: configuration.stripe.webhookSecret, gracePeriod: configuration.stripe.gracePeriod),
            exports: DataExportSettings(
                directory: URL(fileURLWithPath: configuration.exportDirectory), expiry: configuration.exportExpiry),
            backupDirectory: configuration.backupDirectory.map { URL(fileURLWithPath: $0) },
            metrics: metrics,
            logger: logger
        )
    }
}
