import Crypto
import CryptoExtras
import Foundation

/// Slow, salted password hashing in a self-describing format, so parameters can be raised later
/// and old hashes upgraded at the next sign-in.
///
/// Format (PHC string style): `$pbkdf2-sha256$i=<iterations>$<salt>$<hash>`, salt and hash in
/// unpadded standard base64. PBKDF2-HMAC-SHA256 with 600,000 iterations follows the OWASP
/// recommendation and, unlike memory-hard functions, keeps each hash's memory tiny, which the
/// server's memory budget needs (see docs/decisions/0007-password-hashing-pbkdf2.md).
public struct PasswordHasher: Sendable {
    /// Iterations for new hashes.
    public let iterations: Int

    /// The OWASP-recommended work factor for PBKDF2-HMAC-SHA256.
    public static let recommendedIterations = 600_000

    /// Creates a hasher; tests may use fewer iterations to run faster.
    public init(iterations: Int = PasswordHasher.recommendedIterations) {
        self.iterations = iterations
    }

    /// Hashes a password with a fresh 16-byte salt.
    public func hash(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = UInt8.random(in: .min ... .max, using: &generator) }
        let derived = try derive(password, salt: salt, iterations: iterations)
        return "$pbkdf2-sha256$i=\(iterations)$\(Self.base64(salt))$\(Self.base64(derived))"
    }

    /// Checks a password against a stored hash in constant time. A hash in an unknown format
    /// never matches.
    public func verify(_ password: String, against stored: String) -> Bool {
        guard let parsed = Self.parse(stored),
            let derived = try? derive(password, salt: parsed.salt, iterations: parsed.iterations)
        else { return false }
        guard derived.count == parsed.hash.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(derived, parsed.hash) { difference |= left ^ right }
        return difference == 0
    }

    /// True when a stored hash was made with other parameters than this hasher's.
    public func needsRehash(_ stored: String) -> Bool {
        guard let parsed = Self.parse(stored) else { return true }
        return parsed.iterations != iterations
    }

    /// Spends the same work as a real verification, for callers that must not reveal whether
    /// an account exists by answering faster.
    public func simulateVerification(_ password: String) {
        _ = try? derive(password, salt: [UInt8](repeating: 0, count: 16), iterations: iterations)
    }

    private func derive(_ password: String, salt: [UInt8], iterations: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8),
            salt: salt,
            using: .sha256,
            outputByteCount: 32,
            unsafeUncheckedRounds: iterations
        )
        return key.withUnsafeBytes { Array($0) }
    }

    private static func parse(_ stored: String) -> (iterations: Int, salt: [UInt8], hash: [UInt8])? {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "pbkdf2-sha256", parts[2].hasPrefix("i="),
            let iterations = Int(parts[2].dropFirst(2)), iterations > 0,
            let salt = unbase64(parts[3]), let hash = unbase64(parts[4])
        else { return nil }
        return (iterations, salt, hash)
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    private static func unbase64(_ text: Substring) -> [UInt8]? {
        var padded = String(text)
        while padded.utf8.count % 4 != 0 { padded.append("=") }
        return Data(base64Encoded: padded).map { Array($0) }
    }
}
