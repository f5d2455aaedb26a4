public import Tracing

/// What every target shares about tracing (decision 0022): whether a tracer is installed, and
/// how an outbound HTTP call becomes a client span whose W3C trace context (`traceparent`) the
/// callee receives.
public enum Traces {
    /// Whether a tracer is installed (`tenantry serve` installs one when the `OTEL_*` variables
    /// ask for it). Code on hot paths checks it once and starts no span at all without one.
    public static var enabled: Bool { !(InstrumentationSystem.tracer is NoOpTracer) }

    /// Runs an outbound HTTP request in a client span `name`; `send` gets the trace context
    /// headers to add to the request (none when tracing is off).
    public static func outbound<Result>(
        _ name: String, method: String, url: String, _ send: ([(String, String)]) async throws -> Result
    ) async rethrows -> Result {
        guard enabled else { return try await send([]) }
        return try await withSpan(name, ofKind: .client) { span in
            span.attributes["http.request.method"] = method
            span.attributes["url.full"] = url
            var headers: [(String, String)] = []
            InstrumentationSystem.instrument.inject(
                span.context, into: &headers, using: HeaderListInjector())
            return try await send(headers)
        }
    }

    /// The current task's W3C `traceparent`, to store with work that runs later (a job); `nil`
    /// when tracing is off or the task is not traced.
    public static func currentTraceParent() -> String? {
        currentContextHeaders().first { $0.0 == "traceparent" }?.1
    }

    /// Runs deferred work (a job) in a consumer span `name` whose parent is `traceParent` (the
    /// stored context of the work that asked for it), or a new trace without one.
    public static func deferred<Result>(
        _ name: String, traceParent: String?, _ work: () async throws -> Result
    ) async rethrows -> Result {
        guard enabled else { return try await work() }
        let parent = traceParent.map { context(from: [("traceparent", $0)]) } ?? .topLevel
        return try await withSpan(name, context: parent, ofKind: .consumer) { _ in try await work() }
    }

    /// Whether the current task is traced (runs inside a span): background loops are not, and
    /// their polling makes no spans.
    public static var inTrace: Bool { ServiceContext.current != nil }

    /// The trace context of the current task as header pairs (`traceparent`, `tracestate`), to
    /// store with work that runs later; empty when tracing is off or nothing is traced.
    public static func currentContextHeaders() -> [(String, String)] {
        guard enabled, let context = ServiceContext.current else { return [] }
        var headers: [(String, String)] = []
        InstrumentationSystem.instrument.inject(context, into: &headers, using: HeaderListInjector())
        return headers
    }

    /// A context whose parent is the trace context in `headers` (as stored by
    /// ``currentContextHeaders()``).
    public static func context(from headers: [(String, String)]) -> ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(headers, into: &context, using: HeaderListExtractor())
        return context
    }
}

/// Adds trace context headers to a list of pairs.
struct HeaderListInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [(String, String)]) {
        carrier.append((key, value))
    }
}

/// Reads trace context headers from a list of pairs (names compared without case).
struct HeaderListExtractor: Extractor {
    func extract(key: String, from carrier: [(String, String)]) -> String? {
        carrier.first { $0.0.lowercased() == key.lowercased() }?.1
    }
}
