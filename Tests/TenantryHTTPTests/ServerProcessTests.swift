import Foundation
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// The real `tenantry` binary, started as a process: start-up, signals, refusals.
@Suite("tenantry process")
struct ServerProcessTests {
    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("serve with no database configured creates .tenantry/tenantry.db, becomes ready, and exits 0 on SIGTERM")
    func defaultSQLite() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServerProcess(arguments: ["serve", "--port", "0"], directory: directory)
        defer { server.stop() }
        let port = try await server.waitForListeningPort()
        let ready = try await LoopbackHTTP.request(port: port, path: "/health/ready")
        #expect(ready.status == 200)
        #expect(ready.body.contains("sqlite"))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(".tenantry/tenantry.db").path))
        let startLines = server.lines.filter { $0.contains("tenantry listening on") }
        #expect(startLines.count == 1)
        #expect(startLines.first?.contains("sqlite:.tenantry/tenantry.db") == true)
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(20)) == 0)
        // Every log line is one JSON object (stdout is not a terminal).
        for line in server.lines where !line.isEmpty {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any], "not JSON: \(line)")
        }
    }

    @Test("SIGTERM during a slow request lets it finish before the process exits", arguments: TestDatabase.postgresOnly)
    func gracefulShutdown(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let server = try ServerProcess(
                arguments: ["serve", "--port", "0", "--readiness-timeout", "20", "--shutdown-timeout", "30"],
                environment: [
                    "TENANTRY_DATABASE_URL": context.configuration.databaseURL,
                    "TENANTRY_DATABASE_OWNER_URL": context.configuration.databaseOwnerURL ?? "",
                    "TENANTRY_MASTER_KEY": context.configuration.masterKey ?? "",
                ]
            )
            defer { server.stop() }
            let port = try await server.waitForListeningPort()
            #expect(try await LoopbackHTTP.request(port: port, path: "/health/ready").status == 200)

            let server_ = server
            let ownerURL = try #require(context.configuration.databaseOwnerURL)
            try await PostgresTestConnection.with(url: ownerURL) { sql in
                // Hold a lock the readiness query must wait for: the request becomes slow.
                try await sql.raw("BEGIN").run()
                try await sql.raw("LOCK TABLE tenantry_migrations IN ACCESS EXCLUSIVE MODE").run()
                let slowRequest = Task { try await LoopbackHTTP.request(port: port, path: "/health/ready") }
                try await Task.sleep(for: .milliseconds(700))
                server_.signal(SIGTERM)
                try await Task.sleep(for: .milliseconds(1500))
                #expect(server_.isRunning, "the process exited while a request was in flight")
                try await sql.raw("COMMIT").run()
                let response = try await slowRequest.value
                #expect(response.status == 200)
            }
            #expect(try await server.waitForExit(timeout: .seconds(20)) == 0)
        }
    }

    @Test("on SIGTERM serve writes the usage it counted in memory before it exits")
    func usageWrittenAtShutdown() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("t.db").path
        // A flush interval far longer than the test: only the shutdown flush can write the counts.
        let environment = [
            "TENANTRY_DATABASE_URL": "sqlite:" + path, "TENANTRY_PASSWORD_HASH_ITERATIONS": "1000",
            "TENANTRY_USAGE_FLUSH_INTERVAL": "300",
        ]
        let migrate = try ServerProcess(arguments: ["migrate"], environment: environment)
        #expect(try await migrate.waitForExit(timeout: .seconds(60)) == 0)
        let seed = try ServerProcess(arguments: ["seed", "demo"], environment: environment)
        #expect(try await seed.waitForExit(timeout: .seconds(60)) == 0, "\(seed.lines)")
        let keyLine = try #require(seed.lines.first { $0.contains("API key") })
        let key = try #require(keyLine.split(separator: " ").last.map(String.init))

        let server = try ServerProcess(arguments: ["serve", "--port", "0"], environment: environment)
        defer { server.stop() }
        let port = try await server.waitForListeningPort()
        for _ in 0..<3 {
            let response = try await LoopbackHTTP.request(port: port, path: "/api/v1/members", headers: ["X-API-Key": key])
            #expect(response.status == 200, "\(response.body)")
        }
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(30)) == 0)

        let client = try await SQLiteDatabaseClient.open(.file(path: path), logger: TestLogging.logger)
        let total = try await client.withPlatform { scope in
            try await scope.usageAcrossTenants.totals(from: UsageDay(Date()).adding(days: -1), to: UsageDay(Date()))
        }
        try await client.close()
        #expect(total.counts.apiRequests == 3)
    }

    @Test("on SIGTERM readiness answers 503 at once while the listener stays open for the shutdown delay")
    func readinessTurnsAtShutdown() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = [
            "TENANTRY_DATABASE_URL": "sqlite:" + directory.appendingPathComponent("t.db").path,
            // Long enough that the checks below finish inside it on a loaded CI machine.
            "TENANTRY_SHUTDOWN_DELAY": "8",
        ]
        let server = try ServerProcess(arguments: ["serve", "--port", "0"], environment: environment)
        defer { server.stop() }
        let port = try await server.waitForListeningPort()
        #expect(try await LoopbackHTTP.request(port: port, path: "/health/ready").status == 200)
        let signalled = ContinuousClock.now
        server.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        let ready = try await LoopbackHTTP.request(port: port, path: "/health/ready")
        #expect(ready.status == 503, "\(ready.body)")
        #expect(ready.body.contains("shutting down"))
        // Still listening: the balancer's next check sees the 503, nothing is refused yet.
        #expect(try await LoopbackHTTP.request(port: port, path: "/health/live").status == 200)
        #expect(ContinuousClock.now - signalled < .seconds(8), "the checks outlasted the delay")
        #expect(try await server.waitForExit(timeout: .seconds(30)) == 0)
        #expect(ContinuousClock.now - signalled >= .seconds(8))
    }

    @Test("serve --no-workers leaves jobs queued; tenantry worker runs them without a listener and exits 0 on SIGTERM")
    func workerProcess() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("t.db").path
        let environment = ["TENANTRY_DATABASE_URL": "sqlite:" + path, "TENANTRY_PASSWORD_HASH_ITERATIONS": "1000"]
        let server = try ServerProcess(arguments: ["serve", "--port", "0", "--no-workers"], environment: environment)
        defer { server.stop() }
        let port = try await server.waitForListeningPort()
        let registered = try await LoopbackHTTP.request(
            "POST", port: port, path: "/api/v1/auth/register",
            json: #"{"email":"owner@example.com","password":"correct horse battery staple","name":"O","tenant_name":"Acme"}"#)
        #expect(registered.status == 201, "\(registered.body)")

        func emailJobs() async throws -> [String] {
            let client = try await SQLiteDatabaseClient.open(.file(path: path), logger: TestLogging.logger)
            let statuses = try await client.withPlatform { scope in
                try await scope.sql.raw("SELECT status FROM jobs WHERE queue = 'email'").all()
                    .map { try $0.decode(column: "status", as: String.self) }
            }
            try await client.close()
            return statuses
        }
        try await Task.sleep(for: .seconds(2))
        #expect(try await emailJobs() == ["pending"], "an HTTP-only node ran a job")

        let worker = try ServerProcess(arguments: ["worker"], environment: environment)
        defer { worker.stop() }
        let deadline = ContinuousClock.now + .seconds(30)
        var statuses = try await emailJobs()
        while statuses != ["done"], ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            statuses = try await emailJobs()
        }
        #expect(statuses == ["done"], "\(worker.lines)")
        #expect(worker.lines.contains { $0.contains("tenantry worker running") })
        #expect(!worker.lines.contains { $0.contains("listening on") })
        worker.signal(SIGTERM)
        #expect(try await worker.waitForExit(timeout: .seconds(30)) == 0, "\(worker.lines)")
        server.signal(SIGTERM)
        #expect(try await server.waitForExit(timeout: .seconds(30)) == 0)
    }

    @Test("migrate --dry-run lists pending migrations, migrate applies them once")
    func migrateCommand() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = "sqlite:" + directory.appendingPathComponent("data/t.db").path
        let environment = ["TENANTRY_DATABASE_URL": url, "TENANTRY_LOG_LEVEL": "warning"]

        let dryRun = try ServerProcess(arguments: ["migrate", "--dry-run"], environment: environment)
        #expect(try await dryRun.waitForExit(timeout: .seconds(30)) == 0)
        #expect(dryRun.lines.contains { $0.contains("pending: 1 initial_schema") })

        let apply = try ServerProcess(arguments: ["migrate"], environment: environment)
        #expect(try await apply.waitForExit(timeout: .seconds(30)) == 0)
        #expect(apply.lines.contains { $0.contains("applied: 1 initial_schema") })

        let again = try ServerProcess(arguments: ["migrate"], environment: environment)
        #expect(try await again.waitForExit(timeout: .seconds(30)) == 0)
        #expect(again.lines.contains { $0.contains("0 applied") })
    }

    @Test("serve refuses to start when an applied migration was changed")
    func refusesChangedMigration() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("t.db").path
        let client = try await SQLiteDatabaseClient.open(.file(path: path), logger: TestLogging.logger)
        _ = try await client.migrate()
        try await client.withPlatform { scope in
            try await scope.sql.raw("UPDATE tenantry_migrations SET checksum = 'edited'").run()
        }
        try await client.close()

        let server = try ServerProcess(arguments: ["serve", "--port", "0", "--database-url", "sqlite:\(path)"])
        defer { server.stop() }
        let status = try await server.waitForExit(timeout: .seconds(60))
        #expect(status != nil && status != 0, "output: \(server.lines)")
        #expect(server.lines.contains { $0.contains("migration_checksum_mismatch") })
        #expect(!server.lines.contains { $0.contains("tenantry listening on") })
    }

    @Test("serve refuses a PostgreSQL runtime role that could bypass row-level security", arguments: TestDatabase.postgresOnly)
    func refusesUnsafeRole(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let server = try #require(context.postgresServer)
            let name = try #require(context.postgresDatabaseName)
            let process = try ServerProcess(
                arguments: ["serve", "--port", "0", "--no-migrate-on-start"],
                environment: [
                    "TENANTRY_DATABASE_URL": PostgresTestServer.url(server.adminURL, database: name),
                    "TENANTRY_MASTER_KEY": context.configuration.masterKey ?? "",
                ]
            )
            defer { process.stop() }
            let status = try await process.waitForExit(timeout: .seconds(60))
            #expect(status != nil && status != 0, "output: \(process.lines)")
            #expect(process.lines.contains { $0.contains("unsafe_database_role") && $0.contains("superuser") })
        }
    }

    @Test("serve on PostgreSQL without an owner URL refuses pending migrations", arguments: TestDatabase.postgresOnly)
    func refusesPendingWithoutOwner(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            try await context.asOwner("DELETE FROM tenantry_migrations")
            let process = try ServerProcess(
                arguments: ["serve", "--port", "0"],
                environment: [
                    "TENANTRY_DATABASE_URL": context.configuration.databaseURL,
                    "TENANTRY_MASTER_KEY": context.configuration.masterKey ?? "",
                ]
            )
            defer { process.stop() }
            let status = try await process.waitForExit(timeout: .seconds(60))
            #expect(status != nil && status != 0, "output: \(process.lines)")
            #expect(process.lines.contains { $0.contains("migrations_pending") })
        }
    }

    @Test("an invalid setting ends the process with exit code 64 and names the setting")
    func invalidConfiguration() async throws {
        let process = try ServerProcess(
            arguments: ["serve"], environment: ["TENANTRY_PORT": "seventy", "TENANTRY_LOG_FORMAT": "xml"])
        #expect(try await process.waitForExit(timeout: .seconds(30)) == 64)
        #expect(process.lines.contains { $0.contains("TENANTRY_PORT") })
        #expect(process.lines.contains { $0.contains("TENANTRY_LOG_FORMAT") })
    }

    @Test("version prints the version")
    func version() async throws {
        let process = try ServerProcess(arguments: ["version"])
        #expect(try await process.waitForExit(timeout: .seconds(30)) == 0)
        #expect(process.lines.contains { $0.hasPrefix("tenantry ") })
    }
}

