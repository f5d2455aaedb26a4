/// A JSON value, for documents whose shape is data rather than a type (JSON Schemas).
public indirect enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}

/// The catalogue of domain events: for each ``EventType`` its name, version, description and
/// the JSON Schema (draft 2020-12) of its payload. Written here once, served at
/// `GET /api/v1/event-types` and listed in `docs/events.md`.
public enum EventCatalog {
    /// One event type as the catalogue describes it.
    public struct Entry: Sendable, Equatable, Codable {
        /// The event's name, e.g. `member.added`.
        public var name: String
        /// The payload's version.
        public var version: Int
        /// What happened.
        public var description: String
        /// Whether the event changes who may do what in the tenant.
        public var changesAccess: Bool
        /// The JSON Schema of the payload.
        public var schema: JSONValue

        enum CodingKeys: String, CodingKey {
            case name, version, description, schema
            case changesAccess = "changes_access"
        }
    }

    /// Every event type, in declaration order.
    public static let entries: [Entry] = EventType.allCases.map(entry(for:))

    /// The catalogue entry of one event type.
    public static func entry(for type: EventType) -> Entry {
        Entry(
            name: type.rawValue, version: type.version, description: type.summary, changesAccess: type.changesAccess,
            schema: schema(for: type))
    }

    /// The JSON Schema of an event type's payload (``DomainEvent/Payload``).
    public static func schema(for type: EventType) -> JSONValue {
        let text: JSONValue = .object(["type": .string("string"), "minLength": .number(1)])
        let change: JSONValue = .object([
            "type": .string("object"),
            "properties": .object(["before": text, "after": text]),
            "additionalProperties": .bool(false),
        ])
        return .object([
            "$schema": .string("https://json-schema.org/draft/2020-12/schema"),
            "$id": .string("urn:tenantry:event:\(type.rawValue):v\(type.version)"),
            "title": .string(type.rawValue),
            "description": .string(type.summary),
            "type": .string("object"),
            "required": .array([.string("tenant_id"), .string("actor"), .string("target"), .string("changes")]),
            "additionalProperties": .bool(false),
            "properties": .object([
                "tenant_id": .object(["type": .string("string"), "format": .string("uuid")]),
                "actor": .object([
                    "type": .string("object"),
                    "required": .array([.string("type")]),
                    "additionalProperties": .bool(false),
                    "properties": .object([
                        "type": .object([
                            "enum": .array(["user", "api_key", "operator", "system"].map { .string($0) })
                        ]),
                        "id": text,
                    ]),
                ]),
                "target": .object([
                    "oneOf": .array([
                        .object(["type": .string("null")]),
                        .object([
                            "type": .string("object"),
                            "required": .array([.string("type"), .string("id")]),
                            "additionalProperties": .bool(false),
                            "properties": .object(["type": text, "id": text]),
                        ]),
                    ])
                ]),
                "changes": .object([
                    "type": .string("object"),
                    "propertyNames": .object(["pattern": .string("^[a-z][a-z0-9_.]*$")]),
                    "additionalProperties": change,
                ]),
            ]),
        ])
    }
}
