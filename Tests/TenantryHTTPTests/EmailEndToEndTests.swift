import Foundation
import TenantryApplication
import TenantryCore
import TenantryTestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The real binary sending through a real SMTP server (aiosmtpd).
@Suite("Email end to end")
struct EmailEndToEndTests {
    static func post(port: Int, path: String, _ body: [String: Any]) async throws -> (status: Int, body: [String: Any]) {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw TestSetupError("bad url") }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        let parsed = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, parsed)
    }

    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        guard bound else { throw TestSetupError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func waitForMail(_ server: SMTPTestServer, count: Int, timeout: Duration = .seconds(30)) async throws
        -> [DeliveredMessage]
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let delivered = try server.delivered()
            if delivered.count >= count { return delivered }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try server.delivered()
    }

    static func token(in message: DeliveredMessage) -> String? {
        let text = message.message.parts.first { $0.contentType == "text/plain" }?.text ?? ""
        guard let range = text.range(of: "token=") else { return nil }
        return String(text[range.upperBound...].prefix { !$0.isWhitespace })
    }

    @Test("an email queued while the SMTP server is down is delivered once after a restart, and its link works")
    func deliveredAcrossRestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:" + directory.appendingPathComponent("t.db").path
        let common = ["TENANTRY_DATABASE_URL": database, "TENANTRY_PASSWORD_HASH_ITERATIONS": "1000"]

        // First run: nobody listens on the SMTP port, so delivery fails and is retried later.
        let deadPort = try Self.freePort()
        let first = try ServerProcess(
            arguments: ["serve", "--port", "0"],
            environment: common.merging(["TENANTRY_EMAIL_URL": "smtp://127.0.0.1:\(deadPort)?tls=none&from=noreply@tenantry.test"]
            ) { $1 }
        )
        defer { first.stop() }
        let port1 = try await first.waitForListeningPort()
        let registered = try await Self.post(
            port: port1, path: "/api/v1/auth/register",
            ["email": "mail@example.org", "password": "correct horse battery", "name": "Mail", "tenant_name": "Mail Works"]
        )
        #expect(registered.status == 201)
        let deadline = ContinuousClock.now + .seconds(20)
        while !first.lines.contains(where: { $0.contains("job failed; will retry") }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(first.lines.contains { $0.contains("job failed; will retry") })
        first.signal(SIGTERM)
        #expect(try await first.waitForExit(timeout: .seconds(20)) == 0)

        // Second run, SMTP server up: the queued email goes out exactly once.
        try await SMTPTestServer.with { smtp in
            let second = try ServerProcess(
                arguments: ["serve", "--port", "0"],
                environment: common.merging([
                    "TENANTRY_EMAIL_URL": "smtp://127.0.0.1:\(smtp.port)?tls=none&from=noreply@tenantry.test"
                ]) { $1 }
            )
            defer { second.stop() }
            let port2 = try await second.waitForListeningPort()
            let mail = try await Self.waitForMail(smtp, count: 1)
            #expect(mail.count == 1, "\(second.lines.suffix(20).joined(separator: "\n"))")
            let message = try #require(mail.first)
            #expect(message.rcptTos == ["mail@example.org"])
            #expect(message.message.headers["Subject"]?.contains("Mail Works") == true)
            let token = try #require(Self.token(in: message))
            let verified = try await Self.post(port: port2, path: "/api/v1/auth/verify-email", ["token": token])
            #expect(verified.status == 200)

            // The reset email arrives too, and its link sets a new password.
            let forgot = try await Self.post(port: port2, path: "/api/v1/auth/forgot-password", ["email": "mail@example.org"])
            #expect(forgot.status == 202)
            let both = try await Self.waitForMail(smtp, count: 2)
            #expect(both.count == 2)
            let resetToken = try #require(both.last.flatMap(Self.token))
            let reset = try await Self.post(
                port: port2, path: "/api/v1/auth/reset-password", ["token": resetToken, "password": "a new long passphrase"])
            #expect(reset.status == 200)
            let login = try await Self.post(
                port: port2, path: "/api/v1/auth/login", ["email": "mail@example.org", "password": "a new long passphrase"])
            #expect(login.status == 200)
            try await Task.sleep(for: .seconds(1))
            #expect(try smtp.delivered().count == 2)
            second.signal(SIGTERM)
            #expect(try await second.waitForExit(timeout: .seconds(20)) == 0)
        }
    }
}
