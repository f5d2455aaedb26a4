public import Foundation
public import Hummingbird
public import TenantryApplication
public import TenantryCore

/// Verifies `Authorization: Bearer <access token>` and the token's session, and records the
/// caller in the context; routes behind it use ``AuthenticatedRequestContext``, whose
/// initializer refuses a request without a caller, so no protected handler can forget the check.
public struct BearerAuthenticationMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let authentication: CallerAuthentication

    /// Creates the middleware.
    public init(authentication: CallerAuthentication) {
        self.authentication = authentication
    }

    public func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let credential = try request.bearerCredential() else {
            throw TenantryError(.unauthenticated, "Sign in: send `Authorization: Bearer <access token>`.")
        }
        let caller = try await authentication.authenticate(accessToken: credential)
        var context = context
        context.caller = caller
        if let tenantID = caller.tenantID { context.annotations.tenantID = tenantID }
        return try await next(request, context)
    }
}

/// The context of routes that need a signed-in caller.
public struct AuthenticatedRequestContext: AppChildRequestContext {
    public typealias ParentContext = AppRequestContext
    public var coreContext: CoreRequestContextStorage
    /// The parent context (request id, address, limits).
    public let base: AppRequestContext
    /// The verified caller.
    public let caller: AuthenticatedCaller

    public init(context: AppRequestContext) throws {
        guard let caller = context.caller else {
            throw TenantryError(.unauthenticated, "Sign in: send `Authorization: Bearer <access token>`.")
        }
        self.coreContext = context.coreContext
        self.base = context
        self.caller = caller
    }

}

/// A request context that refines ``AppRequestContext`` for a kind of route (signed-in caller,
/// tenant access): it keeps the parent as `base` and takes its limits and JSON coding from it.
public protocol AppChildRequestContext: ChildRequestContext where ParentContext == AppRequestContext {
    /// The parent context (request id, address, limits).
    var base: AppRequestContext { get }
}

extension AppChildRequestContext {
    public var maxUploadSize: Int { base.maxUploadSize }
    public var requestDecoder: JSONDecoder { JSONCoding.decoder }
    public var responseEncoder: JSONEncoder { JSONCoding.encoder }
}

extension Request {
    /// The credential of an `Authorization: Bearer <credential>` header; `nil` without the
    /// header, `unauthenticated` for another scheme. The one place the header is parsed.
    public func bearerCredential() throws -> String? {
        guard let header = headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw TenantryError(.unauthenticated, "Use the Bearer authorization scheme.")
        }
        return String(parts[1])
    }
}
