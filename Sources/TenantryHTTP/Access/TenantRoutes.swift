public import HTTPTypes
public import Hummingbird
import Synchronization
import TenantryApplication
public import TenantryCore

/// What a tenant route needs: a permission and, for routes about one resource, the resource's
/// type and the path parameter naming it (which resource-bound keys are confined to).
public struct RouteAccess: Sendable, Equatable {
    public var method: HTTPRequest.Method
    /// The full path with `{name}` parameters, e.g. `/api/v1/teams/{id}`.
    public var path: String
    public var permission: Permission
    /// The resource type a bound key is confined to, e.g. `team`.
    public var resourceType: String?
    /// The path parameter holding the resource's id.
    public var resourceParameter: String?
    /// Whether only a signed-in user (not an API key) may call the route.
    public var usersOnly: Bool
    /// The module the route belongs to: disabled for a tenant, the route answers 404 there.
    public var module: ModuleID = .core
    /// Whether the route answers while the tenant is pending deletion (reading and restoring it).
    public var duringPendingDeletion = false
}

/// Every tenant route's declared access, filled while routes register: read by the tests
/// (access matrices) and the OpenAPI document (`x-permission`).
public final class RouteAccessTable: Sendable {
    private let entries = Mutex<[RouteAccess]>([])

    /// Creates an empty table.
    public init() {}

    /// The declarations so far.
    public var routes: [RouteAccess] { entries.withLock { $0 } }

    func add(_ entry: RouteAccess) {
        entries.withLock { $0.append(entry) }
    }
}

/// Registers tenant routes, each with the permission it needs. The one mechanism that checks
/// permissions: it runs before the handler, so a handler reads no data for a caller who may not
/// call it, and any error in the check denies.
public struct TenantRoutes {
    let group: RouterGroup<TenantRequestContext>
    let prefix: String
    let table: RouteAccessTable
    let entitlements: EntitlementDirectory
    let idempotency: IdempotencyGuard

    /// A route's handler.
    public typealias Handler = @Sendable (Request, TenantRequestContext) async throws -> Response

    /// Registers `method path` needing `permission`; `resource` names the resource type and path
    /// parameter for routes about one resource (or the type alone for lists and creation);
    /// `module` is the module the route belongs to.
    public func on(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ permission: Permission,
        resource: (type: String, parameter: String?)? = nil,
        usersOnly: Bool = false,
        module: ModuleID = .core,
        duringPendingDeletion: Bool = false,
        _ handler: @escaping Handler
    ) {
        let route = RouteAccess(
            method: method, path: prefix + path, permission: permission, resourceType: resource?.type,
            resourceParameter: resource?.parameter, usersOnly: usersOnly, module: module,
            duringPendingDeletion: duringPendingDeletion)
        table.add(route)
        let entitlements = self.entitlements
        let idempotency = self.idempotency
        group.on(RouterPath(path), method: method) { request, context -> Response in
            try await entitlements.admit(route, in: context.access.tenantID)
            if usersOnly, case .apiKey = context.access.principal {
                throw TenantryError(.forbidden, "Only a signed-in member can do this, not an API key.")
            }
            let requested = resource.map { resource in
                (type: resource.type, id: resource.parameter.flatMap { context.parameters.get($0) })
            }
            try context.access.authorize(permission, resource: requested)
            return try await idempotency.run(request, context: context.base, scope: IdempotencyScope(context.access)) {
                try await handler($0, context)
            }
        }
    }
}
