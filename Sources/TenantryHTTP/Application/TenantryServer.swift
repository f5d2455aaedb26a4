public import Logging
public import ServiceLifecycle
public import TenantryApplication
public import TenantryCore
import TenantryStorage

/// Runs the whole server for a configuration: opens and migrates the database, then runs the
/// database client and the HTTP application in one `ServiceGroup` until SIGTERM or SIGINT.
/// On a signal the server stops accepting connections, lets in-flight requests finish within
/// `shutdownTimeout`, then closes the database.
public enum TenantryServer {
    /// Runs until shutdown. Throws when start-up fails (bad configuration, unreachable
    /// database, changed migrations, unsafe database role). `workers` makes the background
    /// services (e.g. the email worker) from the environment (the opened database, the master
    /// key) and the usage meter they count into; they stop before the meter's last flush and
    /// before the database.
    public static func run(
        configuration: TenantryConfiguration,
        logger: Logger,
        workers: (TenantryEnvironment, UsageMeter) throws -> [any Service] = { _, _ in [] }
    ) async throws {
        let database = try await DatabaseBootstrap.open(
            configuration: configuration,
            migrations: configuration.migrateOnStart ? .apply : .verifyOnly,
            logger: logger
        )
        let environment: TenantryEnvironment
        let background: [any Service]
        let traffic: TrafficControl
        if !configuration.usageMetering {
            logger.warning("usage metering is off: usage is not recorded and monthly API-call allowances are not enforced")
        }
        do {
            environment = try TenantryEnvironment.make(configuration: configuration, database: database, logger: logger)
            traffic = TrafficControl(
                configuration: configuration, database: environment.database,
                allowances: PlanAllowances(environment.caches.entitlements))
            background = try workers(environment, traffic.meter)
        } catch {
            try? await (database as? SQLiteDatabaseClient)?.close()
            throw error
        }
        let gate = StartupGate()
        let router = APIRouter(
            configuration: configuration, database: database, environment: environment, logger: logger, traffic: traffic)
        let application = buildApplication(
            router: router, configuration: configuration, database: database, environment: environment, logger: logger,
            startupGate: gate
        )
        var groupConfiguration = ServiceGroupConfiguration(
            // Shut down in reverse: HTTP and the workers stop counting before the meter's last flush.
            services: [
                .init(service: database, serviceName: "database"),
                .init(service: GatedService(gate: gate, service: traffic.flushing(logger: logger)), serviceName: "usage"),
            ]
                + background.enumerated().map {
                    .init(service: GatedService(gate: gate, service: $1), serviceName: "worker-\($0)")
                }
                + [
                    .init(
                        service: GatedService(
                            gate: gate, service: environment.maintenance(notices: database as? PostgresDatabaseClient)),
                        serviceName: "identity"),
                    .init(service: application, serviceName: "http"),
                ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int(configuration.shutdownTimeout * 1000))
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
