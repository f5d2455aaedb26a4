import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryWorkers
import Tracing

@main
struct Tenantry: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "tenantry",
        abstract: "A self-hosted, multi-tenant backend for SaaS products.",
        subcommands: [
            Serve.self, Worker.self, Migrate.self, Keys.self, Seed.self, Admin.self, Audit.self, TenantCommand.self, Version.self,
        ],
        defaultSubcommand: Serve.self
    )
}

/// Options shared by commands that open the database.
struct DatabaseOptions: ParsableArguments {
    @Option(
        help:
            "Database URL: sqlite:<path>, sqlite::memory: or postgres://user:password@host:port/db (env TENANTRY_DATABASE_URL; default sqlite:.tenantry/tenantry.db)."
    )
    var databaseURL: String?

    @Option(
        help: "PostgreSQL owner-role URL used for migrations and to grant the runtime role (env TENANTRY_DATABASE_OWNER_URL).")
    var databaseOwnerURL: String?

    @Option(help: "Largest number of PostgreSQL connections (env TENANTRY_DATABASE_POOL_SIZE; default 20).")
    var databasePoolSize: Int?

    @Option(help: "Log format: json, text or auto (env TENANTRY_LOG_FORMAT; default auto: text on a terminal, else json).")
    var logFormat: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env TENANTRY_LOG_LEVEL; default info).")
    var logLevel: String?

    var flags: TenantryConfiguration.Flags {
        var flags = TenantryConfiguration.Flags()
        flags.databaseURL = databaseURL
        flags.databaseOwnerURL = databaseOwnerURL
        flags.databasePoolSize = databasePoolSize
        flags.logFormat = logFormat
        flags.logLevel = logLevel
        return flags
    }
}

/// Resolves the configuration and installs logging; a bad setting ends the process with a
/// clear message and exit code 64.
/// The span exporter when tracing is on (OTLP over HTTP/protobuf, set up by the `OTEL_*`
/// variables), after making its tracer the process's; no service when tracing is off.
func tracingExporter(_ configuration: TenantryConfiguration, logger: Logger) throws -> [any Service] {
    guard configuration.tracing else { return [] }
    return [
        try TenantryTracing.install(
            environment: ProcessInfo.processInfo.environment, version: Tenantry.version, logger: logger)
    ]
}

func prepare(_ flags: TenantryConfiguration.Flags) throws -> (TenantryConfiguration, Logger) {
    let configuration: TenantryConfiguration
    do {
        configuration = try TenantryConfiguration.resolve(flags: flags, environment: ProcessInfo.processInfo.environment)
    } catch {
        var message = "tenantry: invalid configuration"
        for field in error.fieldErrors { message += "\n  \(field.field): \(field.message)" }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        throw ExitCode(64)
    }
    // With tracing on, every line logged inside a span carries its `trace_id` and `span_id`.
    LogOutput.bootstrap(
        format: configuration.logFormat.rawValue, level: configuration.logLevel,
        metadataProvider: configuration.tracing ? TenantryTracing.loggingMetadata : nil)
    return (configuration, Logger(label: "tenantry"))
}

/// Reports a start-up failure without internals: domain errors by their message, anything else
/// by its type.
func fail(_ error: any Error, logger: Logger, invalid: String = "invalid configuration") -> ExitCode {
    if let error = error as? TenantryError, error.code == .validationFailed {
        var message = "tenantry: \(invalid)"
        for field in error.fieldErrors { message += "\n  \(field.field): \(field.message)" }
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return ExitCode(64)
    }
    if let error = error as? TenantryError {
        var metadata = ErrorDiagnostics.metadata(for: error)
        for field in error.fieldErrors { metadata["field.\(field.field)"] = .string(field.message) }
        logger.critical("\(error.message)", metadata: metadata)
    } else {
        logger.critical("start-up failed", metadata: ErrorDiagnostics.metadata(for: error))
    }
    return ExitCode.failure
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Address to listen on (env TENANTRY_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (env TENANTRY_PORT; default 8080).")
    var port: Int?

    @Option(help: "Largest request body in bytes (env TENANTRY_MAX_BODY_SIZE; default 1048576).")
    var maxBodySize: Int?

    @Option(help: "Seconds in-flight requests get after SIGTERM/SIGINT (env TENANTRY_SHUTDOWN_TIMEOUT; default 30).")
    var shutdownTimeout: Double?

    @Option(help: "Seconds /health/ready waits for the database (env TENANTRY_READINESS_TIMEOUT; default 3).")
    var readinessTimeout: Double?

    @Flag(inversion: .prefixedNo, help: "Apply pending migrations at start-up (env TENANTRY_MIGRATE_ON_START; default on).")
    var migrateOnStart: Bool?

    @Option(
        help: "Public base URL: token issuer and link base in emails (env TENANTRY_PUBLIC_URL; default http://<host>:<port>).")
    var publicURL: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Run the background jobs in this process too (default on; --no-workers serves HTTP only, beside `tenantry worker`)."
    )
    var workers: Bool = true

    func run() async throws {
        var flags = database.flags
        flags.host = host
        flags.port = port
        flags.maxBodySize = maxBodySize
        flags.shutdownTimeout = shutdownTimeout
        flags.readinessTimeout = readinessTimeout
        flags.migrateOnStart = migrateOnStart
        flags.publicURL = publicURL
        try await BackgroundWork.run(flags: flags, mode: workers ? .all : .http)
    }
}

