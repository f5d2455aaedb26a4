public import Foundation
public import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
public import TenantryCore

/// The request context of every Tenantry route: the request id, the client address, and what
/// later middleware learns about the caller (the tenant, for logs).
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The request's id: the client's `X-Request-ID` when well-formed, otherwise generated.
    public var requestID: String
    /// The client's IP address, when the transport knows it.
    public let remoteAddress: String?
    /// Largest request body that ``Request/decodeJSON(as:context:)`` will read.
    public var maxUploadSize: Int
    /// Facts gathered while handling the request, readable by outer middleware after it.
    public let annotations: RequestAnnotations
    /// The verified caller, set by ``BearerAuthenticationMiddleware`` on protected routes.
    public var caller: AuthenticatedCaller?
    /// Who acts in which tenant, set by ``TenantAuthenticationMiddleware`` on tenant routes.
    public var access: TenantAccess?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
        self.maxUploadSize = TenantryConfiguration().maxBodySize
        self.annotations = RequestAnnotations()
        self.caller = nil
        self.access = nil
    }

    /// The client's IP address as the server sees it: the one value used for audit origins,
    /// sessions and per-IP rate limits.
    public var clientIP: String? { remoteAddress }

    public var requestDecoder: JSONDecoder { JSONCoding.decoder }
    public var responseEncoder: JSONEncoder { JSONCoding.encoder }
}

/// Mutable facts about one request, shared by reference so that middleware outside a handler
/// (the access log) sees what the handler learned.
public final class RequestAnnotations: Sendable {
    private let tenant = NIOLockedValueBox<TenantID?>(nil)
    private let rateLimit = NIOLockedValueBox<RateLimitHeaders?>(nil)

    /// Creates empty annotations.
    public init() {}

    /// The tenant the request acted in, once known.
    public var tenantID: TenantID? {
        get { tenant.withLockedValue { $0 } }
        set { tenant.withLockedValue { $0 = newValue } }
    }

    /// The rate limit fields of a request that ended in an error, so the error response carries
    /// them too (successful responses get them from the limiting middleware directly).
    public var rateLimitHeaders: RateLimitHeaders? {
        get { rateLimit.withLockedValue { $0 } }
        set { rateLimit.withLockedValue { $0 = newValue } }
    }
}
