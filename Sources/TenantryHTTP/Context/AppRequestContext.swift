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

    public var requestDecoder: JSONDecoder { JSONCoding.decoder }
    public var responseEncoder: JSONEncoder { JSONCoding.encoder }
}

/// Mutable facts about one request, shared by reference so that middleware outside a handler
/// (the access log) sees what the handler learned.
public final class RequestAnnotations: Sendable {
    private let tenant = NIOLockedValueBox<TenantID?>(nil)

    /// Creates empty annotations.
    public init() {}

    /// The tenant the request acted in, once known.
    public var tenantID: TenantID? {
        get { tenant.withLockedValue { $0 } }
        set { tenant.withLockedValue { $0 = newValue } }
    }
}
