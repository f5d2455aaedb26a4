import Crypto
import Foundation

/// Opaque secrets handed to clients (refresh tokens, email links): random bytes in URL-safe
/// base64, stored only as their SHA-256.
public enum SecretToken {
    /// A new secret of `bytes` random bytes (32 = 256 bits by default).
    public static func generate(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(raw)
    }

    /// The value stored at rest: lower-case hex SHA-256 of the secret's text.
    public static func digest(_ secret: String) -> String {
        FastFormatting.hex(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Whether a presented secret is the expected one, compared in time that depends on neither
    /// their contents nor their lengths: their SHA-256 digests are compared in full.
    public static func matches(_ presented: String, _ expected: String) -> Bool {
        SHA256.hash(data: Data(presented.utf8)) == SHA256.hash(data: Data(expected.utf8))
    }

    /// URL-safe base64 without padding.
    public static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
