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
    /// What one process runs.
    public enum Mode: Sendable, Equatable {
        /// HTTP and the background workers (`tenantry serve`, the default).
        case all
        /// HTTP only (`tenantry serve --no-workers`): for several nodes beside a worker process.
        case http
        /// The background workers only (`tenantry worker`): no listener.
        case worker
    }

    /// Runs until shutdown. Throws when start-up fails (bad configuration, unreachable
    /// database, changed migrations, unsafe database role). `workers` makes the background
    /// services (e.g. the email worker) from the environment (the opened database, the master
    /// key) and the usage meter they count into; they stop before the meter's last flush and
    /// before the database. `mode` says whether HTTP, the workers, or both run.
    ///
    /// On SIGTERM or SIGINT, readiness turns to 503 at once; the listener closes
    /// `shutdownDelay` later and in-flight requests get `shutdownTimeout` to finish. A worker
    /// finishes the job it holds and claims no other.
    ///
    /// `metrics` is the process's registry (the caller may also hand it to swift-metrics'
    /// global system); with ``TenantryConfiguration/metricsAddress`` set, a separate listener
    /// serves it, in every mode. `observability` (the span exporter) starts first and stops
    /// last, so the spans of the shutdown are still sent.
    public static func run(
        configuration: TenantryConfiguration,
        logger: Logger,
        mode: Mode = .all,
        metrics: TenantryMetrics = TenantryMetrics(),
        observability: [any Service] = [],
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
            environment = try TenantryEnvironment.make(
                configuration: configuration, database: database, metrics: metrics, logger: logger)
            // On PostgreSQL the rate limits are shared by every node unless turned off; SQLite
            // serves one node.
            let sharedLimits =
                configuration.sharedRateLimits && database.engine == .postgres && mode != .worker
                ? SharedRateLimiter(store: RateLimitBucketStore(database: database), logger: logger) : nil
            traffic = TrafficControl(
                configuration: configuration, database: environment.database,
                allowances: PlanAllowances(environment.caches.entitlements), limiter: sharedLimits)
            background = mode == .http ? [] : try workers(environment, traffic.meter)
        } catch {
            try? await (database as? SQLiteDatabaseClient)?.close()
            throw error
        }
        let gate = StartupGate()
        let drain = DrainState()
        let front: [ServiceGroupConfiguration.ServiceConfiguration]
        if mode == .worker {
            // No listener: the start-up checks the application would make run here, then the
            // gate opens for the workers.
            front = [.init(service: WorkerStartup(database: database, environment: environment, gate: gate, logger: logger))]
        } else {
            let router = APIRouter(
                configuration: configuration, database: database, environment: environment, logger: logger, traffic: traffic,
                idempotency: IdempotencyGuard.Settings(
                    policy: IdempotencyPolicy(lockTimeout: configuration.idempotencyLockTimeout)),
                drain: drain)
            let application = buildApplication(
                router: router, configuration: configuration, database: database, environment: environment, logger: logger,
                startupGate: gate
            )
            front = [
                .init(service: application, serviceName: "http"),
                .init(
                    service: DrainSignal(state: drain, delay: .milliseconds(Int(configuration.shutdownDelay * 1000))),
                    serviceName: "drain"),
            ]
        }
        var monitoring: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: GatedService(
                    gate: gate,
                    service: JobBacklogMetrics(database: database, metrics: metrics).service(logger: logger)),
                serviceName: "job-metrics")
        ]
        if let address = configuration.metricsAddress {
            monitoring.append(
                .init(
                    service: MetricsListener(host: address.host, port: address.port, metrics: metrics, logger: logger),
                    serviceName: "metrics"))
        }
        let exporters: [ServiceGroupConfiguration.ServiceConfiguration] = observability.map {
            .init(service: $0, serviceName: "tracing")
        }
        var groupConfiguration = ServiceGroupConfiguration(
            // Shut down in reverse: readiness turns 503 first, then HTTP and the workers stop
            // counting before the meter's last flush.
            services: exporters + [
                .init(service: database, serviceName: "database"),
                .init(service: GatedService(gate: gate, service: traffic.flushing(logger: logger)), serviceName: "usage"),
            ]
                + (traffic.limiterSynchronizing(logger: logger).map {
                    [.init(service: GatedService(gate: gate, service: $0), serviceName: "rate-limit-sync")]
                } ?? [])
                + background.enumerated().map {
                    .init(service: GatedService(gate: gate, service: $1), serviceName: "worker-\($0)")
                }
                + [
                    .init(
                        service: GatedService(
                            gate: gate, service: environment.maintenance(notices: database as? PostgresDatabaseClient)),
                        serviceName: "identity")
                ] + monitoring + front,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(
            Int((configuration.shutdownTimeout + configuration.shutdownDelay) * 1000))
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}

/// A worker process's start: the checks `serve` makes before it listens (schema, database role,
/// signing keys), then the gate opens and the workers start; the service then waits for the
/// shutdown.
struct WorkerStartup: Service {
    let database: any DatabaseClient
    let environment: TenantryEnvironment
    let gate: StartupGate
    let logger: Logger

    func run() async throws {
        try await DatabaseBootstrap.verify(database)
        try await environment.prepare()
        gate.open()
        logger.info(
            "tenantry worker running with database \(database.location.description)",
            metadata: ["database": "\(database.location.description)"])
        try? await gracefulShutdown()
    }
}
