import Foundation
import HTTPTypes
public import Hummingbird
public import TenantryApplication
public import TenantryCore

/// Resolves who acts in which tenant for every tenant route: an API key (`Authorization:
/// Bearer tnty_…` or `X-API-Key`) or a signed-in member's access token. The tenant comes from
/// the key or the token, never from the request's say-so, and the member's standing is checked
/// on every request, so a removed or suspended member, a revoked or expired key, or a suspended
/// tenant is refused at once.
public struct TenantAuthenticationMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let authentication: CallerAuthentication
    let access: AccessDirectory

    /// Creates the middleware.
    public init(authentication: CallerAuthentication, access: AccessDirectory) {
        self.authentication = authentication
        self.access = access
    }

    static let apiKeyHeader = HTTPField.Name.constant("X-API-Key")

    public func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let access: TenantAccess
        if let key = request.headers[Self.apiKeyHeader] {
            access = try await keyAccess(secret: key)
        } else {
            guard let credential = try request.bearerCredential() else {
                throw TenantryError(.unauthenticated, "Sign in: send `Authorization: Bearer <access token or API key>`.")
            }
            if APIKeySecret.looksLikeKey(credential) {
                access = try await keyAccess(secret: credential)
            } else {
                let (caller, grant) = try await authentication.authenticateMember(accessToken: credential)
                context.caller = caller
                access = try Self.memberAccess(caller, grant: grant)
            }
        }
        context.access = access
        context.annotations.tenantID = access.tenantID
        return try await next(request, context)
    }

    /// The member's access; ``CallerAuthentication`` has already refused an ended or suspended
    /// membership. The consoles build their access here too.
    static func memberAccess(_ caller: AuthenticatedCaller, grant: AccessDirectory.MemberGrant?) throws -> TenantAccess {
        guard let tenantID = caller.tenantID, let grant else {
            throw TenantryError(.tenantRequired, "This token acts in no tenant; choose one with POST /api/v1/auth/switch-tenant.")
        }
        try Self.requireUsable(grant.tenantStatus)
        return TenantAccess(
            tenantID: tenantID, principal: .user(caller.userID, session: caller.sessionID), rank: grant.role.rank,
            permissions: grant.role.permissions)
    }

    private func keyAccess(secret: String) async throws -> TenantAccess {
        let now = Date()
        guard let found = try await access.key(secret: secret, now: now), found.key.isUsable(at: now),
            found.secretExpiresAt.map({ $0 > now }) ?? true
        else {
            throw Self.invalidKey("The API key is invalid, expired or revoked.")
        }
        let key = found.key
        // A key never does more than its creator may do now.
        guard let creator = try await access.member(key.createdBy, in: key.tenantID), creator.membership.status == .active
        else {
            throw Self.invalidKey("The API key's creator no longer has access to this tenant.")
        }
        try Self.requireUsable(creator.tenantStatus)
        access.recordUse(of: key.id, in: key.tenantID, at: now)
        return TenantAccess(
            tenantID: key.tenantID, principal: .apiKey(key.id, createdBy: key.createdBy), rank: creator.role.rank,
            permissions: key.scopes.intersection(creator.role.permissions), resource: key.resource,
            keyRequestsPerMinute: key.rateLimitPerMinute)
    }

    /// A suspended or deleted tenant is refused here; the route gate
    /// (`EntitlementDirectory.admit`) answers for a tenant pending deletion.
    static func requireUsable(_ status: Tenant.Status) throws {
        try status.requireUsable(pendingDeletionAllowed: true)
    }

    static func invalidKey(_ message: String) -> TenantryError {
        TenantryError(.invalidAPIKey, message)
    }
}

/// The context of tenant routes: demands a resolved ``TenantAccess``, so no tenant handler can
/// run without one.
public struct TenantRequestContext: AppChildRequestContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    /// The parent context (request id, address, limits).
    public let base: AppRequestContext
    /// Who acts, in which tenant, with what permissions.
    public let access: TenantAccess

    public init(context: AppRequestContext) throws {
        guard let access = context.access else {
            throw TenantryError(.unauthenticated, "Sign in: send `Authorization: Bearer <access token or API key>`.")
        }
        self.coreContext = context.coreContext
        self.base = context
        self.access = access
    }

    /// Where this request came from, for audit events.
    func origin(of request: Request) -> AuditEvent.Origin { base.origin(of: request) }
}
