import HTTPTypes
import Hummingbird
import TenantryCore
import Tracing

/// How a request becomes a span: its parent from the W3C `traceparent` (and `tracestate`) the
/// client sent, its name and attributes once it is answered.
enum RequestTracing {
    /// The paths a balancer, an orchestrator or Prometheus call every few seconds: a span for
    /// each would fill a tracing backend with identical root traces and cost more than the
    /// answer itself.
    static let untracedPaths: Set<String> = ["/health/live", "/health/ready", "/metrics"]

    /// Whether `request` runs in a span: every request but the health probes and the metrics
    /// scrape, and those too when the caller sends a `traceparent` (someone is following one).
    static func traces(_ request: Request) -> Bool {
        !untracedPaths.contains(request.uri.path) || request.headers[traceParent] != nil
    }

    /// `traceparent`.
    private static let traceParent = HTTPField.Name.constant("traceparent")

    /// The context a request's span starts in: the current one, with the client's trace
    /// context when it sent one (an invalid `traceparent` is ignored and a new trace begins).
    static func parent(of request: Request) -> ServiceContext {
        var context = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &context, using: HTTPFieldsExtractor())
        return context
    }

    /// Names the span `<method> <route template>` and records what the request came to; a 5xx
    /// marks it failed.
    static func describe(
        _ span: any Span, method: HTTPRequest.Method, route: String?, path: String, status: Int, tenantID: TenantID?
    ) {
        span.operationName = "\(method.rawValue) \(route ?? "unmatched")"
        // Built apart and set once: each `span.attributes[…] =` copies the span's attributes.
        var attributes = span.attributes
        attributes["http.request.method"] = method.rawValue
        if let route { attributes["http.route"] = route }
        attributes["url.path"] = path
        attributes["http.response.status_code"] = status
        if let tenantID { attributes["tenant.id"] = tenantID.description }
        span.attributes = attributes
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }
}

/// Reads trace context headers from a request's fields.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}
