import Foundation
public import HTTPTypes
public import Hummingbird
import Synchronization
import TenantryApplication
public import TenantryCore

/// Registers the operator routes under `/api/v1/platform`, each with the least platform role
/// it needs. The one mechanism that checks platform roles: the caller signs in as anyone does
/// (bearer access token, any or no tenant), and before the handler runs their role is read from
/// `platform_operators`, on every request, so granting or taking a role away works at once on
/// every node. No operator row → 403; a role below the route's → 403; any error → denied.
/// `Idempotency-Key` is honoured after the check, so a stored outcome is replayed only to a
/// caller who still holds the role.
public struct PlatformRoutes {
    let group: RouterGroup<AuthenticatedRequestContext>
    /// Reads the caller's platform role.
    let platform: PlatformService
    let prefix: String
    let table: PlatformRouteTable
    let idempotency: IdempotencyGuard

    /// A route's handler.
    public typealias Handler = @Sendable (Request, AuthenticatedRequestContext, PlatformOperator) async throws -> Response

    /// Registers `method path` needing at least `role`.
    public func on(_ method: HTTPRequest.Method, _ path: String, _ role: PlatformRole, _ handler: @escaping Handler) {
        table.add(PlatformRoute(method: method, path: prefix + path, role: role))
        let platform = self.platform
        let idempotency = self.idempotency
        group.on(RouterPath(path), method: method) { request, context -> Response in
            let userID = context.caller.userID
            let held = try await platform.role(of: userID)
            guard let held else { throw TenantryError(.forbidden, "This needs a platform operator.") }
            guard held >= role else { throw TenantryError(.forbidden, "This needs the \(role.rawValue) platform role.") }
            let scope = IdempotencyScope.session(context.caller.sessionID, tenant: context.caller.tenantID)
            return try await idempotency.run(request, context: context.base, scope: scope) { request in
                try await handler(request, context, PlatformOperator(userID: userID, role: held))
            }
        }
    }
}

/// A platform route and the least role it needs.
public struct PlatformRoute: Sendable, Equatable {
    public var method: HTTPRequest.Method
    public var path: String
    public var role: PlatformRole
}

/// Every platform route with its role (read by the tests and the OpenAPI document).
public final class PlatformRouteTable: Sendable {
    private let entries = Mutex<[PlatformRoute]>([])

    /// Creates an empty table.
    public init() {}

    /// The declarations so far.
    public var routes: [PlatformRoute] { entries.withLock { $0 } }

    func add(_ entry: PlatformRoute) { entries.withLock { $0.append(entry) } }
}
