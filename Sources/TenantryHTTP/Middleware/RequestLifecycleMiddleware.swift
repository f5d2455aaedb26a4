import Foundation
public import HTTPTypes
public import Hummingbird
public import Logging
import TenantryCore
import Tracing

/// The outermost middleware, wrapped around every route and the not-found responder:
/// assigns the request id, enforces the body size limit, turns every error into a
/// problem+json response, adds the security headers, counts the request in the metrics, and
/// writes one access log line. With tracing on, the request runs in a server span (its parent
/// from a W3C `traceparent` header when the client sent one), named by method and route template;
/// probes and scrapes are not traced unless the caller sends a `traceparent`.
public struct RequestLifecycleMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    let maxBodySize: Int
    let routes: @Sendable () -> RouteTable
    let accessLogger: Logger
    let requestMetrics: HTTPRequestMetrics
    /// Whether a tracer is installed; without one, no span is started at all.
    let tracing: Bool

    /// Creates the middleware. `routes` is read lazily because the table is complete only
    /// after all routes are registered.
    public init(
        maxBodySize: Int, accessLogger: Logger, requestMetrics: HTTPRequestMetrics,
        routes: @escaping @Sendable () -> RouteTable
    ) {
        self.maxBodySize = maxBodySize
        self.accessLogger = accessLogger
        self.requestMetrics = requestMetrics
        self.routes = routes
        self.tracing = Traces.enabled
    }

    public func handle(
        _ request: Request,
        context: AppRequestContext,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard tracing, RequestTracing.traces(request) else {
            return try await respond(request, context: context, span: nil, next: next)
        }
        return try await withSpan(
            request.method.rawValue, context: RequestTracing.parent(of: request), ofKind: .server
        ) { span in
            try await respond(request, context: context, span: span, next: next)
        }
    }

    private func respond(
        _ request: Request,
        context: AppRequestContext,
        span: (any Span)?,
        next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        requestMetrics.started()
        var context = context
        context.maxUploadSize = maxBodySize
        let offeredID = request.headers[.xRequestID]
        let acceptedID = offeredID.flatMap(RequestIDPolicy.accept)
        context.requestID = acceptedID ?? RequestIDPolicy.generate()
        context.logger[metadataKey: "hb.request.id"] = nil
        context.logger[metadataKey: "request_id"] = .string(context.requestID)

        var response: Response
        do {
            if offeredID != nil && acceptedID == nil {
                throw TenantryError(
                    .invalidRequestID,
                    "X-Request-ID has 1 to \(RequestIDPolicy.maximumLength) characters from A-Z, a-z, 0-9 and . _ : -"
                )
            }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodySize {
                throw TenantryError(.payloadTooLarge, "The body is larger than \(maxBodySize) bytes.")
            }
            response = try await next(request, context)
        } catch {
            response = ProblemResponse.make(for: error, request: request, context: context, routes: routes())
            context.annotations.rateLimitHeaders?.apply(to: &response.headers)
        }
        SecurityHeaders.apply(to: &response.headers)
        response.headers[.xRequestID] = context.requestID

        let elapsed = ContinuousClock.now - started
        // The router's not-found responder names itself `NotFound`; a matched route is a template.
        let route = context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil }
        requestMetrics.finished(route: route, method: request.method, status: response.status.code, duration: elapsed)
        if let span {
            RequestTracing.describe(
                span, method: request.method, route: route, path: request.uri.path, status: response.status.code,
                tenantID: context.annotations.tenantID)
        }
        var metadata: Logger.Metadata = [
            "request_id": .string(context.requestID),
            "method": .string(request.method.rawValue),
            "route": .string(route ?? "unmatched"),
            "path": .string(request.uri.path),
            "status": .stringConvertible(response.status.code),
            "duration_ms": .string(FastFormatting.decimal(elapsed.milliseconds, fractionDigits: 3)),
        ]
        if let tenantID = context.annotations.tenantID { metadata["tenant_id"] = .string(tenantID.description) }
        accessLogger.info("request", metadata: metadata)
        return response
    }
}

extension Duration {
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}

extension HTTPField.Name {
    /// `X-Request-ID`.
    public static let xRequestID = Self.constant("X-Request-ID")

    /// A header name written in the source: valid by construction, so a failure here is a
    /// programming error that the first test run catches.
    static func constant(_ name: StaticString) -> Self {
        guard let value = Self("\(name)") else { preconditionFailure("invalid header name \(name)") }
        return value
    }
}

/// Which client request ids are accepted, and how new ones are made.
public enum RequestIDPolicy {
    /// The longest accepted client request id.
    public static let maximumLength = 128

    /// Returns the id when it has 1 to 128 characters of `A-Z a-z 0-9 . _ : -`.
    public static func accept(_ value: String) -> String? {
        let bytes = value.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return nil }
        let allowed = bytes.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x3A || byte == 0x2D
        }
        return allowed ? value : nil
    }

    /// A new request id: a time-ordered UUID in lower case.
    public static func generate() -> String {
        UUID.version7().uuidString.lowercased()
    }
}

/// Headers every response carries.
enum SecurityHeaders {
    static let values: [(HTTPField.Name, String)] = [
        (.contentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
        (.strictTransportSecurity, "max-age=63072000; includeSubDomains"),
        (.constant("X-Content-Type-Options"), "nosniff"),
        (.constant("X-Frame-Options"), "DENY"),
        (.constant("Referrer-Policy"), "no-referrer"),
        (.constant("Cross-Origin-Opener-Policy"), "same-origin"),
        (.constant("Permissions-Policy"), "camera=(), microphone=(), geolocation=(), payment=()"),
    ]

    static func apply(to headers: inout HTTPFields) {
        for (name, value) in values where headers[name] == nil {
            headers[name] = value
        }
        if headers[.cacheControl] == nil {
            headers[.cacheControl] = "no-store"
        }
    }
}
