import Tracing

/// A span's W3C trace context: the trace it belongs to, its own id, whether the trace is
/// sampled, and the vendor `tracestate` passed along unchanged. Carried in the
/// `ServiceContext` of the task that runs inside the span.
struct TraceContext: Sendable, Equatable {
    /// The 16-byte trace id, as two big-endian halves.
    var traceHigh: UInt64
    var traceLow: UInt64
    /// The 8-byte span id.
    var spanID: UInt64
    var sampled: Bool
    var traceState: String?

    /// The trace id as 32 lowercase hex digits.
    var traceIDHex: String { Hex.digits(traceHigh) + Hex.digits(traceLow) }
    /// The span id as 16 lowercase hex digits.
    var spanIDHex: String { Hex.digits(spanID) }

    /// `traceparent` (version 00).
    var traceParent: String { "00-\(traceIDHex)-\(spanIDHex)-\(sampled ? "01" : "00")" }

    /// Parses a `traceparent` header; `nil` when it is not one (then a new trace begins).
    /// Versions other than 00 are read as 00 reads them, as the W3C specification asks; `ff`,
    /// all-zero ids and malformed fields are refused.
    init?(traceParent text: String, traceState: String?) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"),
            bytes[52] == UInt8(ascii: "-"), bytes.count == 55 || bytes[55] == UInt8(ascii: "-"),
            let version = Hex.value(bytes[0..<2]), version != 0xff, version != 0 || bytes.count == 55,
            let high = Hex.value(bytes[3..<19]), let low = Hex.value(bytes[19..<35]),
            let span = Hex.value(bytes[36..<52]), let flags = Hex.value(bytes[53..<55]),
            high != 0 || low != 0, span != 0
        else { return nil }
        traceHigh = high
        traceLow = low
        spanID = span
        sampled = flags & 1 == 1
        self.traceState = traceState
    }

    init(traceHigh: UInt64, traceLow: UInt64, spanID: UInt64, sampled: Bool, traceState: String?) {
        self.traceHigh = traceHigh
        self.traceLow = traceLow
        self.spanID = spanID
        self.sampled = sampled
        self.traceState = traceState
    }
}

/// The `ServiceContext` key of the current span's trace context.
enum TraceContextKey: ServiceContextKey {
    typealias Value = TraceContext
    static var nameOverride: String? { "tenantry.trace_context" }
}

extension ServiceContext {
    /// The trace context of the span this context belongs to, if any.
    var traceContext: TraceContext? {
        get { self[TraceContextKey.self] }
        set { self[TraceContextKey.self] = newValue }
    }
}

/// Lowercase hex of ids, and back.
enum Hex {
    private static let digitTable: [UInt8] = Array("0123456789abcdef".utf8)

    /// 16 hex digits of `value`.
    static func digits(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            for index in 0..<16 {
                buffer[index] = digitTable[Int((value >> (60 - UInt64(index) * 4)) & 0xf)]
            }
            return 16
        }
    }

    /// The value of up to 16 lowercase hex digits; `nil` for anything else.
    static func value(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        var result: UInt64 = 0
        for byte in bytes {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            result = result << 4 | UInt64(digit)
        }
        return result
    }
}
