public import Logging
public import TenantryCore

/// `tenantry migrate`: applies (or lists) pending migrations for the configured database.
public enum MigrationCommand {
    /// Runs the migrations; on PostgreSQL as the owner role, which also provisions the runtime
    /// role. With `dryRun`, lists what would be applied and changes nothing.
    public static func run(configuration: TenantryConfiguration, dryRun: Bool, logger: Logger) async throws -> MigrationReport {
        let location = try DatabaseLocation(url: configuration.databaseURL)
        switch location {
        case .sqlite(let storage):
            let client = try await SQLiteDatabaseClient.open(storage, logger: logger)
            do {
                let report = try await client.migrate(dryRun: dryRun)
                try await client.close()
                return report
            } catch {
                try? await client.close()
                throw error
            }
        case .postgres(let runtime):
            guard let ownerURL = configuration.databaseOwnerURL else {
                throw Validator.fail(
                    "TENANTRY_DATABASE_OWNER_URL",
                    "required",
                    "Migrating PostgreSQL needs the owner role's URL (--database-owner-url)."
                )
            }
            guard case .postgres(let owner) = try DatabaseLocation(url: ownerURL, setting: "TENANTRY_DATABASE_OWNER_URL") else {
                throw Validator.fail("TENANTRY_DATABASE_OWNER_URL", "invalid_database_url", "The owner URL is a postgres:// URL.")
            }
            return try await PostgresSchemaOwner(owner: owner, logger: logger).migrate(runtime: runtime, dryRun: dryRun)
        }
    }
}
