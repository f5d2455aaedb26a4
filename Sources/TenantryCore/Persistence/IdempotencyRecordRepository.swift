public import Foundation

/// Reservations and stored outcomes of idempotent requests (a global table). Every statement
/// names the scope hash, which only the caller that owns the key can compute, or works on
/// expiry alone (the sweep) or on one tenant (the purge).
public protocol IdempotencyRecordRepository: Sendable {
    /// Reserves the key: inserts the record unless one exists for its scope. Returns whether
    /// this call inserted it; concurrent callers race on the primary key, and exactly one wins.
    func reserve(_ record: IdempotencyRecord) async throws -> Bool
    /// The record of a scope, if any.
    func find(scopeHash: String) async throws -> IdempotencyRecord?
    /// Takes over a key whose record has expired, or whose reservation was never completed and
    /// whose lock has run out (its request was lost with its node). Compare-and-set: returns
    /// whether this call won.
    func takeOver(_ record: IdempotencyRecord, now: Date) async throws -> Bool
    /// Stores the outcome of the reservation `ownerToken` holds; returns whether it still held it.
    @discardableResult
    func complete(scopeHash: String, ownerToken: UUID, status: Int, sealedResponse: String) async throws -> Bool
    /// Frees the key held by `ownerToken` (the request failed in a way the client may retry).
    func release(scopeHash: String, ownerToken: UUID) async throws
    /// Deletes up to `limit` records that expired at or before `now`; returns how many.
    func deleteExpired(before now: Date, limit: Int) async throws -> Int
    /// Deletes every record of a tenant: for the tenant purge, which finds tenant-scoped tables
    /// by their `tenant_id` column and would not see this one. Returns how many.
    @discardableResult
    func delete(tenant tenantID: TenantID) async throws -> Int
}

/// One key's reservation or outcome in `idempotency_records`.
public struct IdempotencyRecord: Sendable, Equatable {
    /// SHA-256 (hex) of the tenant, the principal and the key: the row's only way in.
    public var scopeHash: String
    /// The tenant the request acted in, if any (for the tenant purge).
    public var tenantID: TenantID?
    /// A random token of the request that holds the reservation; only it may complete or release it.
    public var ownerToken: UUID
    /// The request's fingerprint (method, path, body hash), sealed with the master key.
    public var sealedRequest: String
    /// The stored response's status, once there is one.
    public var responseStatus: Int?
    /// The stored response, sealed with the master key; `nil` while the first request runs.
    public var sealedResponse: String?
    /// Until when an unfinished reservation holds the key.
    public var lockedUntil: Date?
    /// When the key was first used.
    public var createdAt: Date
    /// When the record stops counting and may be deleted.
    public var expiresAt: Date

    /// Creates a record.
    public init(
        scopeHash: String, tenantID: TenantID?, ownerToken: UUID, sealedRequest: String, responseStatus: Int? = nil,
        sealedResponse: String? = nil, lockedUntil: Date?, createdAt: Date, expiresAt: Date
    ) {
        self.scopeHash = scopeHash
        self.tenantID = tenantID
        self.ownerToken = ownerToken
        self.sealedRequest = sealedRequest
        self.responseStatus = responseStatus
        self.sealedResponse = sealedResponse
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
