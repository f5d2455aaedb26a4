import Foundation

/// Percent-encoding for `application/x-www-form-urlencoded` bodies and query strings: everything
/// but RFC 3986's unreserved characters is escaped, so `+`, `&`, `=` and spaces in a value can
/// never be read as something else by the other side.
public enum FormEncoding {
    /// A form value: text, or a nested object or list, written Stripe's way
    /// (`metadata[tenant_id]=…`, `items[0][price]=…`).
    public indirect enum Value: Sendable, Equatable, ExpressibleByStringLiteral {
        case text(String)
        case object([(String, Value)])
        case list([Value])

        public init(stringLiteral value: String) { self = .text(value) }

        public static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.text(let a), .text(let b)): a == b
            case (.list(let a), .list(let b)): a == b
            case (.object(let a), .object(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
            default: false
            }
        }
    }

    /// `name=value&…`, each part escaped, in the order given.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// Nested values flattened to bracketed names (`a[b]=c`, `items[0][price]=p`), in the order
    /// given, then encoded.
    public static func encode(fields: [(String, Value)]) -> String {
        encode(flatten(fields))
    }

    /// The name/value pairs of nested fields, brackets unescaped.
    public static func flatten(_ fields: [(String, Value)]) -> [(String, String)] {
        var pairs: [(String, String)] = []
        func add(_ name: String, _ value: Value) {
            switch value {
            case .text(let text): pairs.append((name, text))
            case .object(let members): for (key, member) in members { add("\(name)[\(key)]", member) }
            case .list(let items): for (index, item) in items.enumerated() { add("\(name)[\(index)]", item) }
            }
        }
        for (name, value) in fields { add(name, value) }
        return pairs
    }

    /// One name or value, escaped.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                escaped += String(format: "%%%02X", byte)
            }
        }
        return escaped
    }
}
