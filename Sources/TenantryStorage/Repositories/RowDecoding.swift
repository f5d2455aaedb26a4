import Foundation
import SQLKit
import TenantryCore

extension SQLRow {
    /// Decodes a stored identifier (UUID on PostgreSQL, text on SQLite).
    func identifier<Tag>(_ column: String, as _: Identifier<Tag>.Type = Identifier<Tag>.self) throws -> Identifier<Tag> {
        Identifier<Tag>(try decode(column: column, as: UUID.self))
    }

    /// Decodes a stored value that the domain validates (a slug, an email), treating a stored
    /// value that no longer validates as corruption rather than bad input.
    func validated<Value>(_ column: String, _ parse: (String) throws -> Value) throws -> Value {
        let text = try decode(column: column, as: String.self)
        do {
            return try parse(text)
        } catch {
            throw TenantryError(.internalError, "A stored \(column) value is invalid.", cause: error)
        }
    }

    /// Decodes a stored enumeration value.
    func enumeration<Value: RawRepresentable>(_ column: String, as _: Value.Type) throws -> Value
    where Value.RawValue == String {
        let text = try decode(column: column, as: String.self)
        guard let value = Value(rawValue: text) else {
            throw TenantryError(.internalError, "A stored \(column) value is unknown.")
        }
        return value
    }
}
