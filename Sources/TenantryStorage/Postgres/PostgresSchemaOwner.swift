import Foundation
public import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit
import TenantryCore

/// Work done as the role that owns the schema: applying migrations and granting the runtime
/// role exactly the privileges it needs. The server process never keeps this connection.
public struct PostgresSchemaOwner: Sendable {
    /// Table privileges narrower than the default SELECT, INSERT, UPDATE, DELETE.
    /// `audit_events` is append-only for the runtime role; the migration record is read-only.
    static let restrictedPrivileges: [(table: String, privileges: String)] = [
        ("tenantry_migrations", "SELECT"),
        ("audit_events", "SELECT, INSERT"),
        ("platform_audit_events", "SELECT, INSERT"),
        // The chain head: the server advances the last link; only the purge function (as the
        // owner) writes the retention anchor (decision 0013).
        (
            "audit_chain_heads",
            "SELECT, INSERT (tenant_id, last_sequence, last_hash, updated_at), UPDATE (last_sequence, last_hash, updated_at)"
        ),
    ]

    /// Functions that run as the owner (`SECURITY DEFINER`) and that the runtime role alone may
    /// call: the narrow exceptions to its grants.
    static let runtimeFunctions = [
        "tenantry_purge_audit_events(uuid, timestamptz)", "tenantry_purge_tenant(uuid)",
        "tenantry_redact_audit_events(uuid, text[], text[], text[], timestamptz)",
        "tenantry_clear_tenant_data(uuid)",
        "tenantry_import_audit_chain_head(uuid, bigint, text, bigint, text, timestamptz, timestamptz)",
    ]

    let owner: DatabaseLocation.PostgresEndpoint
    let logger: Logger

    /// Creates an owner session description; nothing connects until a method runs.
    public init(owner: DatabaseLocation.PostgresEndpoint, logger: Logger) {
        self.owner = owner
        self.logger = logger
    }

    private static let migrationLockKey: Int64 = 0x7465_6E61_6E74

    /// Applies pending migrations, then (unless `dryRun`) makes sure the runtime role exists
    /// and holds exactly its privileges. Concurrent runs from several processes are safe: each
    /// migration transaction takes an advisory lock and re-checks what is applied.
    public func migrate(runtime: DatabaseLocation.PostgresEndpoint, dryRun: Bool) async throws -> MigrationReport {
        guard runtime.username != owner.username else {
            throw TenantryError(
                .unsafeDatabaseRole,
                "The runtime URL and the owner URL use the same role (\(owner.username)). The server must connect as a role that owns no table."
            )
        }
        return try await withConnection { connection in
            let target = OwnerMigrationTarget(connection: connection, logger: logger)
            let runner = MigrationRunner(
                migrations: PostgresSchema.migrations,
                createTableStatement: PostgresSchema.createMigrationsTable,
                logger: logger
            )
            let report = try await runner.run(on: target, dryRun: dryRun)
            if !dryRun {
                try await target.migrationTransaction { sql in
                    try await Self.provisionRuntimeRole(runtime, sql: sql, logger: logger)
                }
            }
            return report
        }
    }

    private func withConnection<Result: Sendable>(
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let configuration = PostgresConnection.Configuration(
            host: owner.host,
            port: owner.port,
            username: owner.username,
            password: owner.password,
            database: owner.database,
            tls: try PostgresTLS.connection(owner.tls)
        )
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw TenantryError(
                .unavailable,
                "Cannot connect to PostgreSQL as the owner role \(owner.username) at \(owner.host):\(owner.port).",
                cause: error
            )
        }
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch let error as PostgresTransactionError {
            try? await connection.close()
            throw DatabaseFailure.translate(error.closureError ?? error.beginError ?? error.commitError ?? error)
        } catch {
            try? await connection.close()
            throw DatabaseFailure.translate(error)
        }
    }

    /// Creates the runtime role when it is missing (needs CREATEROLE and the URL's password),
    /// then resets its privileges to: connect, use the schema, DML on every table except the
    /// restricted ones. Identifiers and the password are quoted by the server (`format` with
    /// `%I` and `%L`), never spliced in by hand.
    static func provisionRuntimeRole(
        _ runtime: DatabaseLocation.PostgresEndpoint,
        sql: any SQLDatabase,
        logger: Logger
    ) async throws {
        let role = runtime.username
        let exists = try await sql.raw("SELECT 1 AS present FROM pg_roles WHERE rolname = \(bind: role)").first() != nil
        if !exists {
            guard let password = runtime.password else {
                throw TenantryError(
                    .unsafeDatabaseRole,
                    "The runtime role \(role) does not exist and the runtime URL has no password to create it with."
                )
            }
            try await executeFormatted(
                "CREATE ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE",
                [role, password],
                sql: sql
            )
            logger.info("created runtime role", metadata: ["role": "\(role)"])
        }
        if let row = try await sql.raw(
            "SELECT format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), \(bind: role)::text) AS statement"
        ).first() {
            try await sql.raw(SQLQueryString(try row.decode(column: "statement", as: String.self))).run()
        }
        try await executeFormatted("GRANT USAGE ON SCHEMA public TO %I", [role], sql: sql)
        try await executeFormatted("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I", [role], sql: sql)
        try await executeFormatted(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I",
            [role],
            sql: sql
        )
        for (table, privileges) in restrictedPrivileges {
            try await executeFormatted("REVOKE ALL ON TABLE %I FROM %I", [table, role], sql: sql)
            try await executeFormatted("GRANT \(privileges) ON TABLE %I TO %I", [table, role], sql: sql)
        }
        for function in runtimeFunctions {
            try await executeFormatted("GRANT EXECUTE ON FUNCTION \(function) TO %I", [role], sql: sql)
        }
    }

    /// Has the server build a statement with `format()` from bound values, then runs it.
    private static func executeFormatted(_ template: String, _ values: [String], sql: any SQLDatabase) async throws {
        var query: SQLQueryString = "SELECT format(\(bind: template)"
        for value in values {
            query.appendLiteral(", ")
            query.appendInterpolation(bind: value)
            query.appendLiteral("::text")
        }
        query.appendLiteral(") AS statement")
        guard let row = try await sql.raw(query).first() else { return }
        let statement = try row.decode(column: "statement", as: String.self)
        try await sql.raw(SQLQueryString(statement)).run()
    }

    private struct OwnerMigrationTarget: MigrationTarget {
        let connection: PostgresConnection
        let logger: Logger

        func migrationTransaction<Result: Sendable>(
            _ body: (any SQLDatabase) async throws -> Result
        ) async throws -> Result {
            try await connection.withTransaction(logger: logger) { connection in
                let sql = connection.sql(queryLogLevel: nil)
                try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: PostgresSchemaOwner.migrationLockKey))").run()
                return try await body(sql)
            }
        }
    }
}
