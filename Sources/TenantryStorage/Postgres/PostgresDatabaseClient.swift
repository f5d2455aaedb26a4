import Foundation
public import Logging
import NIOSSL
import PostgresKit
import PostgresNIO
public import SQLKit
public import TenantryCore
import Tracing

/// The production engine: a pool of connections as the runtime role (which owns no table and
/// cannot bypass row-level security). ``withTenant(_:_:)`` sets `app.tenant_id` for the length
/// of one transaction, so the database itself shows only that tenant's rows.
public final class PostgresDatabaseClient: DatabaseClient, NoticeListener {
    public let location: DatabaseLocation
    public var engine: DatabaseEngine { .postgres }

    private let client: PostgresClient
    private let logger: Logger
    public let pool = DatabasePoolActivity()
    private let tracing = Traces.enabled

    /// Creates the pool; connections open lazily once ``run()`` is running.
    public init(endpoint: DatabaseLocation.PostgresEndpoint, poolSize: Int, logger: Logger) {
        var configuration = PostgresClient.Configuration(
            host: endpoint.host,
            port: endpoint.port,
            username: endpoint.username,
            password: endpoint.password,
            database: endpoint.database,
            tls: PostgresTLS.client(endpoint.tls)
        )
        configuration.options.maximumConnections = poolSize
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "tenantry")]
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.location = .postgres(endpoint)
        self.logger = logger
    }

    /// Runs `body` on a pooled connection, counted in ``pool`` (the notice listeners' long-held
    /// connections are not); with tracing on, in a client span named after `operation`.
    private func withPooledConnection<Result: Sendable>(
        _ operation: String, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        guard tracing else { return try await pooled(body) }
        return try await DatabaseTracing.span(operation, system: "postgresql") { try await pooled(body) }
    }

    private func pooled<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        var wait = pool.beginWait()
        defer { pool.end(wait) }
        return try await client.withConnection { connection in
            pool.acquired(&wait)
            return try await body(connection)
        }
    }

    /// Runs the pool until graceful shutdown.
    public func run() async {
        await client.run()
    }

    private func transaction<Result: Sendable>(
        _ operation: String,
        settings: [(String, String)],
        _ body: (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        do {
            return try await withPooledConnection(operation) { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    let sql = connection.sql(queryLogLevel: nil)
                    for (name, value) in settings {
                        try await sql.raw("SELECT set_config(\(bind: name), \(bind: value), true)").run()
                    }
                    return try await body(sql)
                }
            }
        } catch let error as PostgresTransactionError {
            if let closureError = error.closureError {
                throw DatabaseFailure.translate(closureError)
            }
            throw DatabaseFailure.translate(error.beginError ?? error.commitError ?? error)
        } catch {
            throw DatabaseFailure.translate(error)
        }
    }

    public func withTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (TenantScope) async throws -> Result
    ) async throws -> Result {
        try await transaction("withTenant", settings: [("app.tenant_id", tenantID.description)]) { sql in
            try await body(TenantScope(tenantID: tenantID, sql: sql))
        }
    }

    public func readTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (TenantReadScope) async throws -> Result
    ) async throws -> Result {
        do {
            return try await withPooledConnection("readTenant") { connection in
                try await body(TenantReadScope(tenantID: tenantID, backend: .postgres(connection, logger)))
            }
        } catch {
            throw DatabaseFailure.translate(error)
        }
    }

    public func withPlatform<Result: Sendable>(_ body: (PlatformScope) async throws -> Result) async throws -> Result {
        try await transaction("withPlatform", settings: [("app.scope", "platform")]) { sql in
            try await body(PlatformScope(sql: sql))
        }
    }

    public func withGlobal<Result: Sendable>(_ body: (GlobalScope) async throws -> Result) async throws -> Result {
        try await transaction("withGlobal", settings: []) { sql in
            try await body(GlobalScope(sql: sql))
        }
    }

    public func readGlobal<Result: Sendable>(_ body: (GlobalScope) async throws -> Result) async throws -> Result {
        do {
            return try await withPooledConnection("readGlobal") { connection in
                try await body(GlobalScope(sql: connection.sql(queryLogLevel: nil)))
            }
        } catch {
            throw DatabaseFailure.translate(error)
        }
    }

    /// Runs `body` on one pooled connection outside any tenant or platform scope. Tests use it
    /// to prove what the runtime role sees with no scope set.
    public func withUnscopedConnection<Result: Sendable>(
        _ body: (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        try await withPooledConnection("unscoped") { connection in
            try await body(connection.sql(queryLogLevel: nil))
        }
    }

    /// Listens on `channel` until the task is cancelled, calling `handler` with each payload.
    /// After a lost connection it reconnects (with back-off). Each time listening starts, the
    /// first time included, it calls `onReconnect` before any payload, since notices sent
    /// before then (while disconnected, or before the first connection) were missed.
    public func listen(
        to channel: NoticeChannel,
        onReconnect: @Sendable () -> Void,
        handler: @Sendable (String) -> Void
    ) async {
        await listen(channel: channel.rawValue, onReconnect: onReconnect, handler: handler)
    }

    /// Listens on a channel by name (see ``listen(to:onReconnect:handler:)``).
    public func listen(
        channel: String,
        onReconnect: @Sendable () -> Void,
        handler: @Sendable (String) -> Void
    ) async {
        var delay: Duration = .milliseconds(100)
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        onReconnect()
                        delay = .milliseconds(100)
                        for try await notification in notifications {
                            handler(notification.payload)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning(
                    "notification listener lost its connection; reconnecting",
                    metadata: ErrorDiagnostics.metadata(for: error).merging(["channel": "\(channel)"]) { $1 }
                )
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    public func checkReadiness() async throws {
        do {
            try await withPooledConnection("checkReadiness") { connection in
                _ = try await connection.sql(queryLogLevel: nil)
                    .raw("SELECT count(*) AS n FROM tenantry_migrations").first()
            }
        } catch {
            throw DatabaseFailure.translate(error)
        }
    }

    public func appliedMigrations() async throws -> [AppliedMigration] {
        do {
            return try await withPooledConnection("appliedMigrations") { connection in
                try await MigrationRunner.readApplied(connection.sql(queryLogLevel: nil))
            }
        } catch {
            throw DatabaseFailure.translate(error)
        }
    }

    /// Refuses a runtime role that could defeat row-level security: a superuser, a role with
    /// BYPASSRLS, or one that owns (or inherits the owner of) any table in the schema.
    public func verifyRuntimeRole() async throws {
        let row = try await withPooledConnection("verifyRuntimeRole") { connection in
            try await connection.sql(queryLogLevel: nil).raw(
                """
                SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypass,
                    (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
                        AND pg_has_role(current_user, c.relowner, 'USAGE')) AS owned
                FROM pg_roles r WHERE r.rolname = current_user
                """
            ).first()
        }
        guard let row else {
            throw TenantryError(.unsafeDatabaseRole, "Cannot read the runtime role's attributes.")
        }
        let name = try row.decode(column: "name", as: String.self)
        if try row.decode(column: "superuser", as: Bool.self) {
            throw TenantryError(
                .unsafeDatabaseRole,
                "The runtime role \(name) is a superuser, which bypasses row-level security. Connect as a role without SUPERUSER (see README: PostgreSQL roles)."
            )
        }
        if try row.decode(column: "bypass", as: Bool.self) {
            throw TenantryError(
                .unsafeDatabaseRole,
                "The runtime role \(name) has BYPASSRLS. Connect as a role without it (see README: PostgreSQL roles)."
            )
        }
        if try row.decode(column: "owned", as: Int.self) > 0 {
            throw TenantryError(
                .unsafeDatabaseRole,
                "The runtime role \(name) owns tables (directly or through role membership); table owners can switch row-level security off. Use a separate owner role for migrations (see README: PostgreSQL roles)."
            )
        }
    }
}

/// TLS settings for the PostgreSQL driver.
enum PostgresTLS {
    static func client(_ mode: DatabaseLocation.PostgresEndpoint.TLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    static func connection(_ mode: DatabaseLocation.PostgresEndpoint.TLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
    }
}
