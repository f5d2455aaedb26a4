import Foundation
import TenantryCore
import TenantryTestSupport
import Testing

/// Webhook delivery across real `tenantry serve` processes: killed mid-delivery, and several
/// processes delivering from one database.
@Suite("Webhook delivery across processes")
struct WebhookProcessTests {
    /// What every process of a test shares: the database, the master key, loopback allowed,
    /// a short delivery timeout (the claim then lasts 3 + 5 seconds).
    static func environment(_ context: TestDatabaseContext, directory: URL) -> [String: String] {
        var environment = [
            "TENANTRY_DATABASE_URL": context.configuration.databaseURL,
            "TENANTRY_MASTER_KEY": context.configuration.masterKey ?? "",
            "TENANTRY_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
            "TENANTRY_WEBHOOK_ALLOW_HTTP": "on",
            "TENANTRY_WEBHOOK_TIMEOUT": "3",
            "TENANTRY_PASSWORD_HASH_ITERATIONS": "1000",
            "TENANTRY_RATE_LIMITS": "off",
        ]
        if let owner = context.configuration.databaseOwnerURL { environment["TENANTRY_DATABASE_OWNER_URL"] = owner }
        // Processes share a SQLite database through a file.
        if context.kind == .sqlite {
            environment["TENANTRY_DATABASE_URL"] = "sqlite:" + directory.appendingPathComponent("webhooks.db").path
        }
        return environment
    }