/// `tenantry worker`: the background jobs alone, no HTTP listener.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the background jobs only (email, purges, retention, usage, webhook deliveries); no HTTP.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Seconds a job in progress gets to finish after SIGTERM/SIGINT (env TENANTRY_SHUTDOWN_TIMEOUT; default 30).")
    var shutdownTimeout: Double?

    @Flag(inversion: .prefixedNo, help: "Apply pending migrations at start-up (env TENANTRY_MIGRATE_ON_START; default on).")
    var migrateOnStart: Bool?

    @Option(help: "Public base URL: the link base in emails (env TENANTRY_PUBLIC_URL; set it as on the HTTP nodes).")
    var publicURL: String?

    func run() async throws {
        var flags = database.flags
        flags.shutdownTimeout = shutdownTimeout
        flags.migrateOnStart = migrateOnStart
        flags.publicURL = publicURL
        try await BackgroundWork.run(flags: flags, mode: .worker)
    }
}

/// The background services of a process, and the run of `serve` and `worker`.
enum BackgroundWork {
    static func run(flags: TenantryConfiguration.Flags, mode: TenantryServer.Mode) async throws {
        let (configuration, logger) = try prepare(flags)
        do {
            // Settings that need more than parsing are checked before anything else starts.
            let transport = try EmailTransports.make(url: configuration.emailURL, logger: logger)
            try MasterKeySource.validate(configuration: configuration)
            // One registry for the process: /metrics renders it, and anything that reports through
            // swift-metrics' global system lands in it too.
            let metrics = TenantryMetrics()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
            try await TenantryServer.run(
                configuration: configuration, logger: logger, mode: mode, metrics: metrics,
                observability: try tracingExporter(configuration, logger: logger)
            ) { environment, usage in
                try services(
                    environment: environment, usage: usage, configuration: configuration, transport: transport, logger: logger)
            }
        } catch {
            throw fail(error, logger: logger)
        }
    }

    /// Every background service: the job workers, the sweepers, the webhook fan-out and
    /// deliveries.
    static func services(
        environment: TenantryEnvironment, usage: UsageMeter, configuration: TenantryConfiguration,
        transport: any EmailTransport, logger: Logger
    ) throws -> [any Service] {
        let database = environment.database
        // Events recorded here wake the fan-out; messages it makes wake the deliveries.
        let eventsRecorded = WebhookFanOutService.doorbell(following: environment.changes)
        let messagesMade = Doorbell()
        let retention = PlanAuditRetention(database: database)
        let useCases = UseCases(environment)
        return [
            JobWorker(database: database, handler: EmailDeliveryJob(transport: transport, usage: usage), logger: logger),
            JobWorker(database: database, handler: TenantPurgeJob(database: database), logger: logger),
            JobWorker(
                database: database, handler: RecoveryRequestJob(recovery: useCases.recovery),
                logger: logger),
            IdempotencyRecordSweeper(database: database, logger: logger),
            JobWorker(
                database: database,
                handler: AuditRetentionJob(database: database, retention: retention, logger: logger),
                logger: logger),
            AuditRetentionSchedule(
                database: database, interval: .seconds(configuration.auditRetentionInterval), logger: logger),
            EventRetentionSweeper(
                retention: EventRetention(database: database, retention: .seconds(configuration.eventRetention)),
                logger: logger),
            WebhookFanOutService(
                fanOut: WebhookFanOut(database: database), wakeUp: eventsRecorded, made: messagesMade, logger: logger),
            WebhookDeliveryService(
                delivery: WebhookDelivery(
                    database: database, masterKey: environment.masterKey,
                    transport: try WebhookSender(
                        policy: configuration.webhookEgress, timeout: configuration.webhookDelivery.timeout,
                        userAgent: "Tenantry-Webhooks/\(Tenantry.version)"),
                    settings: configuration.webhookDelivery, metrics: environment.metrics, logger: logger),
                wakeUp: messagesMade, logger: logger),
            WebhookRetentionSweeper(retention: WebhookRetention(database: database), logger: logger),
            BillingSweeper(
                billing: useCases.billing, interval: .seconds(environment.billing.sweepInterval), logger: logger),
            JobWorker(database: database, handler: TenantExportJob(exports: useCases.exports), logger: logger),
            JobWorker(database: database, handler: TenantExportSweepJob(exports: useCases.exports), logger: logger),
            JobSchedule(
                name: "export expiry schedule", queue: DataExportService.sweepQueueName, database: database,
                interval: .seconds(3600), runsAtStart: true, failureMessage: "could not queue the export expiry sweep",
                logger: logger),
        ] + backups(database: database, configuration: configuration, logger: logger)
    }

