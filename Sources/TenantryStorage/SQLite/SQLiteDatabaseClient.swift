import Foundation
public import Logging
import SQLKit
import SQLiteKit
import SQLiteNIO
import ServiceLifecycle
import Synchronization
public import TenantryCore

/// The embedded engine: one SQLite connection in WAL mode, with every transaction serialized
/// through an async lock (one writer at a time, and no interleaving of two transactions on the
/// one connection). Closed when the service group shuts down, or by ``close()``.
public final class SQLiteDatabaseClient: DatabaseClient {
    public let location: DatabaseLocation
    public var engine: DatabaseEngine { .sqlite }

    private let connection: SQLiteConnection
    private let lock = AsyncLock()
    private let closed = Mutex(false)
    private let logger: Logger
    public let pool = DatabasePoolActivity()
    private let tracing = Traces.enabled

    private init(location: DatabaseLocation, connection: SQLiteConnection, logger: Logger) {
        self.location = location
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating when needed) the database at `storage`.
    public static func open(_ storage: DatabaseLocation.SQLiteStorage, logger: Logger) async throws -> SQLiteDatabaseClient {
        let connection: SQLiteConnection
        switch storage {
        case .memory:
            connection = try await SQLiteConnection.open(storage: .memory, logger: logger)
        case .file(let path):
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw TenantryError(
                    .unavailable,
                    "Cannot create the folder \(directory.path) for the SQLite database.",
                    cause: error
                )
            }
            do {
                connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            } catch {
                throw TenantryError(.unavailable, "Cannot open the SQLite database at \(path).", cause: error)
            }
        }
        let client = SQLiteDatabaseClient(location: .sqlite(storage), connection: connection, logger: logger)
        do {
            let sql = client.sql
            if case .file = storage {
                try await sql.raw("PRAGMA journal_mode = WAL").run()
            }
            try await sql.raw("PRAGMA foreign_keys = ON").run()
            try await sql.raw("PRAGMA busy_timeout = 5000").run()
            // FULL: a committed transaction survives a power loss, not only a process crash.
            try await sql.raw("PRAGMA synchronous = FULL").run()
        } catch {
            try? await client.close()
            throw DatabaseFailure.translate(error)
        }
        return client
    }

    private var sql: any SQLDatabase {
        connection.sql(queryLogLevel: nil)
    }

    /// Closes the connection; later calls do nothing.
    public func close() async throws {
        let wasClosed = closed.withLock { closed in
            defer { closed = true }
            return closed
        }
        guard !wasClosed else { return }
        // Wait for a running transaction to finish before closing under it; a separate task, so
        // that a cancelled caller still closes (SQLiteNIO requires it).
        let lock = self.lock
        let connection = self.connection
        try await Task {
            try await lock.withLock {
                try await connection.close()
            }
        }.value
    }

    /// Waits for graceful shutdown, then closes the connection.
    public func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    /// Runs `body` holding the connection's lock, counted in ``pool`` as a held connection; with
    /// tracing on, in a client span named after `operation`.
    private func holdingConnection<Result: Sendable>(
        _ operation: String, _ body: () async throws -> Result
    ) async throws -> Result {
        guard tracing else { return try await held(body) }
        return try await DatabaseTracing.span(operation, system: "sqlite") { try await held(body) }
    }

    private func held<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        var wait = pool.beginWait()
        defer { pool.end(wait) }
        return try await lock.withLock {
            pool.acquired(&wait)
            return try await body()
        }
    }

    /// Runs `body` inside one `BEGIN IMMEDIATE` transaction while holding the lock.
    func transaction<Result: Sendable>(
        _ operation: String = "migrate", _ body: (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await holdingConnection(operation) {
            let sql = self.sql
            do {
                try await sql.raw("BEGIN IMMEDIATE").run()
            } catch {
                throw DatabaseFailure.translate(error)
            }
            do {
                let result = try await body(sql)
                try await sql.raw("COMMIT").run()
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw DatabaseFailure.translate(error)
            }
        }
    }

    public func withTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (TenantScope) async throws -> Result
    ) async throws -> Result {
        try await transaction("withTenant") { sql in try await body(TenantScope(tenantID: tenantID, sql: sql)) }
    }

    public func withPlatform<Result: Sendable>(_ body: (PlatformScope) async throws -> Result) async throws -> Result {
        try await transaction("withPlatform") { sql in try await body(PlatformScope(sql: sql)) }
    }

    public func withGlobal<Result: Sendable>(_ body: (GlobalScope) async throws -> Result) async throws -> Result {
        try await transaction("withGlobal") { sql in try await body(GlobalScope(sql: sql)) }
    }

    public func readTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (TenantReadScope) async throws -> Result
    ) async throws -> Result {
        try await holdingConnection("readTenant") {
            do {
                return try await body(TenantReadScope(tenantID: tenantID, backend: .sql(sql)))
            } catch {
                throw DatabaseFailure.translate(error)
            }
        }
    }

    public func readGlobal<Result: Sendable>(_ body: (GlobalScope) async throws -> Result) async throws -> Result {
        try await holdingConnection("readGlobal") {
            do {
                return try await body(GlobalScope(sql: sql))
            } catch {
                throw DatabaseFailure.translate(error)
            }
        }
    }

    public func checkReadiness() async throws {
        try await holdingConnection("checkReadiness") {
            do {
                _ = try await sql.raw("SELECT count(*) AS n FROM tenantry_migrations").first()
            } catch {
                throw DatabaseFailure.translate(error)
            }
        }
    }

    public func appliedMigrations() async throws -> [AppliedMigration] {
        try await transaction("appliedMigrations") { sql in try await MigrationRunner.readApplied(sql) }
    }

    /// Applies pending migrations (or lists them, with `dryRun`).
    public func migrate(dryRun: Bool = false) async throws -> MigrationReport {
        let runner = MigrationRunner(
            migrations: SQLiteSchema.migrations,
            createTableStatement: SQLiteSchema.createMigrationsTable,
            logger: logger
        )
        return try await runner.run(on: SQLiteMigrationTarget(client: self), dryRun: dryRun)
    }
}

private struct SQLiteMigrationTarget: MigrationTarget {
    let client: SQLiteDatabaseClient

    func migrationTransaction<Result: Sendable>(_ body: (any SQLDatabase) async throws -> Result) async throws -> Result {
        try await client.transaction("migrate", body)
    }
}
