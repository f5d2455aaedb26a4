import Foundation
import SQLKit
public import TenantryCore

/// The use cases' ``DataStore`` on a ``DatabaseClient``: the same transactions and scopes,
/// seen through the domain's interfaces. What a transaction changed that in-memory state must
/// learn of (``ChangeNotice``) is published on `changes` once it has committed.
public struct SQLDataStore: DataStore {
    /// The database underneath.
    public let database: any DatabaseClient
    /// Where committed changes are announced in this process.
    public let changes: ChangeBus

    /// Wraps a database client; committed changes are published on `changes`.
    public init(_ database: any DatabaseClient, changes: ChangeBus = ChangeBus()) {
        self.database = database
        self.changes = changes
    }

    /// In a write transaction of a request sent with an `Idempotency-Key`, notes in the same
    /// transaction that it commits, and refuses to when the reservation was taken over
    /// (``IdempotencyFence``). Nothing for other work.
    private static func fence(_ sql: any SQLDatabase) async throws {
        guard let reservation = IdempotencyFence.current else { return }
        try await SQLIdempotencyRecordRepository(sql: sql).fence(
            scopeHash: reservation.scopeHash, ownerToken: reservation.ownerToken, now: Date())
    }

    /// Runs one unit of work, then publishes the notices it announced, unless it failed (a
    /// transaction that threw has rolled back, and so have its notices).
    private func publishingChanges<Result: Sendable>(_ work: () async throws -> Result) async throws -> Result {
        let collection = ChangeCollection()
        let result = try await ChangeCollection.$current.withValue(collection) { try await work() }
        changes.publish(collection.collected)
        return result
    }

    public func withTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (any TenantTransaction) async throws -> Result
    ) async throws -> Result {
        try await publishingChanges {
            try await database.withTenant(tenantID) { scope in
                let result = try await body(scope)
                try await Self.fence(scope.sql)
                return result
            }
        }
    }

    public func readTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (any TenantReads) async throws -> Result
    ) async throws -> Result {
        try await database.readTenant(tenantID) { reads in try await body(reads) }
    }

    public func withGlobal<Result: Sendable>(_ body: (any GlobalTransaction) async throws -> Result) async throws
        -> Result
    {
        try await publishingChanges {
            try await database.withGlobal { scope in
                let result = try await body(scope)
                try await Self.fence(scope.sql)
                return result
            }
        }
    }

    public func readGlobal<Result: Sendable>(_ body: (any GlobalTransaction) async throws -> Result) async throws
        -> Result
    {
        // Reads only (the protocol's contract): nothing to collect, no allocation on the hot path.
        try await database.readGlobal { scope in try await body(scope) }
    }

    public func withPlatform<Result: Sendable>(_ body: (any PlatformTransaction) async throws -> Result) async throws
        -> Result
    {
        try await publishingChanges {
            try await database.withPlatform { scope in
                let result = try await body(scope)
                try await Self.fence(scope.sql)
                return result
            }
        }
    }
}