    /// The scheduled tenant backups and their worker, when a backup directory is configured.
    static func backups(database: any DataStore, configuration: TenantryConfiguration, logger: Logger) -> [any Service] {
        guard let directory = configuration.backupDirectory else { return [] }
        return [
            JobWorker(
                database: database,
                handler: TenantBackupJob(database: database, directory: URL(fileURLWithPath: directory), logger: logger),
                logger: logger),
            TenantBackupSchedule(database: database, interval: .seconds(configuration.backupInterval), logger: logger),
        ]
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending migrations and exit.",
        discussion:
            "On PostgreSQL this connects as the owner role (--database-owner-url) and also creates the runtime role named by --database-url when it is missing, and grants it exactly its privileges."
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "List the pending migrations without applying them.")
    var dryRun = false

    func run() async throws {
        let (configuration, logger) = try prepare(database.flags)
        do {
            let report = try await MigrationCommand.run(configuration: configuration, dryRun: dryRun, logger: logger)
            let verb = dryRun ? "pending" : "applied"
            print("\(report.alreadyApplied.count) migration(s) already applied; \(report.applied.count) \(verb).")
            for migration in report.applied {
                print("  \(verb): \(migration.version) \(migration.name)")
            }
        } catch {
            throw fail(error, logger: logger)
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the access token signing keys.",
        subcommands: [List.self, Rotate.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the signing keys and their state.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (configuration, logger) = try prepare(database.flags)
            do {
                try await KeyCommand.withManager(configuration: configuration, logger: logger) { manager in
                    for entry in try await manager.list() {
                        print(
                            "\(entry.key.kid)  \(entry.key.algorithm)  created \(entry.key.createdAt.formatted(.iso8601))  \(entry.state)"
                        )
                    }
                }
            } catch {
                throw fail(error, logger: logger)
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new signing key.",
            discussion:
                "The new key is published in the JWKS at once and starts signing only after the JWKS cache lifetime, so every verifier knows it before it sees a token signed with it. The old key stays published until its last token expires."
        )
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (configuration, logger) = try prepare(database.flags)
            do {
                try await KeyCommand.withManager(configuration: configuration, logger: logger) { manager in
                    let key = try await manager.rotate()
                    print("added \(key.kid); published now, signs from \(key.signsFrom.formatted(.iso8601))")
                }
            } catch {
                throw fail(error, logger: logger)
            }
        }
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seed example data.",
        subcommands: [Demo.self]
    )

    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a demo tenant with an owner, an admin, a member and a viewer, a team and an API key.",
            discussion: "Prints each person's email and random password, and the API key's secret, once."
        )
        @OptionGroup var database: DatabaseOptions

        @Option(help: "The demo tenant's slug (default demo).")
        var slug = "demo"

