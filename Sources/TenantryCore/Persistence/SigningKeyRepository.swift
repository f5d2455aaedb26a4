import Foundation

/// Token signing keys (global).
public protocol SigningKeyRepository: Sendable {
    /// Every stored key.
    func all() async throws -> [SigningKeyRecord]
    /// Stores a new key.
    func add(_ key: SigningKeyRecord) async throws
    /// Deletes keys that no verifier needs any more.
    func delete(kids: [String]) async throws
    /// Holds, until the transaction ends, the lock that serializes decisions about which keys
    /// exist (PostgreSQL: a transaction-level advisory lock; SQLite's transactions are serial
    /// anyway), so nodes starting together on an empty database create one first key.
    func lockSchedule() async throws
}
