import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TenantryApplication
import Tracing

/// Where and how spans are exported (the standard `OTEL_*` variables, read by
/// ``TracingSettings``).
struct OTLPExportSettings: Sendable {
    /// `…/v1/traces` of an OTLP/HTTP receiver.
    var endpoint: String
    /// Extra request headers (`OTEL_EXPORTER_OTLP_HEADERS`), e.g. an API key of the backend.
    var headers: [(String, String)] = []
    /// The resource's attributes (`service.name` and the rest).
    var resource: [(String, String)]
    /// Longest wait between two exports (`OTEL_BSP_SCHEDULE_DELAY`).
    var scheduleDelay: Duration = .seconds(5)
    /// Spans held at most; beyond, new spans are dropped and counted (`OTEL_BSP_MAX_QUEUE_SIZE`).
    var maxQueueSize = 2048
    /// Spans per request, and the count that starts an export early
    /// (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`).
    var maxBatchSize = 512
    /// One export's timeout (`OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_BSP_EXPORT_TIMEOUT`).
    var timeout: Duration = .seconds(10)
}

/// Buffers ended spans and sends them in batches, OTLP/HTTP with protobuf bodies, as a service:
/// every ``OTLPExportSettings/scheduleDelay``, or at once when a batch is full; what is left is
/// sent at shutdown. Adding a span takes a lock and appends; nothing else happens per span. A
/// failed export is logged (at most once a minute) and its spans are dropped: tracing never
/// holds up the server.
final class OTLPTraceExporter: Service, Sendable {
    let settings: OTLPExportSettings
    private let logger: Logger
    private let client: HTTPClient
    private let buffer = Mutex(Buffer())
    private let doorbell = Doorbell()

    private struct Buffer {
        var spans: [FinishedSpan] = []
        var dropped = 0
        var lastWarning: ContinuousClock.Instant?
    }

    init(settings: OTLPExportSettings, logger: Logger, client: HTTPClient = .shared) {
        self.settings = settings
        self.logger = logger
        self.client = client
    }

    /// Takes an ended span.
    func add(_ span: FinishedSpan) {
        let full = buffer.withLock { buffer -> Bool in
            guard buffer.spans.count < settings.maxQueueSize else {
                buffer.dropped += 1
                return false
            }
            buffer.spans.append(span)
            return buffer.spans.count == settings.maxBatchSize
        }
        if full { doorbell.ring() }
    }

    /// Asks the loop to export what it holds now.
    func flushSoon() { doorbell.ring() }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await cancelWhenGracefulShutdown { await self.doorbell.wait(upTo: self.settings.scheduleDelay) }
            await exportAll()
        }
        await exportAll()
    }

    /// Sends everything held, a batch at a time.
    func exportAll() async {
        while true {
            let (batch, dropped) = buffer.withLock { buffer -> ([FinishedSpan], Int) in
                let batch = Array(buffer.spans.prefix(settings.maxBatchSize))
                buffer.spans.removeFirst(batch.count)
                defer { buffer.dropped = 0 }
                return (batch, buffer.dropped)
            }
            if dropped > 0 { warn("spans dropped: the export queue was full", ["spans.dropped": "\(dropped)"]) }
            guard !batch.isEmpty else { return }
            await send(batch)
            if batch.count < settings.maxBatchSize { return }
        }
    }

    private func send(_ batch: [FinishedSpan]) async {
        var request = HTTPClientRequest(url: settings.endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        for (name, value) in settings.headers { request.headers.add(name: name, value: value) }
        let body = OTLPEncoding.request(batch, resource: settings.resource)
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(settings.timeout.nanoseconds)))
            _ = try? await response.body.collect(upTo: 1 << 20)
            if !(200..<300).contains(response.status.code) {
                warn("span export refused", ["http.response.status_code": "\(response.status.code)", "spans": "\(batch.count)"])
            }
        } catch {
            warn("span export failed", ["error.type": "\(type(of: error))", "spans": "\(batch.count)"])
        }
    }

    /// Logs a warning, at most once a minute.
    private func warn(_ message: Logger.Message, _ metadata: Logger.Metadata) {
        let now = ContinuousClock.now
        let due = buffer.withLock { buffer -> Bool in
            if let last = buffer.lastWarning, now - last < .seconds(60) { return false }
            buffer.lastWarning = now
            return true
        }
        if due { logger.warning(message, metadata: metadata) }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Hand-written protobuf of `ExportTraceServiceRequest` (opentelemetry-proto, trace v1): one
/// resource, one instrumentation scope (`tenantry`), the batch's spans.
enum OTLPEncoding {
    static func request(_ spans: [FinishedSpan], resource: [(String, String)]) -> [UInt8] {
        var output = ProtoWriter()
        output.message(1) { resourceSpans in
            resourceSpans.message(1) { resourceMessage in
                for (key, value) in resource { resourceMessage.message(1) { $0.keyValue(key, string: value) } }
            }
            resourceSpans.message(2) { scopeSpans in
                scopeSpans.message(1) { scope in
                    scope.string(1, "tenantry")
                }
                for span in spans { scopeSpans.message(2) { encode(span, into: &$0) } }
            }
        }
        return output.bytes
    }

    static func encode(_ span: FinishedSpan, into output: inout ProtoWriter) {
        output.bytes(1, traceID(span.trace))
        output.bytes(2, spanID(span.trace.spanID))
        if let state = span.trace.traceState, !state.isEmpty { output.string(3, state) }
        if let parent = span.parentSpanID { output.bytes(4, spanID(parent)) }
        output.string(5, span.name)
        output.varint(6, UInt64(kind(span.kind)))
        output.fixed64(7, span.start)
        output.fixed64(8, span.end)
        span.attributes.forEach { key, value in output.message(9) { $0.keyValue(key, value) } }
        for event in span.events {
            output.message(11) { message in
                message.fixed64(1, event.nanosecondsSinceEpoch)
                message.string(2, event.name)
                event.attributes.forEach { key, value in message.message(3) { $0.keyValue(key, value) } }
            }
        }
        for link in span.links {
            output.message(13) { message in
                message.bytes(1, traceID(link))
                message.bytes(2, spanID(link.spanID))
            }
        }
        if let status = span.status {
            output.message(15) { message in
                if let text = status.message { message.string(2, text) }
                message.varint(3, status.code == .ok ? 1 : 2)
            }
        }
        output.fixed32(16, span.trace.sampled ? 1 : 0)
    }

    static func kind(_ kind: SpanKind) -> Int {
        switch kind {
        case .internal: 1
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        }
    }

    static func traceID(_ trace: TraceContext) -> [UInt8] { bigEndian(trace.traceHigh) + bigEndian(trace.traceLow) }
    static func spanID(_ id: UInt64) -> [UInt8] { bigEndian(id) }

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - UInt64($0) * 8)) }
    }
}

