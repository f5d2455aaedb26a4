public import Foundation

/// What a client asks of a list: at most `limit` items after an opaque cursor.
/// The one pagination model of the API: keyset pagination over time-ordered identifiers.
public struct PageRequest: Sendable, Equatable {
    /// The largest page a client may ask for.
    public static let maximumLimit = 200
    /// The page size when the client names none.
    public static let defaultLimit = 50

    /// How many items to return (1...200).
    public var limit: Int
    /// Return items strictly after this position; `nil` starts at the beginning.
    public var after: UUID?

    /// Creates a request; `limit` is clamped to 1...200.
    public init(limit: Int = PageRequest.defaultLimit, after: UUID? = nil) {
        self.limit = min(max(limit, 1), Self.maximumLimit)
        self.after = after
    }

    /// Parses the `limit` and `cursor` query parameters, collecting field errors for bad ones.
    public static func parse(limit: String?, cursor: String?) throws(TenantryError) -> PageRequest {
        var validator = Validator()
        var request = PageRequest()
        if let limit {
            if let value = Int(limit), (1...maximumLimit).contains(value) {
                request.limit = value
            } else {
                validator.add("limit", "out_of_range", "limit is a whole number from 1 to \(maximumLimit).")
            }
        }
        if let cursor {
            if let position = Cursor.decode(cursor) {
                request.after = position
            } else {
                validator.add("cursor", "invalid_cursor", "The cursor is not one this server issued.")
            }
        }
        try validator.check()
        return request
    }
}

/// One page of a list, with the cursor for the next page when there is one.
public struct Page<Item: Sendable>: Sendable {
    /// The items, in ascending order of identifier (creation time).
    public var items: [Item]
    /// Pass as `cursor` to get the next page; `nil` on the last page.
    public var nextCursor: String?

    /// Creates a page.
    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    /// Builds a page from up to `limit + 1` fetched items: the extra item, if present, only
    /// proves that another page exists.
    public init(fetched: [Item], limit: Int, position: (Item) -> UUID) {
        if fetched.count > limit {
            let items = Array(fetched.prefix(limit))
            self.items = items
            self.nextCursor = items.last.map { Cursor.encode(position($0)) }
        } else {
            self.items = fetched
            self.nextCursor = nil
        }
    }

    /// The same page with its items transformed.
    public func map<Other: Sendable>(_ transform: (Item) throws -> Other) rethrows -> Page<Other> {
        Page<Other>(items: try items.map(transform), nextCursor: nextCursor)
    }
}

/// Opaque cursors: URL-safe base64 of a versioned position, so their format can change later
/// without clients noticing.
enum Cursor {
    static func encode(_ position: UUID) -> String {
        let text = "v1:" + position.uuidString.lowercased()
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> UUID? {
        guard cursor.utf8.count <= 128 else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64.append("=") }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            text.hasPrefix("v1:")
        else { return nil }
        return UUID(uuidString: String(text.dropFirst(3)))
    }
}
