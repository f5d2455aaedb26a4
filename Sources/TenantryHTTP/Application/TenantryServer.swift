public import Logging
import ServiceLifecycle
public import TenantryCore
import TenantryStorage

/// Runs the whole server for a configuration: opens and migrates the database, then runs the
/// database client and the HTTP application in one `ServiceGroup` until SIGTERM or SIGINT.
/// On a signal the server stops accepting connections, lets in-flight requests finish within
/// `shutdownTimeout`, then closes the database.
public enum TenantryServer {
    /// Runs until shutdown. Throws when start-up fails (bad configuration, unreachable
    /// database, changed migrations, unsafe database role).
    public static func run(configuration: TenantryConfiguration, logger: Logger) async throws {
        let database = try await DatabaseBootstrap.open(
            configuration: configuration,
            migrations: configuration.migrateOnStart ? .apply : .verifyOnly,
            logger: logger
        )
        let application = buildApplication(configuration: configuration, database: database, logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: database, serviceName: "database"),
                .init(service: application, serviceName: "http"),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int(configuration.shutdownTimeout * 1000))
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