    /// Registers a tenant on the process at `port` and gives it an endpoint for `tenant.updated`
    /// at `url`; returns the access token.
    static func tenantWithEndpoint(port: Int, url: String) async throws -> String {
        let email = "owner-\(UUID().uuidString.prefix(8))@example.com"
        let registered = try await LoopbackHTTP.request(
            "POST", port: port, path: "/api/v1/auth/register",
            json: #"{"email":"\#(email)","password":"correct horse battery staple","name":"Owner","tenant_name":"Acme"}"#)
        #expect(registered.status == 201, "\(registered.body)")
        let object = try JSONSerialization.jsonObject(with: Data(registered.body.utf8)) as? [String: Any]
        let token = try #require((object?["tokens"] as? [String: Any])?["access_token"] as? String)
        let endpoint = try await LoopbackHTTP.request(
            "POST", port: port, path: "/api/v1/webhook-endpoints", headers: ["Authorization": "Bearer \(token)"],
            json: #"{"url":"\#(url)","event_types":["tenant.updated"]}"#)
        #expect(endpoint.status == 201, "\(endpoint.body)")
        return token
    }

    static func rename(port: Int, token: String, to name: String) async throws {
        let renamed = try await LoopbackHTTP.request(
            "PATCH", port: port, path: "/api/v1/tenant", headers: ["Authorization": "Bearer \(token)"],
            json: #"{"name":"\#(name)"}"#)
        #expect(renamed.status == 200, "\(renamed.body)")
    }

    static func webhookIDs(_ receiver: PythonPeer) -> [String] {
        receiver.lines.compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["headers"] as? [String: String])?["webhook-id"]
        }
    }

    /// Runs `body` with the tests' webhook receiver and a way to start `serve` processes on one
    /// database.
    static func withReceiver(
        _ engine: TestDatabase,
        _ body: (PythonPeer, _ serve: () async throws -> (ServerProcess, Int)) async throws -> Void
    ) async throws {
        let receiver = try await PythonPeer(
            script: "webhook_receiver.py", arguments: ["--port", "0", "--exit-on-stdin-eof"],
            hint: "is standardwebhooks installed? scripts/test installs it")
        defer { receiver.stop() }
        try await withTestDatabaseDirectory(engine) { context, directory in
            let environment = Self.environment(context, directory: directory)
            try await body(receiver) {
                let server = try ServerProcess(
                    arguments: ["serve", "--port", "0"], environment: environment, directory: directory)
                do {
                    return (server, try await server.waitForListeningPort())
                } catch {
                    server.stop()
                    throw error
                }
            }
        }
    }

    /// Runs `body` with a test database and a temporary folder for the processes (their SQLite
    /// file, on SQLite).
    static func withTestDatabaseDirectory(
        _ engine: TestDatabase, _ body: (TestDatabaseContext, URL) async throws -> Void
    ) async throws {
        try await withTestDatabase(engine) { context in
            let directory = try ServerProcessTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            try await body(context, directory)
        }
    }

    static func waitFor(_ timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }

    @Test(
        "a server killed with SIGKILL during a delivery delivers it after restart, with the same webhook-id, and records one attempt",
        arguments: TestDatabase.all)
    func killedMidDelivery(engine: TestDatabase) async throws {
        try await Self.withReceiver(engine) { receiver, serve in
            let (first, port) = try await serve()
            defer { first.stop() }
            // The receiver holds each request 2 seconds before it answers.
            let token = try await Self.tenantWithEndpoint(port: port, url: "http://127.0.0.1:\(receiver.port)/slow/2")
            try await Self.rename(port: port, token: token, to: "Acme Two")
            #expect(try await Self.waitFor(.seconds(20)) { !Self.webhookIDs(receiver).isEmpty }, "\(first.lines)")
            first.signal(SIGKILL)
            _ = try await first.waitForExit(timeout: .seconds(10))
            let killedID = try #require(Self.webhookIDs(receiver).first)

            let (second, secondPort) = try await serve()
            defer { second.stop() }
            // Taken over once the dead process's claim expires (3 + 5 seconds), and sent again.
            #expect(try await Self.waitFor(.seconds(30)) { Self.webhookIDs(receiver).count >= 2 }, "\(second.lines)")
            #expect(Self.webhookIDs(receiver) == [killedID, killedID])
            var found: (webhookID: String?, attempts: [[String: Any]])?
            let delivered = try await Self.waitFor(.seconds(10)) {
                let listed = try await LoopbackHTTP.request(
                    port: secondPort, path: "/api/v1/webhook-messages?status=delivered",
                    headers: ["Authorization": "Bearer \(token)"])
                let items = (try JSONSerialization.jsonObject(with: Data(listed.body.utf8)) as? [String: Any])?["items"]
                guard let message = (items as? [[String: Any]])?.first, let id = message["id"] as? String else { return false }
                let log = try await LoopbackHTTP.request(
                    port: secondPort, path: "/api/v1/webhook-messages/\(id)/attempts",
                    headers: ["Authorization": "Bearer \(token)"])
                let attempts = (try JSONSerialization.jsonObject(with: Data(log.body.utf8)) as? [String: Any])?["items"]
                found = (message["webhook_id"] as? String, attempts as? [[String: Any]] ?? [])
                return true
            }
            #expect(delivered)
            #expect(found?.webhookID == killedID)
            // The killed attempt was never recorded; the one that got through was.
            let attempts = found?.attempts ?? []
            #expect(attempts.count == 1 && attempts.first?["status_code"] as? Int == 200, "\(attempts)")
            second.signal(SIGTERM)
            #expect(try await second.waitForExit(timeout: .seconds(30)) == 0)
        }
    }

    @Test(
        "two server processes delivering from one PostgreSQL database deliver each message exactly once",
        arguments: TestDatabase.postgresOnly)
    func twoProcesses(engine: TestDatabase) async throws {
        try await Self.withReceiver(engine) { receiver, serve in
            let (one, portOne) = try await serve()
            defer { one.stop() }
            let (two, portTwo) = try await serve()
            defer { two.stop() }
            let token = try await Self.tenantWithEndpoint(port: portOne, url: "http://127.0.0.1:\(receiver.port)/ok")
            let renames = 40
            for index in 0..<renames {
                try await Self.rename(port: index % 2 == 0 ? portOne : portTwo, token: token, to: "Acme \(index)")
            }
            #expect(try await Self.waitFor(.seconds(30)) { Self.webhookIDs(receiver).count >= renames })
            // Give a second delivery of any message time to show up.
            try await Task.sleep(for: .seconds(1))
            let ids = Self.webhookIDs(receiver)
            #expect(ids.count == renames && Set(ids).count == renames, "\(ids.count) deliveries, \(Set(ids).count) distinct")
            one.signal(SIGTERM)
            two.signal(SIGTERM)
            #expect(try await one.waitForExit(timeout: .seconds(30)) == 0)
            #expect(try await two.waitForExit(timeout: .seconds(30)) == 0)
        }
    }
}
