import HTTPTypes
import Hummingbird
import TenantryCore
import Tracing

/// How a request becomes a span: its parent from the W3C `traceparent` (and `tracestate`) the
/// client sent, its name and attributes once it is answered.
enum RequestTracing {
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
        span.attributes["http.request.method"] = method.rawValue
        if let route { span.attributes["http.route"] = route }
        span.attributes["url.path"] = path
        span.attributes["http.response.status_code"] = status
        if let tenantID { span.attributes["tenant.id"] = tenantID.description }
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }
}

/// Reads trace context headers from a request's fields.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}
