import Foundation
public import Logging
import PostgresNIO
public import SQLKit
public import TenantryCore
public import TenantryStorage

/// The engines every storage and HTTP suite runs on. PostgreSQL needs the server that
/// `scripts/test` starts; without it the PostgreSQL cases fail with a message saying so,
/// unless `TENANTRY_TEST_SQLITE_ONLY=1` asks for SQLite alone.
public enum TestDatabase: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    /// The engines to run on in this process.
    public static var all: [TestDatabase] {
        ProcessInfo.processInfo.environment["TENANTRY_TEST_SQLITE_ONLY"] == "1" ? [.sqlite] : allCases
    }

    /// PostgreSQL only (for tests of PostgreSQL-specific behaviour such as row-level security).
    public static var postgresOnly: [TestDatabase] {
        all.filter { $0 == .postgres }
    }

    public var description: String { rawValue }

    /// A fresh folder for one test database's export archives (under the temporary folder;
    /// `withTestDatabase` removes it afterwards).
    public static func exportDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-exports-\(UUID().uuidString)").path
    }
}

/// Connection URLs of the throwaway PostgreSQL server started by `scripts/test`.
public struct PostgresTestServer: Sendable {
    /// Superuser.
    public let adminURL: String
    /// Owner role (CREATEDB, CREATEROLE).
    public let ownerURL: String
    /// Runtime role (no SUPERUSER, no BYPASSRLS).
    public let runtimeURL: String

    /// Reads the URLs from the environment; throws a clear error when they are missing.
    public static func fromEnvironment() throws -> PostgresTestServer {
        let environment = ProcessInfo.processInfo.environment
        guard let admin = environment["TENANTRY_TEST_POSTGRES_ADMIN_URL"],
            let owner = environment["TENANTRY_TEST_POSTGRES_OWNER_URL"],
            let runtime = environment["TENANTRY_TEST_POSTGRES_RUNTIME_URL"]
        else {
            throw TestSetupError(
                "PostgreSQL test server not configured: run ./scripts/test (or set TENANTRY_TEST_SQLITE_ONLY=1 to run SQLite only)."
            )
        }
        return PostgresTestServer(adminURL: admin, ownerURL: owner, runtimeURL: runtime)
    }

    /// `url` with its database replaced by `database` and TLS disabled (loopback).
    public static func url(_ url: String, database: String) -> String {
        var base = url
        if let query = base.firstIndex(of: "?") { base = String(base[..<query]) }
        guard let slash = base.lastIndex(of: "/") else { return url }
        return base[...slash] + database + "?sslmode=disable"
    }
}

/// A test setup problem, reported as the test's failure.
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A fresh, migrated database for one test, with its client running.
public struct TestDatabaseContext: Sendable {
    /// Which engine.
    public let kind: TestDatabase
    /// The running client (runtime role on PostgreSQL).
    public let database: any DatabaseClient
    /// A configuration pointing at this database (runtime URL, owner URL on PostgreSQL).
    public let configuration: TenantryConfiguration
    /// PostgreSQL only: the database's name.
    public let postgresDatabaseName: String?
    /// PostgreSQL only: the server's URLs.
    public let postgresServer: PostgresTestServer?

    /// Runs SQL as the PostgreSQL superuser on this test's database (setup steps a test needs
    /// to perform behind the server's back). Returns the rows.
    @discardableResult
    public func asSuperuser(_ query: SQLQueryString) async throws -> [any SQLRow] {
        guard let server = postgresServer, let name = postgresDatabaseName else {
            throw TestSetupError("asSuperuser is PostgreSQL only")
        }
        return try await PostgresTestConnection.with(url: PostgresTestServer.url(server.adminURL, database: name)) { sql in
            try await sql.raw(query).all()
        }
    }

    /// Runs SQL as the PostgreSQL superuser on the server's maintenance database `postgres`
    /// (for statements about this test's database itself, e.g. refusing connections to it).
    @discardableResult
    public func onServerAsSuperuser(_ query: SQLQueryString) async throws -> [any SQLRow] {
        guard let server = postgresServer else { throw TestSetupError("onServerAsSuperuser is PostgreSQL only") }
        return try await PostgresTestConnection.with(url: PostgresTestServer.url(server.adminURL, database: "postgres")) { sql in
            try await sql.raw(query).all()
        }
    }

    /// Runs SQL as the PostgreSQL owner role on this test's database.
    @discardableResult
    public func asOwner(_ query: SQLQueryString) async throws -> [any SQLRow] {
        guard let server = postgresServer, let name = postgresDatabaseName else {
            throw TestSetupError("asOwner is PostgreSQL only")
        }
        return try await PostgresTestConnection.with(url: PostgresTestServer.url(server.ownerURL, database: name)) { sql in
            try await sql.raw(query).all()
        }
    }
}

