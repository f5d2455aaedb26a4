public import Foundation
public import HTTPTypes
public import Hummingbird
import Logging
import NIOCore
import TenantryApplication
public import TenantryCore

/// Runs a write request at most once per `Idempotency-Key` (decision record 0014). The one hook
/// every write route under `/api/v1` passes through, once the caller is known and before the
/// handler: tenant routes through ``TenantRoutes``, signed-in and public routes through
/// ``IdempotencyMiddleware``.
///
/// For POST, PUT, PATCH and DELETE with the header, it reserves the key atomically (an insert
/// that conflicts), runs the handler, and stores the outcome sealed with the master key for 24
/// hours. Later requests with the key get the stored response again with `Idempotent-Replayed:
/// true` and no side effect; another method, path or body is 422 `idempotency_key_reused`; a
/// request while the first still runs is 409 `idempotency_in_progress`. A 5xx or a thrown error
/// frees the key so the client may retry; a reservation whose node died frees itself after
/// ``IdempotencyPolicy/lockTimeout``.
public final class IdempotencyGuard: Sendable {
    /// What a guard needs besides the database and the master key; tests inject a clock.
    public struct Settings: Sendable {
        /// Retention, lock timeout and which outcomes are stored.
        public var policy: IdempotencyPolicy
        /// The current time.
        public var now: @Sendable () -> Date

        /// Creates settings; the defaults are the production values.
        public init(policy: IdempotencyPolicy = IdempotencyPolicy(), now: @escaping @Sendable () -> Date = { Date() }) {
            self.policy = policy
            self.now = now
        }
    }

