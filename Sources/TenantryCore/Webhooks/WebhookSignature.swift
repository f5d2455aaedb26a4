public import Crypto
public import Foundation

/// A webhook signing secret in the Standard Webhooks form: `whsec_` and the base64 of its
/// random bytes. Shown once when made; stored sealed with the master key.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible {
    /// The prefix every secret's text starts with.
    public static let marker = "whsec_"
    /// Random bytes in a secret the server makes (the specification asks for 24 to 64).
    public static let generatedBytes = 32

    /// The key bytes the HMAC uses.
    public let key: SymmetricKey
    /// The secret as shown: `whsec_` + base64 of the key bytes.
    public let text: String

    /// A new random secret of ``generatedBytes`` bytes.
    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<generatedBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return WebhookSecret(bytes: Data(bytes))
    }

    /// A secret from its key bytes.
    public init(bytes: Data) {
        self.key = SymmetricKey(data: bytes)
        self.text = Self.marker + bytes.base64EncodedString()
    }

    /// Parses `whsec_<base64>` of 24 to 64 bytes; `nil` for any other text.
    public init?(text: String) {
        guard text.hasPrefix(Self.marker), let bytes = Data(base64Encoded: String(text.dropFirst(Self.marker.count))),
            (24...64).contains(bytes.count)
        else { return nil }
        self.init(bytes: bytes)
    }

    /// Never the secret itself: logs and debug output show only that one is there.
    public var description: String { "whsec_…" }

    public static func == (lhs: WebhookSecret, rhs: WebhookSecret) -> Bool { lhs.text == rhs.text }
}

/// Signs and verifies webhook messages as the Standard Webhooks specification says: the
/// signed content is `<webhook-id>.<webhook-timestamp>.<body>`, the signature
/// `v1,<base64 HMAC-SHA256>`, and several signatures, space-separated, are sent while a
/// secret is rotated (one per valid secret).
public enum WebhookSignature {
    /// The header names of the specification.
    public enum Header {
        public static let id = "webhook-id"
        public static let timestamp = "webhook-timestamp"
        public static let signature = "webhook-signature"
    }

    /// The `v1,` signature of one message with one secret.
    public static func sign(id: String, timestamp: Int64, body: some DataProtocol, secret: WebhookSecret) -> String {
        var hmac = HMAC<SHA256>(key: secret.key)
        hmac.update(data: Data("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }

    /// The `webhook-signature` header: one signature per secret, in the order given, separated
    /// by single spaces.
    public static func header(id: String, timestamp: Int64, body: some DataProtocol, secrets: [WebhookSecret]) -> String {
        secrets.map { sign(id: id, timestamp: timestamp, body: body, secret: $0) }.joined(separator: " ")
    }

    /// Whether any `v1,` signature in `header` is the signature of the message with any of
    /// `secrets`, compared in constant time. Other versions in the header are ignored.
    public static func verify(
        header: String, id: String, timestamp: Int64, body: some DataProtocol, secrets: [WebhookSecret]
    ) -> Bool {
        let presented = header.split(separator: " ").compactMap { part -> Data? in
            guard part.hasPrefix("v1,") else { return nil }
            return Data(base64Encoded: String(part.dropFirst(3)))
        }
        guard !presented.isEmpty else { return false }
        var matched = false
        for secret in secrets {
            var hmac = HMAC<SHA256>(key: secret.key)
            hmac.update(data: Data("\(id).\(timestamp).".utf8))
            hmac.update(data: body)
            let expected = hmac.finalize()
            for signature in presented where expected == signature {
                // `HashedAuthenticationCode ==` compares in constant time; keep looking anyway so
                // the time taken does not say which secret matched.
                matched = true
            }
        }
        return matched
    }
}