@Suite("tenantry keys")
struct KeysCommandTests {
    @Test("keys rotate publishes a new key that signs after the overlap; keys list shows both")
    func rotate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = [
            "TENANTRY_DATABASE_URL": "sqlite:" + directory.appendingPathComponent("t.db").path, "TENANTRY_LOG_LEVEL": "warning",
        ]
        let migrate = try ServerProcess(arguments: ["migrate"], environment: environment)
        #expect(try await migrate.waitForExit(timeout: .seconds(30)) == 0)

        let listBefore = try ServerProcess(arguments: ["keys", "list"], environment: environment)
        #expect(try await listBefore.waitForExit(timeout: .seconds(30)) == 0)
        #expect(listBefore.lines.filter { $0.contains("signing") }.count == 1)

        let rotate = try ServerProcess(arguments: ["keys", "rotate"], environment: environment)
        #expect(try await rotate.waitForExit(timeout: .seconds(30)) == 0)
        let added = try #require(rotate.lines.first { $0.hasPrefix("added ") })
        #expect(added.contains("published now, signs from"))
        let kid = String(added.dropFirst("added ".count).prefix { $0 != ";" })

        let listAfter = try ServerProcess(arguments: ["keys", "list"], environment: environment)
        #expect(try await listAfter.waitForExit(timeout: .seconds(30)) == 0)
        #expect(listAfter.lines.filter { $0.contains("signing") && !$0.contains("signs from") }.count == 1)
        #expect(listAfter.lines.contains { $0.hasPrefix(kid) && $0.contains("published, signs from") })
        // The key is encrypted at rest with the master key kept beside the database.
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("master.key").path))
    }
}

