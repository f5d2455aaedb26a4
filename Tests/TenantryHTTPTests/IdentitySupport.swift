import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

/// JSON helpers for identity flows.
extension TestClientProtocol {
    /// Sends JSON and returns status, headers and the parsed body.
    @discardableResult
    func json(
        _ method: HTTPRequest.Method,
        _ uri: String,
        _ body: [String: Any]? = nil,
        token: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: [String: Any], raw: String) {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            // Sorted keys: the same dictionary is the same bytes (an idempotent retry must resend them).
            buffer = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            let raw = String(buffer: response.body)
            let parsed = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] ?? [:]
            return (response.status, response.headers, parsed, raw)
        }
    }

    /// Registers a user with a new tenant; returns the parsed response.
    func register(
        email: String = "owner-\(UUID().uuidString.prefix(8))@example.com",
        password: String = "correct horse battery staple",
        tenantName: String = "Acme \(UUID().uuidString.prefix(6))"
    ) async throws -> Registered {
        let response = try await json(
            .post, "/api/v1/auth/register",
            ["email": email, "password": password, "name": "Owner", "tenant_name": tenantName]
        )
        #expect(response.status == .created, "register: \(response.raw)")
        let tokens = try #require(response.body["tokens"] as? [String: Any])
        let tenant = try #require(response.body["tenant"] as? [String: Any])
        let user = try #require(response.body["user"] as? [String: Any])
        return Registered(
            email: email,
            password: password,
            accessToken: try #require(tokens["access_token"] as? String),
            refreshToken: try #require(tokens["refresh_token"] as? String),
            sessionID: try #require(tokens["session_id"] as? String),
            tenantID: try #require(tenant["id"] as? String),
            tenantSlug: try #require(tenant["slug"] as? String),
            userID: try #require(user["id"] as? String)
        )
    }

    /// Signs in; returns the tokens object and the whole body.
    func login(email: String, password: String, tenantSlug: String? = nil) async throws -> (
        status: HTTPResponse.Status, body: [String: Any], accessToken: String?, refreshToken: String?
    ) {
        var body: [String: Any] = ["email": email, "password": password]
        if let tenantSlug { body["tenant_slug"] = tenantSlug }
        let response = try await json(.post, "/api/v1/auth/login", body)
        let tokens = response.body["tokens"] as? [String: Any]
        return (response.status, response.body, tokens?["access_token"] as? String, tokens?["refresh_token"] as? String)
    }

    /// Refreshes; returns status and new tokens.
    func refresh(_ token: String) async throws -> (
        status: HTTPResponse.Status, accessToken: String?, refreshToken: String?, body: [String: Any]
    ) {
        let response = try await json(.post, "/api/v1/auth/refresh", ["refresh_token": token])
        let tokens = response.body["tokens"] as? [String: Any]
        return (response.status, tokens?["access_token"] as? String, tokens?["refresh_token"] as? String, response.body)
    }

    /// The status of `GET /api/v1/me` with a token.
    func meStatus(_ token: String) async throws -> HTTPResponse.Status {
        try await json(.get, "/api/v1/me", token: token).status
    }
}

/// A registered owner.
struct Registered: Sendable {
    let email: String
    let password: String
    let accessToken: String
    let refreshToken: String
    let sessionID: String
    let tenantID: String
    let tenantSlug: String
    let userID: String
}

/// Reads queued emails (the outbox) straight from the job table.
/// Recovery requests are carried out first (their job runs after the answer, as in the server).
func queuedEmails(_ context: TestApplicationContext) async throws -> [EmailMessage] {
    try await runRecoveryJobs(context)
    return try await context.database.database.withGlobal { scope in
        try await scope.sql.raw("SELECT payload FROM jobs WHERE queue = 'email' ORDER BY created_at, id").all()
    }.compactMap { row in
        let payload = try row.decode(column: "payload", as: String.self)
        return try? JSONDecoder().decode(EmailMessage.self, from: Data(payload.utf8))
    }
}

/// Runs every queued account recovery job (forgot-password, verification resend).
@discardableResult
func runRecoveryJobs(_ context: TestApplicationContext) async throws -> Int {
    let worker = JobWorker(
        database: context.identity.database, handler: RecoveryRequestJob(recovery: UseCases(context.identity).recovery),
        logger: TestLogging.logger)
    var ran = 0
    while try await worker.runOnce() { ran += 1 }
    return ran
}

/// The token in the first link of an email body.
func linkToken(in message: EmailMessage) -> String? {
    guard let range = message.textBody.range(of: "token=") else { return nil }
    return String(message.textBody[range.upperBound...].prefix { !$0.isWhitespace })
}
