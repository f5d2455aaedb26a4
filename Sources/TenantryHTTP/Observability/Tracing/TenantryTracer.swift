import Foundation
import Synchronization
import Tracing

/// Which new traces are recorded (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`): always,
/// never, or a ratio of trace ids; `parentBased` (the default) follows the caller's decision
/// when a span has a parent.
struct TraceSampler: Sendable, Equatable {
    enum Root: Sendable, Equatable {
        case always
        case never
        /// A fraction of trace ids, 0...1.
        case ratio(Double)
    }

    var root: Root = .always
    var parentBased = true

    /// Whether a span of trace `low` (the trace id's low half) with `parent` is recorded.
    func sampled(traceLow: UInt64, parent: TraceContext?) -> Bool {
        if parentBased, let parent { return parent.sampled }
        switch root {
        case .always: return true
        case .never: return false
        case .ratio(let ratio):
            // The trace id's low 63 bits against the ratio's share of them: the same decision
            // for the same trace on every node.
            guard ratio < 1 else { return true }
            guard ratio > 0 else { return false }
            return (traceLow >> 1) < UInt64(ratio * Double(UInt64.max >> 1))
        }
    }
}

/// The tracer `tenantry` installs when tracing is on (decision 0022): W3C trace context in and
/// out (`traceparent`, `tracestate`), a sampler, and spans that, once ended, are appended to
/// the exporter's buffer under a lock: no task, stream or actor per span. Spans of an
/// unsampled trace carry the context on and record nothing.
final class TenantryTracer: Tracer, Sendable {
    typealias Span = TenantrySpan

    let exporter: OTLPTraceExporter
    let sampler: TraceSampler

    init(exporter: OTLPTraceExporter, sampler: TraceSampler) {
        self.exporter = exporter
        self.sampler = sampler
    }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> TenantrySpan {
        var context = context()
        let parent = context.traceContext
        var generator = SystemRandomNumberGenerator()
        let high = parent?.traceHigh ?? generator.next()
        var low = parent?.traceLow ?? generator.next()
        if parent == nil && high == 0 && low == 0 { low = 1 }
        var spanID: UInt64 = generator.next()
        if spanID == 0 { spanID = 1 }
        let sampled = sampler.sampled(traceLow: low, parent: parent)
        let trace = TraceContext(
            traceHigh: high, traceLow: low, spanID: spanID, sampled: sampled, traceState: parent?.traceState)
        context.traceContext = trace
        return TenantrySpan(
            name: operationName, kind: kind, context: context, trace: trace, parentSpanID: parent?.spanID,
            start: instant().nanosecondsSinceEpoch, exporter: sampled ? exporter : nil)
    }

    func forceFlush() {
        exporter.flushSoon()
    }

    func inject<Carrier, Inject>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject: Injector, Inject.Carrier == Carrier {
        guard let trace = context.traceContext else { return }
        injector.inject(trace.traceParent, forKey: "traceparent", into: &carrier)
        if let state = trace.traceState, !state.isEmpty { injector.inject(state, forKey: "tracestate", into: &carrier) }
    }

    func extract<Carrier, Extract>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract: Extractor, Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier),
            let trace = TraceContext(traceParent: header, traceState: extractor.extract(key: "tracestate", from: carrier))
        else { return }
        context.traceContext = trace
    }
}

/// A span of ``TenantryTracer``. Its mutable parts sit behind a lock; `end` hands the finished
/// span to the exporter once (a span of an unsampled trace has no exporter and records nothing).
final class TenantrySpan: Tracing.Span, Sendable {
    let context: ServiceContext
    let trace: TraceContext
    let parentSpanID: UInt64?
    let kind: SpanKind
    let start: UInt64
    private let exporter: OTLPTraceExporter?
    private let state: Mutex<State>

    struct State {
        var name: String
        var attributes = SpanAttributes()
        var status: SpanStatus?
        var events: [SpanEvent] = []
        var links: [SpanLink] = []
        var ended = false
    }

    init(
        name: String, kind: SpanKind, context: ServiceContext, trace: TraceContext, parentSpanID: UInt64?, start: UInt64,
        exporter: OTLPTraceExporter?
    ) {
        self.context = context
        self.trace = trace
        self.parentSpanID = parentSpanID
        self.kind = kind
        self.start = start
        self.exporter = exporter
        state = Mutex(State(name: name))
    }

    var isRecording: Bool { exporter != nil && !state.withLock { $0.ended } }

    var operationName: String {
        get { state.withLock { $0.name } }
        set {
            guard exporter != nil else { return }
            state.withLock { $0.name = newValue }
        }
    }

    var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set {
            guard exporter != nil else { return }
            state.withLock { $0.attributes = newValue }
        }
    }

    func setStatus(_ status: SpanStatus) {
        guard exporter != nil else { return }
        state.withLock { state in
            // OK is final; an error can still be set over an unset status.
            if state.status?.code != .ok { state.status = status }
        }
    }

    func addEvent(_ event: SpanEvent) {
        guard exporter != nil else { return }
        state.withLock { $0.events.append(event) }
    }

    func recordError<Instant: TracerInstant>(
        _ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
    ) {
        guard exporter != nil else { return }
        var attributes = attributes
        // The error's type only: a message may carry what must not leave the process.
        attributes["exception.type"] = String(describing: type(of: error))
        addEvent(SpanEvent(name: "exception", at: instant(), attributes: attributes))
    }

    func addLink(_ link: SpanLink) {
        guard exporter != nil else { return }
        state.withLock { $0.links.append(link) }
    }

    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard let exporter else { return }
        let ended = state.withLock { state -> State? in
            guard !state.ended else { return nil }
            state.ended = true
            return state
        }
        guard let ended else { return }
        exporter.add(
            FinishedSpan(
                trace: trace, parentSpanID: parentSpanID, name: ended.name, kind: kind, start: start,
                end: instant().nanosecondsSinceEpoch, attributes: ended.attributes, status: ended.status,
                events: ended.events, links: ended.links.compactMap { $0.context.traceContext }))
    }
}

/// An ended span, as the exporter sends it.
struct FinishedSpan: Sendable {
    var trace: TraceContext
    var parentSpanID: UInt64?
    var name: String
    var kind: SpanKind
    var start: UInt64
    var end: UInt64
    var attributes: SpanAttributes
    var status: SpanStatus?
    var events: [SpanEvent]
    var links: [TraceContext]
}
