import Foundation
import Logging
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage

/// `tenantry keys …`: opens the database (without migrating), runs the key manager, closes.
enum KeyCommand {
    /// Runs `body` with a key manager for the configured database.
    static func withManager(
        configuration: TenantryConfiguration,
        logger: Logger,
        _ body: (KeyRotation) async throws -> Void
    ) async throws {
        try await OneOffCommand.withEnvironment(configuration: configuration, logger: logger) { environment in
            try await body(UseCases(environment).keys)
        }
    }
}

/// What one-off commands (`keys`, `seed`) share: open the configured database without
/// migrating, check it is current, run, and always close.
enum OneOffCommand {
    /// Runs `body` with the environment of the configured database.
    static func withEnvironment(
        configuration: TenantryConfiguration,
        logger: Logger,
        _ body: (TenantryEnvironment) async throws -> Void
    ) async throws {
        let database = try await DatabaseBootstrap.open(configuration: configuration, migrations: .verifyOnly, logger: logger)
        // PostgreSQL's pool needs its run loop; SQLite needs nothing but a close at the end.
        let pool = (database as? PostgresDatabaseClient).map { client in Task { await client.run() } }
        func finish() async {
            pool?.cancel()
            await pool?.value
            try? await (database as? SQLiteDatabaseClient)?.close()
        }
        do {
            try await DatabaseBootstrap.verify(database)
            let environment = try TenantryEnvironment.make(configuration: configuration, database: database, logger: logger)
            try await body(environment)
            await finish()
        } catch {
            await finish()
            throw error
        }
    }
}
