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
    /// Notes, inside a write transaction of the request that holds the reservation, that the
    /// transaction commits (``IdempotencyFence``). Throws `idempotency_in_progress` when another
    /// request has taken the reservation over, so this transaction rolls back instead of doing
    /// the work a second time; does nothing when the reservation is gone (released).
    func fence(scopeHash: String, ownerToken: UUID, now: Date) async throws
    /// Frees the key held by `ownerToken` (the request failed in a way the client may retry),
    /// unless one of its transactions committed: then the record stays, and answers
    /// `idempotency_outcome_lost` once its lock has run out.
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
    /// Whether a transaction of the request that holds the reservation has committed (see
    /// ``IdempotencyFence``): its writes are done, even if no response was stored.
    public var committed: Bool

    /// Creates a record.
    public init(
        scopeHash: String, tenantID: TenantID?, ownerToken: UUID, sealedRequest: String, responseStatus: Int? = nil,
        sealedResponse: String? = nil, lockedUntil: Date?, createdAt: Date, expiresAt: Date, committed: Bool = false
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
        self.committed = committed
    }
}

/// The reservation of the request being served, for the storage layer: every write transaction
/// run while it is set notes in the reservation's record, in the same transaction, that it
/// commits, and rolls back if the reservation was taken over meanwhile. So a request whose node
/// dies after its writes committed and before its response was stored is never run again
/// (a retry gets `idempotency_outcome_lost`), and a request whose reservation lapsed while it
/// ran cannot commit beside its retry.
public enum IdempotencyFence {
    /// A held reservation.
    public struct Reservation: Sendable {
        /// The record's scope hash.
        public var scopeHash: String
        /// The token of the request that holds it.
        public var ownerToken: UUID

        /// Creates a value.
        public init(scopeHash: String, ownerToken: UUID) {
            self.scopeHash = scopeHash
            self.ownerToken = ownerToken
        }
    }

    /// The reservation of the request this task serves, if it sent an `Idempotency-Key`.
    @TaskLocal public static var current: Reservation?
}
