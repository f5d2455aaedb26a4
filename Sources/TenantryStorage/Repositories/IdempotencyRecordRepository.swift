public import Foundation
import SQLKit
public import TenantryCore

/// Reservations and stored outcomes of idempotent requests (a global table). Every statement
/// names the scope hash, which only the caller that owns the key can compute, or works on
/// expiry alone (the sweep) or on one tenant (the purge).
public struct SQLIdempotencyRecordRepository: IdempotencyRecordRepository {
    let sql: any SQLDatabase

    private static let columns =
        "scope_hash, scope_tenant_id, owner_token, sealed_request, response_status, sealed_response, locked_until, created_at, expires_at, committed_at"

    /// Reserves the key: inserts the record unless one exists for its scope. Returns whether
    /// this call inserted it; concurrent callers race on the primary key, and exactly one wins.
    public func reserve(_ record: IdempotencyRecord) async throws -> Bool {
        let rows = try await sql.raw(
            """
            INSERT INTO idempotency_records (\(unsafeRaw: Self.columns))
            VALUES (\(bind: record.scopeHash), \(bind: record.tenantID?.rawValue), \(bind: record.ownerToken),
                    \(bind: record.sealedRequest), NULL, NULL, \(bind: record.lockedUntil), \(bind: record.createdAt),
                    \(bind: record.expiresAt), NULL)
            ON CONFLICT (scope_hash) DO NOTHING
            RETURNING scope_hash
            """
        ).all()
        return !rows.isEmpty
    }

    /// The record of a scope, if any.
    public func find(scopeHash: String) async throws -> IdempotencyRecord? {
        try await sql.raw(
            "SELECT \(unsafeRaw: Self.columns) FROM idempotency_records WHERE scope_hash = \(bind: scopeHash)"
        ).first().map(Self.decode)
    }

    /// Takes over a key whose record has expired, or whose reservation was never completed and
    /// whose lock has run out (its request was lost with its node). Compare-and-set: returns
    /// whether this call won.
    public func takeOver(_ record: IdempotencyRecord, now: Date) async throws -> Bool {
        let rows = try await sql.raw(
            """
            UPDATE idempotency_records SET owner_token = \(bind: record.ownerToken),
                sealed_request = \(bind: record.sealedRequest), response_status = NULL, sealed_response = NULL,
                locked_until = \(bind: record.lockedUntil), created_at = \(bind: record.createdAt),
                expires_at = \(bind: record.expiresAt), committed_at = NULL
            WHERE scope_hash = \(bind: record.scopeHash)
              AND (expires_at <= \(bind: now)
                   OR (sealed_response IS NULL AND committed_at IS NULL AND locked_until <= \(bind: now)))
            RETURNING scope_hash
            """
        ).all()
        return !rows.isEmpty
    }

    /// Stores the outcome of the reservation `ownerToken` holds; returns whether it still held it.
    @discardableResult
    public func complete(scopeHash: String, ownerToken: UUID, status: Int, sealedResponse: String) async throws -> Bool {
        let rows = try await sql.raw(
            """
            UPDATE idempotency_records SET response_status = \(bind: status), sealed_response = \(bind: sealedResponse),
                locked_until = NULL
            WHERE scope_hash = \(bind: scopeHash) AND owner_token = \(bind: ownerToken) AND sealed_response IS NULL
            RETURNING scope_hash
            """
        ).all()
        return !rows.isEmpty
    }

    /// Notes in the write transaction that it commits; throws `idempotency_in_progress` when
    /// another request took the reservation over (see ``IdempotencyFence``).
    public func fence(scopeHash: String, ownerToken: UUID, now: Date) async throws {
        let held = try await sql.raw(
            """
            UPDATE idempotency_records SET committed_at = coalesce(committed_at, \(bind: now))
            WHERE scope_hash = \(bind: scopeHash) AND owner_token = \(bind: ownerToken)
            RETURNING scope_hash
            """
        ).all()
        guard held.isEmpty else { return }
        // Not held: released (work after the response, e.g. a task it started) is fine; taken
        // over means a retry runs the request now, and this transaction must not commit too.
        let present = try await sql.raw(
            "SELECT scope_hash FROM idempotency_records WHERE scope_hash = \(bind: scopeHash)"
        ).first()
        if present != nil {
            throw TenantryError(
                .idempotencyInProgress,
                "A retry with this Idempotency-Key took over while this request ran; this one was rolled back.")
        }
    }

    /// Frees the key held by `ownerToken` (the request failed in a way the client may retry),
    /// unless one of its transactions committed.
    public func release(scopeHash: String, ownerToken: UUID) async throws {
        try await sql.raw(
            """
            DELETE FROM idempotency_records
            WHERE scope_hash = \(bind: scopeHash) AND owner_token = \(bind: ownerToken) AND sealed_response IS NULL
              AND committed_at IS NULL
            """
        ).run()
    }

    /// Deletes up to `limit` records that expired at or before `now`; returns how many.
    public func deleteExpired(before now: Date, limit: Int) async throws -> Int {
        try await sql.raw(
            """
            DELETE FROM idempotency_records WHERE scope_hash IN (
                SELECT scope_hash FROM idempotency_records WHERE expires_at <= \(bind: now) LIMIT \(bind: limit)
            )
            RETURNING scope_hash
            """
        ).all().count
    }

    /// Deletes every record of a tenant: for the tenant purge, which finds tenant-scoped tables
    /// by their `tenant_id` column and would not see this one. Returns how many.
    @discardableResult
    public func delete(tenant tenantID: TenantID) async throws -> Int {
        try await sql.raw(
            "DELETE FROM idempotency_records WHERE scope_tenant_id = \(bind: tenantID.rawValue) RETURNING scope_hash"
        ).all().count
    }

    static func decode(_ row: any SQLRow) throws -> IdempotencyRecord {
        IdempotencyRecord(
            scopeHash: try row.decode(column: "scope_hash", as: String.self),
            tenantID: try row.decode(column: "scope_tenant_id", as: UUID?.self).map(TenantID.init),
            ownerToken: try row.decode(column: "owner_token", as: UUID.self),
            sealedRequest: try row.decode(column: "sealed_request", as: String.self),
            responseStatus: try row.decode(column: "response_status", as: Int?.self),
            sealedResponse: try row.decode(column: "sealed_response", as: String?.self),
            lockedUntil: try row.decode(column: "locked_until", as: Date?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            expiresAt: try row.decode(column: "expires_at", as: Date.self),
            committed: try row.decode(column: "committed_at", as: Date?.self) != nil
        )
    }
}
