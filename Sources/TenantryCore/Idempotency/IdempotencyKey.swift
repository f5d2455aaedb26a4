public import Foundation

/// A client's `Idempotency-Key`: 1 to 255 characters from `A-Z a-z 0-9` and `- _ . : ~ + / =`,
/// which covers UUIDs, ULIDs and base64 or base64url tokens. The structured-field string form of
/// the IETF draft (`"…"`, in double quotes) is accepted and names the same key as the bare form.
public struct IdempotencyKey: Sendable, Hashable, CustomStringConvertible {
    /// The key without the optional quotes.
    public let rawValue: String

    /// The longest accepted key.
    public static let maximumLength = 255

    /// Reads the value of an `Idempotency-Key` header; `invalid_idempotency_key` when it breaks
    /// the rules above.
    public init(header value: String) throws(TenantryError) {
        var key = Substring(value)
        if key.count >= 2, key.hasPrefix("\""), key.hasSuffix("\"") {
            key = key.dropFirst().dropLast()
        }
        let bytes = key.utf8
        guard !bytes.isEmpty, bytes.count <= Self.maximumLength, bytes.allSatisfy(Self.isAllowed) else {
            throw TenantryError(
                .invalidIdempotencyKey,
                "Idempotency-Key has 1 to \(Self.maximumLength) characters from A-Z, a-z, 0-9 and - _ . : ~ + / =."
            )
        }
        self.rawValue = String(key)
    }

    /// Whether an ASCII byte may appear in a key.
    static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "~"), UInt8(ascii: "+"),
            UInt8(ascii: "/"), UInt8(ascii: "="):
            true
        default:
            false
        }
    }

    public var description: String { rawValue }
}

/// How long outcomes are kept, how long a reservation holds its key, and which outcomes are
/// final enough to replay (decision record 0014).
public struct IdempotencyPolicy: Sendable {
    /// How long a key's outcome is replayed, from the first request: 24 hours.
    public var retention: TimeInterval
    /// How long a reservation holds its key without an outcome; after that the request is taken
    /// for lost (its node crashed) and the key may be used again: 60 seconds, above the longest a
    /// request may run, including the 30 seconds of graceful shutdown.
    public var lockTimeout: TimeInterval

    /// Creates a policy; the defaults are the production values.
    public init(retention: TimeInterval = 86_400, lockTimeout: TimeInterval = 60) {
        self.retention = retention
        self.lockTimeout = lockTimeout
    }

    /// Whether a response with this status is stored and replayed. Every 2xx, 3xx and 4xx
    /// outcome is final, except the ones that tell the client to try again later: 408, 409
    /// (a conflict may pass), 425 and 429. A 5xx or a thrown error frees the key instead.
    public static func stores(status: Int) -> Bool {
        switch status {
        case 408, 409, 425, 429: false
        case 200..<500: true
        default: false
        }
    }
}
