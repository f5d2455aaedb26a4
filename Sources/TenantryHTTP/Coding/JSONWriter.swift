import Foundation
import Hummingbird
import TenantryCore

/// Writes JSON by hand for the hottest responses (`GET /api/v1/me`), byte for byte what
/// ``JSONCoding/encoder`` writes for the same value: keys in sorted order as written by the
/// caller, absent optionals left out, timestamps from ``FastFormatting/timestamp(_:)``, no
/// escaped slashes. Foundation's encoder spends most of such a request's time on key
/// conversion and boxing. A type written this way stays `Encodable`, and a test compares both
/// encodings of it, so a field added to the type and forgotten here fails the tests.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init() {
        bytes.reserveCapacity(1024)
    }

    /// Writes an object; `body` writes its fields, in sorted key order.
    mutating func object(_ body: (inout JSONWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        let outer = needsComma
        needsComma = false
        body(&self)
        needsComma = outer
        bytes.append(UInt8(ascii: "}"))
    }

    /// Writes a string field; nothing when `value` is `nil`.
    mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        JSONString.append(value, to: &bytes)
    }

    /// Writes a Boolean field.
    mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        raw(value ? "true" : "false")
    }

    /// Writes a timestamp field.
    mutating func field(_ name: StaticString, _ value: Date) {
        key(name)
        JSONString.append(FastFormatting.timestamp(value), to: &bytes)
    }

    /// Writes a whole-number field; nothing when `value` is `nil`.
    mutating func field(_ name: StaticString, _ value: Int64?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: Array(String(value).utf8))
    }

    /// Writes a field whose value is JSON text the server itself wrote and stored (e.g. an audit
    /// event's changes), byte for byte.
    mutating func field(_ name: StaticString, storedJSON: String) {
        key(name)
        bytes.append(contentsOf: storedJSON.utf8)
    }

    /// Writes an object followed by a line feed: one line of JSON Lines.
    mutating func line(_ body: (inout JSONWriter) -> Void) {
        object(body)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Takes the bytes written so far, leaving the writer empty (for streaming in batches).
    mutating func take() -> [UInt8] {
        defer {
            bytes.removeAll(keepingCapacity: true)
            needsComma = false
        }
        return bytes
    }

    /// Writes an object field; nothing when `value` is `nil`.
    mutating func field<Value>(_ name: StaticString, _ value: Value?, _ body: (inout JSONWriter, Value) -> Void) {
        guard let value else { return }
        key(name)
        object { body(&$0, value) }
    }

    /// Writes an array of objects.
    mutating func field<Element>(_ name: StaticString, array: [Element], _ body: (inout JSONWriter, Element) -> Void) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, element) in array.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            object { body(&$0, element) }
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// The written JSON as a `200` response, with the headers Hummingbird's JSON encoder sets.
    func response() -> Response {
        var headers = HTTPFields()
        headers.reserveCapacity(4)
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(bytes.count)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    private mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        bytes.append(UInt8(ascii: "\""))
        raw(name)
        raw("\":")
    }

    private mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }
}