@Suite("tenantry admin")
struct AdminCommandTests {
    @Test("admin create makes an operator with a generated password shown once, then promotes instead of recreating")
    func create() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-admin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let environment = [
            "TENANTRY_DATABASE_URL": "sqlite:" + directory.appendingPathComponent("t.db").path, "TENANTRY_LOG_LEVEL": "warning",
            "TENANTRY_PASSWORD_HASH_ITERATIONS": "1000",
        ]
        let migrate = try ServerProcess(arguments: ["migrate"], environment: environment)
        #expect(try await migrate.waitForExit(timeout: .seconds(30)) == 0)
        let create = try ServerProcess(arguments: ["admin", "create", "--email", "root@example.com"], environment: environment)
        #expect(try await create.waitForExit(timeout: .seconds(30)) == 0)
        #expect(create.lines.contains { $0.hasPrefix("Created root@example.com as super_admin") }, "\(create.lines)")
        #expect(create.lines.contains { $0.hasPrefix("Password, shown only now: op-") })
        let again = try ServerProcess(
            arguments: ["admin", "create", "--email", "root@example.com", "--role", "support"], environment: environment)
        #expect(try await again.waitForExit(timeout: .seconds(30)) == 0)
        #expect(again.lines.contains { $0.hasPrefix("Promoted root@example.com as support") }, "\(again.lines)")
        #expect(!again.lines.contains { $0.contains("Password") })
        let bad = try ServerProcess(arguments: ["admin", "create", "--email", "not-an-email"], environment: environment)
        #expect(try await bad.waitForExit(timeout: .seconds(30)) == 64)
    }
}