        func run() async throws {
            let (configuration, logger) = try prepare(database.flags)
            do {
                try await OneOffCommand.withEnvironment(configuration: configuration, logger: logger) { environment in
                    let result = try await DemoSeed.run(
                        database: environment.database, hashing: environment.hashing, slug: slug)
                    print("Seeded tenant \"\(result.tenant.name)\" (slug \(result.tenant.slug.rawValue)).")
                    print(
                        "Sign in with POST /api/v1/auth/login and {\"email\", \"password\", \"tenant_slug\": \"\(result.tenant.slug.rawValue)\"}:"
                    )
                    for account in result.accounts {
                        let role = account.role.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                        print("  \(role) \(account.email.rawValue)  password: \(account.password)")
                    }
                    print("Team \"\(result.team.name)\" with the admin and the member.")
                    let scopes = result.apiKeyScopes.sorted().map(\.rawValue).joined(separator: ", ")
                    print("API key (\(scopes)), shown only now: \(result.apiKey)")
                }
            } catch {
                throw fail(error, logger: logger)
            }
        }
    }
}

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage platform operators.",
        subcommands: [Create.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a platform operator (or promote an existing account).",
            discussion:
                "A new account gets the password read from standard input with --password-stdin, or a generated one printed once. An existing account keeps its password and gets the role. Operators sign in with POST /api/v1/auth/login and call /api/v1/platform/*."
        )
        @OptionGroup var database: DatabaseOptions

        @Option(help: "The operator's email address.")
        var email: String

        @Option(help: "The name of a new account (default \"Platform operator\").")
        var name: String?

        @Option(help: "The platform role: super_admin (default) or support.")
        var role: String = "super_admin"

        @Flag(help: "Read the new account's password from standard input (one line).")
        var passwordStdin = false

        func run() async throws {
            let (configuration, logger) = try prepare(database.flags)
            guard let platformRole = PlatformRole(rawValue: role) else {
                FileHandle.standardError.write(Data("tenantry: --role must be super_admin or support\n".utf8))
                throw ExitCode(64)
            }
            let password = passwordStdin ? readLine(strippingNewline: true) : nil
            if passwordStdin && (password ?? "").isEmpty {
                FileHandle.standardError.write(Data("tenantry: no password on standard input\n".utf8))
                throw ExitCode(64)
            }
            do {
                try await OneOffCommand.withEnvironment(configuration: configuration, logger: logger) { environment in
                    let outcome = try await OperatorCommand.create(
                        platform: UseCases(environment).platform, hashing: environment.hashing, email: email, name: name,
                        password: password, role: platformRole)
                    let verb = outcome.created ? "Created" : "Promoted"
                    print("\(verb) \(outcome.user.email.rawValue) as \(platformRole.rawValue) (user \(outcome.user.id)).")
                    if let generated = outcome.generatedPassword {
                        print("Password, shown only now: \(generated)")
                    }
                }
            } catch {
                throw fail(error, logger: logger, invalid: "invalid input")
            }
        }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the tenants' audit logs.",
        subcommands: [Verify.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chains of the audit logs.",
            discussion:
                "Walks each tenant's chain from its retention anchor to its head, recomputing every hash. Prints the first broken link of each tenant (tenant, sequence, event id, what differed) and exits 1 when any is broken; prints a summary and exits 0 when every chain is intact."
        )
        @OptionGroup var database: DatabaseOptions

        @Option(help: "Verify only this tenant (its id).")
        var tenant: String?

        func run() async throws {
            let (configuration, logger) = try prepare(database.flags)
            var tenantID: TenantID?
            if let tenant {
                guard let id = TenantID(tenant) else {
                    FileHandle.standardError.write(Data("tenantry: --tenant is a tenant id (a UUID)\n".utf8))
                    throw ExitCode(64)
                }
                tenantID = id
            }
            var broken = 0
            do {
                try await OneOffCommand.withEnvironment(configuration: configuration, logger: logger) { environment in
                    let verifier = AuditChainVerifier(database: environment.database)
                    let tenants: [TenantID]
                    if let tenantID {
                        tenants = [tenantID]
                    } else {
                        tenants = try await verifier.tenants()
                    }
                    var events: Int64 = 0
                    for tenant in tenants {
                        switch try await verifier.verify(tenant: tenant) {
                        case .failure(let link):
                            broken += 1
                            print("BROKEN \(link)")
                        case .success(let summary):
                            events += summary.verified
                            var line = "ok tenant \(tenant): \(summary.verified) event(s) verified"
                            if summary.anchorSequence > 0 { line += " after the retention anchor at \(summary.anchorSequence)" }
                            line += ", head \(summary.lastSequence) \(summary.lastHash ?? "-")"
                            if summary.unchained > 0 {
                                line += "; \(summary.unchained) event(s) from before chaining not covered"
                            }
                            if summary.redacted > 0 {
                                line += "; \(summary.redacted) redacted event(s) verified through their digests"
                            }
                            if summary.redactedUnverifiable > 0 {
                                line +=
                                    "; \(summary.redactedUnverifiable) redacted version 1 event(s): links checked, hashes not recomputable"
                            }
                            print(line)
                        }
                    }
                    if broken == 0 {
                        print("audit chains intact: \(tenants.count) tenant(s), \(events) event(s)")
                    } else {
                        print("audit chains broken: \(broken) of \(tenants.count) tenant(s)")
                    }
                }
            } catch {
                throw fail(error, logger: logger)
            }
            if broken > 0 { throw ExitCode.failure }
        }
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() {
        print("tenantry \(Tenantry.version)")
    }
}
