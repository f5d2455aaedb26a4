import Foundation

/// Token signing keys (global).
public protocol SigningKeyRepository: Sendable {
    /// Every stored key.
    func all() async throws -> [SigningKeyRecord]
    /// Stores a new key.
    func add(_ key: SigningKeyRecord) async throws
    /// Deletes keys that no verifier needs any more.
    func delete(kids: [String]) async throws
}
