/// An optional request field that may be left out but not sent as `null`: synthesized decoding
/// would read `null` as absent, which the API document does not allow for such a field. Declare
/// it `@NotNull var field: Value?`; `null` is then refused like any value of the wrong type (422
/// `validation_failed` naming the field).
@propertyWrapper
struct NotNull<Value: Decodable>: Decodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    init(from decoder: any Decoder) throws {
        wrappedValue = try decoder.singleValueContainer().decode(Value.self)
    }
}

extension NotNull: Sendable where Value: Sendable {}

extension KeyedDecodingContainer {
    /// Synthesized decoding of a `@NotNull` field calls this (a wrapped field is not optional
    /// to the compiler, so it would otherwise require the key).
    func decode<Value>(_ type: NotNull<Value>.Type, forKey key: Key) throws -> NotNull<Value> {
        NotNull(wrappedValue: try decodeIfGiven(Value.self, forKey: key))
    }

    /// An optional field that may not be `null`: `nil` when absent, the value when given, and
    /// `null` refused (see ``NotNull``). For hand-written decoders.
    func decodeIfGiven<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value? {
        contains(key) ? try decode(type, forKey: key) : nil
    }

    /// A field of a partial update: `nil` when absent (leave as is), `.some(nil)` when `null`
    /// (clear), `.some(value)` when given.
    func decodeUpdate<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value?? {
        contains(key) ? .some(try decodeIfPresent(type, forKey: key)) : .none
    }
}
