public import Foundation

/// Collects field errors while validating input, then throws them all at once as one
/// `validation_failed` error, so a client learns about every bad field in one round trip.
public struct Validator: Sendable {
    /// The problems found so far.
    public private(set) var errors: [FieldError] = []

    /// Creates an empty validator.
    public init() {}

    /// Records a problem with a field.
    public mutating func add(_ field: String, _ code: String, _ message: String) {
        errors.append(FieldError(field: field, code: code, message: message))
    }

    /// Checks a free-text filter (a search or a query parameter): 1 to `maximum` code points and
    /// no control characters (which no stored text has, and which PostgreSQL refuses outright in
    /// the case of NUL). Records the problem and returns `nil` when it is not one.
    public mutating func filterText(_ text: String, field: String, maximum: Int) -> String? {
        let length = text.unicodeScalars.count
        if length == 0 || length > maximum {
            add(field, "invalid_value", "\(field) is 1 to \(maximum) characters.")
            return nil
        }
        if StoredText.hasControlCharacter(text) {
            add(field, "invalid_value", "\(field) must not contain control characters.")
            return nil
        }
        return text
    }

    /// Checks an RFC 3339 timestamp (a query parameter or a body field). Records the problem and
    /// returns `nil` when it is not one.
    public mutating func timestamp(_ text: String, field: String) -> Date? {
        guard let date = RFC3339.parse(text) else {
            add(field, "invalid_timestamp", "\(field) is an RFC 3339 timestamp, e.g. 2026-11-25T08:00:00Z.")
            return nil
        }
        return date
    }

    /// Runs a parsing step; a thrown `validation_failed` error's field errors are collected
    /// and `nil` is returned instead.
    public mutating func capture<T>(_ parse: () throws -> T) rethrows -> T? {
        do {
            return try parse()
        } catch let error as TenantryError where error.code == .validationFailed {
            errors.append(contentsOf: error.fieldErrors)
            return nil
        }
    }

    /// Throws a `validation_failed` error when any problem was recorded.
    public func check() throws(TenantryError) {
        guard errors.isEmpty else {
            throw TenantryError(.validationFailed, "The request has invalid fields.", fieldErrors: errors)
        }
    }

    /// Throws a single-field `validation_failed` error.
    public static func fail(_ field: String, _ code: String, _ message: String) -> TenantryError {
        TenantryError(
            .validationFailed,
            "The request has invalid fields.",
            fieldErrors: [FieldError(field: field, code: code, message: message)]
        )
    }
}