    /// `Idempotency-Key`.
    public static let keyHeader = HTTPField.Name.constant("Idempotency-Key")
    /// `Idempotent-Replayed`, `true` on a replayed response.
    public static let replayedHeader = HTTPField.Name.constant("Idempotent-Replayed")
    /// The methods the header applies to; every other method ignores it.
    public static let writeMethods: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]
    /// The response headers kept with a stored outcome. The rest are about this moment (request
    /// id, rate limits) or added by the lifecycle middleware again. `Set-Cookie` is kept because
    /// sign-in and refresh may deliver the refresh token in it; it is sealed like the body.
    static let storedHeaders: Set<HTTPField.Name> = [
        .contentType, .location, .eTag, .lastModified, .setCookie, .wwwAuthenticate, .retryAfter, .cacheControl,
        .contentLanguage, .contentLocation,
    ]

    let ledger: IdempotencyLedger

    /// Creates the guard.
    public init(database: any DataStore, masterKey: MasterKey, settings: Settings = Settings()) {
        self.ledger = IdempotencyLedger(
            database: database, masterKey: masterKey, policy: settings.policy, now: settings.now)
    }

    /// The middleware for routes on `AppRequestContext` groups: signed-in routes (placed after
    /// ``BearerAuthenticationMiddleware``) and public routes.
    public var middleware: IdempotencyMiddleware { IdempotencyMiddleware(guard: self) }

    /// Runs `handler` for `request` under the request's `Idempotency-Key`, if it is a write with
    /// one; otherwise calls it directly.
    public func run(
        _ request: Request,
        context: AppRequestContext,
        scope: IdempotencyScope,
        _ handler: (Request) async throws -> Response
    ) async throws -> Response {
        guard Self.writeMethods.contains(request.method), let header = request.headers[Self.keyHeader] else {
            return try await handler(request)
        }
        let key = try IdempotencyKey(header: header)
        var request = request
        let body = try await request.collectBody(within: context)
        let scopeHash = scope.hash(of: key)
        let fingerprint = IdempotencyFingerprint(
            method: request.method.rawValue,
            target: request.uri.description,
            body: Data(buffer: body),
            credential: scope.isAnonymous ? Self.presentedCredential(request) : nil
        )
        let ownerToken: UUID
        switch try await ledger.claim(scopeHash: scopeHash, tenantID: scope.tenantID, fingerprint: fingerprint) {
        case .replay(let stored):
            return Self.response(replaying: stored)
        case .owned(let token):
            ownerToken = token
        }

        let outcome: Response
        let stored: StoredResponse
        do {
            do {
                // Every write transaction of the request notes in the reservation that it
                // commits, and rolls back if a retry took the reservation over.
                outcome = try await IdempotencyFence.$current.withValue(
                    IdempotencyFence.Reservation(scopeHash: scopeHash, ownerToken: ownerToken)
                ) { try await handler(request) }
            } catch {
                guard let problem = storableProblem(for: error, request: request, context: context) else { throw error }
                outcome = problem
            }
            stored = try await Self.capture(outcome)
        } catch {
            await release(scopeHash: scopeHash, ownerToken: ownerToken, logger: context.logger)
            throw error
        }
        guard IdempotencyPolicy.stores(status: stored.status) else {
            await release(scopeHash: scopeHash, ownerToken: ownerToken, logger: context.logger)
            return Self.response(stored, headers: outcome.headers)
        }
        do {
            let held = try await ledger.complete(scopeHash: scopeHash, ownerToken: ownerToken, outcome: stored)
            if !held {
                context.logger.warning("idempotency reservation was taken over before the request finished; outcome not stored")
            }
        } catch {
            // The side effects happened; the client still gets its answer. The reservation stays
            // until its lock expires, so a retry in the meantime gets 409 rather than a second run.
            context.logger.warning(
                "storing an idempotent outcome failed", metadata: ErrorDiagnostics.metadata(for: error))
        }
        return Self.response(stored, headers: outcome.headers)
    }

    /// What a request on a public route presents outside its body: the refresh cookie, and the
    /// bearer token a signed-in invitee sends to accept an invitation. Part of the fingerprint,
    /// so an anonymous replay needs the same credentials as the first request.
    static func presentedCredential(_ request: Request) -> String? {
        let parts = [
            request.cookies[AuthController.refreshCookie].map { "cookie:\($0.value)" },
            request.headers[.authorization].map { "authorization:\($0)" },
        ].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: "\n")
    }

    private func release(scopeHash: String, ownerToken: UUID, logger: Logger) async {
        do {
            try await ledger.release(scopeHash: scopeHash, ownerToken: ownerToken)
        } catch {
            // The lock expires on its own; until then a retry gets 409.
            logger.warning(
                "releasing an idempotency key failed", metadata: ErrorDiagnostics.metadata(for: error))
        }
    }

    /// A thrown error whose problem response is final (a 4xx the policy stores), as that
    /// response; `nil` for errors that free the key (5xx, anything not a domain error).
    private func storableProblem(for error: any Error, request: Request, context: AppRequestContext) -> Response? {
        guard let error = error as? TenantryError, case let entry = ProblemCatalog.entry(for: error.code),
            entry.status.code < 500, IdempotencyPolicy.stores(status: entry.status.code)
        else { return nil }
        return ProblemResponse.make(for: error, request: request, context: context, routes: RouteTable(routes: []))
    }

    /// Reads a response's body and the headers worth keeping.
    static func capture(_ response: Response) async throws -> StoredResponse {
        let sink = BodySink()
        try await response.body.write(CollectingWriter(sink: sink))
        let headers = response.headers.filter { storedHeaders.contains($0.name) }.map { [$0.name.rawName, $0.value] }
        return StoredResponse(status: response.status.code, headers: headers, body: Data(buffer: sink.buffer))
    }

    /// The first response itself, rebuilt from its captured body with all its headers.
    static func response(_ stored: StoredResponse, headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentLength] = String(stored.body.count)
        return Response(
            status: HTTPResponse.Status(code: stored.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: stored.body)))
    }

    /// A stored outcome, marked as replayed.
    static func response(replaying stored: StoredResponse) -> Response {
        var headers = HTTPFields()
        for pair in stored.headers where pair.count == 2 {
            if let name = HTTPField.Name(pair[0]) { headers.append(HTTPField(name: name, value: pair[1])) }
        }
        headers[Self.replayedHeader] = "true"
        return response(stored, headers: headers)
    }
}

/// Runs routes on an `AppRequestContext` group through an ``IdempotencyGuard``: the caller is
/// the signed-in session when ``BearerAuthenticationMiddleware`` ran before it, otherwise the
/// anonymous principal of public routes.
public struct IdempotencyMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let `guard`: IdempotencyGuard

    public func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        let scope = context.caller.map { IdempotencyScope.session($0.sessionID, tenant: $0.tenantID) } ?? .anonymous
        return try await `guard`.run(request, context: context, scope: scope) { request in
            try await next(request, context)
        }
    }
}

extension IdempotencyScope {
    /// The scope of a tenant route's caller.
    init(_ access: TenantAccess) {
        switch access.principal {
        case .user(_, let session): self = .session(session, tenant: access.tenantID)
        case .apiKey(let key, _): self = .apiKey(key, tenant: access.tenantID)
        }
    }
}

/// Collects a response body in memory.
private final class BodySink {
    var buffer = ByteBuffer()
}

private struct CollectingWriter: ResponseBodyWriter {
    let sink: BodySink

    mutating func write(_ buffer: ByteBuffer) async throws {
        var buffer = buffer
        sink.buffer.writeBuffer(&buffer)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