/// Writes protobuf fields (proto3 wire format).
struct ProtoWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func tag(_ field: Int, _ wireType: UInt64) { raw(UInt64(field) << 3 | wireType) }

    mutating func varint(_ field: Int, _ value: UInt64) {
        tag(field, 0)
        raw(value)
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        tag(field, 1)
        for index in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (UInt64(index) * 8))) }
    }

    mutating func fixed32(_ field: Int, _ value: UInt32) {
        tag(field, 5)
        for index in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (UInt32(index) * 8))) }
    }

    mutating func double(_ field: Int, _ value: Double) { fixed64(field, value.bitPattern) }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        tag(field, 2)
        raw(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    /// A nested message, written by `body`.
    mutating func message(_ field: Int, _ body: (inout ProtoWriter) -> Void) {
        var nested = ProtoWriter()
        body(&nested)
        bytes(field, nested.bytes)
    }

    /// `KeyValue` with a string value.
    mutating func keyValue(_ key: String, string value: String) {
        self.string(1, key)
        message(2) { $0.string(1, value) }
    }

    /// `KeyValue` of a span attribute.
    mutating func keyValue(_ key: String, _ value: SpanAttribute) {
        self.string(1, key)
        message(2) { $0.anyValue(value) }
    }

    /// `AnyValue` of a span attribute (arrays as `ArrayValue`).
    mutating func anyValue(_ value: SpanAttribute) {
        func array<Element>(_ elements: [Element], _ write: @escaping (inout ProtoWriter, Element) -> Void) {
            message(5) { list in
                for element in elements { list.message(1) { write(&$0, element) } }
            }
        }
        switch value {
        case .int32(let number): varint(3, UInt64(bitPattern: Int64(number)))
        case .int64(let number): varint(3, UInt64(bitPattern: number))
        case .double(let number): double(4, number)
        case .bool(let flag): varint(2, flag ? 1 : 0)
        case .string(let text): string(1, text)
        case .stringConvertible(let convertible): string(1, convertible.description)
        case .int32Array(let numbers): array(numbers) { $0.varint(3, UInt64(bitPattern: Int64($1))) }
        case .int64Array(let numbers): array(numbers) { $0.varint(3, UInt64(bitPattern: $1)) }
        case .doubleArray(let numbers): array(numbers) { $0.double(4, $1) }
        case .boolArray(let flags): array(flags) { $0.varint(2, $1 ? 1 : 0) }
        case .stringArray(let texts): array(texts) { $0.string(1, $1) }
        case .stringConvertibleArray(let values): array(values) { $0.string(1, $1.description) }
        default: string(1, "\(value)")
        }
    }
}
