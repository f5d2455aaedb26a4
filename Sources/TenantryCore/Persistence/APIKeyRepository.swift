public import Foundation

/// One tenant's API keys and their secrets (stored as SHA-256 only).
public protocol APIKeyRepository: Sendable {
    /// The tenant whose keys this repository reads and writes.
    var tenantID: TenantID { get }
    /// Stores a new key with its first secret.
    func create(_ key: APIKey, secretHash: String) async throws
    /// Adds a secret to a key (rotation).
    func addSecret(hash: String, keyID: APIKeyID, at time: Date, expiresAt: Date?) async throws
    /// Ends the key's current secrets at `until` (the rotation overlap), except `keeping`;
    /// secrets already ending sooner keep their earlier end.
    func expireSecrets(of keyID: APIKeyID, except keeping: String, until: Date) async throws
    /// The key with this id, if any.
    func find(id: APIKeyID) async throws -> APIKey?
    /// The key a secret belongs to and when that secret stops working (`nil`: with the key).
    func find(secretHash: String) async throws -> (key: APIKey, secretExpiresAt: Date?)?
    /// Keys in creation order, one page at a time (revoked ones included, marked).
    func list(_ page: PageRequest) async throws -> Page<APIKey>
    /// Saves a key's name, expiry, own rate limit and display prefix and suffix (which change on
    /// rotation).
    func update(_ key: APIKey) async throws
    /// Revokes a key (idempotent); `not_found` when there is none.
    func revoke(id: APIKeyID, at time: Date) async throws
    /// Revokes every live key a user created; returns their ids.
    func revokeAll(createdBy userID: UserID, at time: Date) async throws -> [APIKeyID]
    /// Records when keys were last used (batched from memory).
    func recordUse(_ uses: [(APIKeyID, Date)]) async throws
}

/// Finds the tenant a presented secret (an API key, an invitation token) belongs to before any
/// tenant scope exists. On PostgreSQL through database functions that raise the platform scope
/// for that one query alone.
public protocol CredentialDirectory: Sendable {
    /// The tenant and key of a secret hash, if any.
    func owner(ofSecretHash hash: String) async throws -> (tenantID: TenantID, keyID: APIKeyID)?
    /// The tenant and invitation of an invitation token hash, if any.
    func invitation(ofTokenHash hash: String) async throws -> (tenantID: TenantID, invitationID: InvitationID)?
}
