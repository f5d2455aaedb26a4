public import Logging
public import TenantryCore

/// Opens the configured database and brings its schema up to date (or checks that it is),
/// the same way for `serve`, `migrate` and the tests.
public enum DatabaseBootstrap {
    /// What to do about migrations.
    public enum MigrationPolicy: Sendable {
        /// Apply pending migrations (on PostgreSQL, as the owner role).
        case apply
        /// Apply nothing; ``verify(_:)`` then fails when migrations are pending or changed.
        case verifyOnly
    }

    /// Opens a client for `configuration.databaseURL` and, with `.apply`, applies pending
    /// migrations (on PostgreSQL as the owner role, which also provisions the runtime role).
    /// The caller runs the returned client as a service (or closes it) and then calls
    /// ``verify(_:)`` before serving.
    public static func open(
        configuration: TenantryConfiguration,
        migrations policy: MigrationPolicy,
        logger: Logger
    ) async throws -> any DatabaseClient {
        let location = try DatabaseLocation(url: configuration.databaseURL)
        switch location {
        case .sqlite(let storage):
            let client = try await SQLiteDatabaseClient.open(storage, logger: logger)
            if case .apply = policy {
                do {
                    _ = try await client.migrate()
                } catch {
                    try? await client.close()
                    throw error
                }
            }
            return client
        case .postgres(let endpoint):
            if case .apply = policy {
                if configuration.databaseOwnerURL != nil {
                    _ = try await MigrationCommand.run(configuration: configuration, dryRun: false, logger: logger)
                } else {
                    logger.notice(
                        "no owner URL: not migrating; the schema must be current (run `tenantry migrate` as the owner)"
                    )
                }
            }
            return PostgresDatabaseClient(endpoint: endpoint, poolSize: configuration.databasePoolSize, logger: logger)
        }
    }

    /// Checks, through the running client, that every migration this binary carries is
    /// applied unchanged and, on PostgreSQL, that the runtime role cannot bypass row-level
    /// security. `serve` calls this before it accepts requests.
    public static func verify(_ client: any DatabaseClient) async throws {
        if let postgres = client as? PostgresDatabaseClient {
            try await postgres.verifyRuntimeRole()
        }
        let applied = try await client.appliedMigrations()
        let pending = try MigrationRunnerFacade.pending(engine: client.engine, applied: applied)
        guard pending.isEmpty else {
            let names = pending.map { "\($0.version) \($0.name)" }.joined(separator: ", ")
            throw TenantryError(.migrationsPending, "Migrations are pending (\(names)). Run `tenantry migrate`.")
        }
    }
}

/// Read-only access to the migration checks for callers outside the runner.
enum MigrationRunnerFacade {
    static func pending(engine: DatabaseEngine, applied: [AppliedMigration]) throws -> [Migration] {
        try MigrationRunner.pending(migrations: Schema.migrations(for: engine), applied: applied)
    }
}
