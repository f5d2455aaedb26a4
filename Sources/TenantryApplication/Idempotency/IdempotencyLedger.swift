public import Foundation
public import TenantryCore

/// The stored side of `Idempotency-Key` (decision record 0014): reserves a key for one request,
/// keeps its outcome sealed with the master key, and frees it when the outcome is not to be
/// kept. The HTTP guard captures requests and responses; this type decides what a key means.
public struct IdempotencyLedger: Sendable {
    /// What a claim found.
    public enum Claim: Sendable {
        /// The key is reserved for this request; `ownerToken` proves it later.
        case owned(UUID)
        /// The key's first request finished: its outcome, to answer again.
        case replay(StoredResponse)
    }

    let database: any DataStore
    let seal: IdempotencySeal
    /// Retention, lock timeout and which outcomes are stored.
    public let policy: IdempotencyPolicy
    /// The current time (tests inject a clock).
    public let now: @Sendable () -> Date

    /// Creates the ledger.
    public init(
        database: any DataStore, masterKey: MasterKey, policy: IdempotencyPolicy,
        now: @escaping @Sendable () -> Date
    ) {
        self.database = database
        self.seal = IdempotencySeal(masterKey: masterKey)
        self.policy = policy
        self.now = now
    }

    /// Reserves the key or decides what the existing record means. The insert is the arbiter:
    /// of concurrent requests with one key exactly one inserts, and the others read its record.
    /// Throws `idempotency_key_reused` for another request under the key,
    /// `idempotency_in_progress` while its first request runs, and `idempotency_outcome_lost`
    /// when its first request committed and its node stopped before storing the response.
    public func claim(scopeHash: String, tenantID: TenantID?, fingerprint: IdempotencyFingerprint) async throws -> Claim {
        let now = now()
        let sealedRequest = try seal.seal(fingerprint, scope: scopeHash)
        let record = IdempotencyRecord(
            scopeHash: scopeHash, tenantID: tenantID, ownerToken: UUID(), sealedRequest: sealedRequest,
            lockedUntil: now.addingTimeInterval(policy.lockTimeout), createdAt: now,
            expiresAt: now.addingTimeInterval(policy.retention)
        )
        return try await database.withGlobal { scope in
            let records = scope.idempotencyRecords
            // A record can vanish between the insert and the read (released or swept): try again.
            for _ in 0..<3 {
                if try await records.reserve(record) { return .owned(record.ownerToken) }
                guard let existing = try await records.find(scopeHash: scopeHash) else { continue }
                let lockLapsed = existing.sealedResponse == nil && (existing.lockedUntil ?? now) <= now
                // A reservation whose request committed is never taken over: its work is done.
                if existing.expiresAt <= now || (lockLapsed && !existing.committed) {
                    if try await records.takeOver(record, now: now) { return .owned(record.ownerToken) }
                    continue
                }
                guard try seal.openFingerprint(existing.sealedRequest, scope: scopeHash).matches(fingerprint) else {
                    throw TenantryError(
                        .idempotencyKeyReused,
                        "This Idempotency-Key was already used for another request (method, path or body); use a new key."
                    )
                }
                guard let sealed = existing.sealedResponse else {
                    if lockLapsed {
                        throw TenantryError(
                            .idempotencyOutcomeLost,
                            "The first request with this Idempotency-Key was carried out, but the server stopped before its response was stored; it is not run again. Read the result (for example, list the resource) instead of retrying."
                        )
                    }
                    throw TenantryError(
                        .idempotencyInProgress, "The first request with this Idempotency-Key is still running; retry shortly.")
                }
                return .replay(try seal.openResponse(sealed, scope: scopeHash))
            }
            throw TenantryError(
                .idempotencyInProgress, "The first request with this Idempotency-Key is still running; retry shortly.")
        }
    }

    /// Keeps the outcome of the request that owns the key; `false` when the reservation was
    /// taken over meanwhile (its lock lapsed), so nothing was stored.
    public func complete(scopeHash: String, ownerToken: UUID, outcome: StoredResponse) async throws -> Bool {
        let sealed = try seal.seal(outcome, scope: scopeHash)
        return try await database.withGlobal { scope in
            try await scope.idempotencyRecords.complete(
                scopeHash: scopeHash, ownerToken: ownerToken, status: outcome.status, sealedResponse: sealed)
        }
    }

    /// Frees the key, so the client may retry.
    public func release(scopeHash: String, ownerToken: UUID) async throws {
        try await database.withGlobal { scope in
            try await scope.idempotencyRecords.release(scopeHash: scopeHash, ownerToken: ownerToken)
        }
    }
}