/// Creates a fresh database of `kind`, migrates it, runs the client while `body` runs, then
/// tears everything down (dropping the PostgreSQL database, closing SQLite).
public func withTestDatabase<Value: Sendable>(
    _ kind: TestDatabase,
    _ body: (TestDatabaseContext) async throws -> Value
) async throws -> Value {
    let logger = TestLogging.logger
    switch kind {
    case .sqlite:
        var configuration = TenantryConfiguration(
            databaseURL: "sqlite::memory:",
            masterKey: MasterKey.generateBase64(),
            passwordHashIterations: 1_000,
            // Every request of a router test comes from one unknown address; the rate limit
            // tests lower this again.
            clientIPRequestsPerMinute: 100_000
        )
        configuration.exportDirectory = TestDatabase.exportDirectory()
        let exports = configuration.exportDirectory
        defer { try? FileManager.default.removeItem(atPath: exports) }
        let client = try await SQLiteDatabaseClient.open(.memory, logger: logger)
        do {
            _ = try await client.migrate()
            let result = try await body(
                TestDatabaseContext(
                    kind: .sqlite,
                    database: client,
                    configuration: configuration,
                    postgresDatabaseName: nil,
                    postgresServer: nil
                )
            )
            try await client.close()
            return result
        } catch {
            try? await client.close()
            throw error
        }
    case .postgres:
        // A test that already holds a slot (one database inside another's test) takes no second.
        if PostgresTestSlots.holding { return try await withPostgresDatabase(logger: logger, body) }
        await PostgresTestSlots.shared.acquire()
        do {
            let value = try await PostgresTestSlots.$holding.withValue(true) {
                try await withPostgresDatabase(logger: logger, body)
            }
            await PostgresTestSlots.shared.release()
            return value
        } catch {
            await PostgresTestSlots.shared.release()
            throw error
        }
    }
}

/// How many PostgreSQL test databases exist at once. Tests run in parallel without bound, and
/// each database brings a pool of up to 8 connections: without a bound, a full run can pass the
/// server's `max_connections` (400 in scripts/lib/throwaway-postgres.sh) and its tests fail to
/// connect. `TENANTRY_TEST_POSTGRES_DATABASES` changes the bound (default 24).
actor PostgresTestSlots {
    static let shared = PostgresTestSlots(
        limit: ProcessInfo.processInfo.environment["TENANTRY_TEST_POSTGRES_DATABASES"].flatMap(Int.init) ?? 24)

    /// Whether the current task already holds a slot.
    @TaskLocal static var holding = false

    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        available = max(1, limit)
    }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}

/// A fresh, migrated PostgreSQL database with its client, for `body`.
private func withPostgresDatabase<Value: Sendable>(
    logger: Logger, _ body: (TestDatabaseContext) async throws -> Value
) async throws -> Value {
    let server = try PostgresTestServer.fromEnvironment()
    let name = "tenantry_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try await PostgresTestConnection.with(url: PostgresTestServer.url(server.ownerURL, database: "postgres")) { sql in
        try await sql.raw("CREATE DATABASE \(ident: name)").run()
    }
    var configuration = TenantryConfiguration(
        databaseURL: PostgresTestServer.url(server.runtimeURL, database: name),
        databaseOwnerURL: PostgresTestServer.url(server.ownerURL, database: name),
        databasePoolSize: 8,
        masterKey: MasterKey.generateBase64(),
        passwordHashIterations: 1_000,
        // Every request of a router test comes from one unknown address; the rate limit
        // tests lower this again.
        clientIPRequestsPerMinute: 100_000
    )
    configuration.exportDirectory = TestDatabase.exportDirectory()
    let exports = configuration.exportDirectory
    defer { try? FileManager.default.removeItem(atPath: exports) }
    do {
        _ = try await MigrationCommand.run(configuration: configuration, dryRun: false, logger: logger)
        guard case .postgres(let endpoint) = try DatabaseLocation(url: configuration.databaseURL) else {
            throw TestSetupError("expected a PostgreSQL URL")
        }
        let client = PostgresDatabaseClient(endpoint: endpoint, poolSize: 8, logger: logger)
        let running = Task { await client.run() }
        try await Task.sleep(for: .milliseconds(20))
        let outcome: Result<Value, any Error>
        do {
            outcome = .success(
                try await body(
                    TestDatabaseContext(
                        kind: .postgres,
                        database: client,
                        configuration: configuration,
                        postgresDatabaseName: name,
                        postgresServer: server
                    )
                )
            )
        } catch {
            outcome = .failure(error)
        }
        running.cancel()
        await running.value
        try await dropDatabase(name, server: server)
        return try outcome.get()
    } catch {
        try? await dropDatabase(name, server: server)
        throw error
    }
}

private func dropDatabase(_ name: String, server: PostgresTestServer) async throws {
    try await PostgresTestConnection.with(url: PostgresTestServer.url(server.adminURL, database: "postgres")) { sql in
        try await sql.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run()
    }
}

/// One direct PostgreSQL connection for test setup.
public enum PostgresTestConnection {
    /// Connects to `url`, runs `body`, closes.
    public static func with<Result: Sendable>(
        url: String,
        _ body: (any SQLDatabase) async throws -> Result
    ) async throws -> Result {
        guard case .postgres(let endpoint) = try DatabaseLocation(url: url) else {
            throw TestSetupError("not a PostgreSQL URL")
        }
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: endpoint.host,
                port: endpoint.port,
                username: endpoint.username,
                password: endpoint.password,
                database: endpoint.database,
                tls: .disable
            ),
            id: 1,
            logger: TestLogging.logger
        )
        do {
            let result = try await body(connection.sql(queryLogLevel: nil))
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// A quiet logger for tests (warnings and above).
public enum TestLogging {
    public static var logger: Logger {
        var logger = Logger(label: "tenantry.test")
        logger.logLevel = .warning
        return logger
    }
}
