import Hummingbird
import TenantryApplication
import TenantryCore

extension TenantRequestContext {
    /// The identifier in path parameter `name`; a missing or malformed one names nothing, so it
    /// throws `notFound` (the resource's 404).
    func identifier<Entity>(_ name: String, notFound: TenantryError) throws -> Identifier<Entity> {
        guard let id = parameters.get(name).flatMap(Identifier<Entity>.init) else { throw notFound }
        return id
    }
}

extension KeyedDecodingContainer {
    /// A field of a partial update: `nil` when absent (leave as is), `.some(nil)` when `null`
    /// (clear), `.some(value)` when given.
    func decodeUpdate<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value?? {
        contains(key) ? .some(try decodeIfPresent(type, forKey: key)) : .none
    }
}
