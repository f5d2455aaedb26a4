public import TenantryCore

/// The use cases' ``DataStore`` on a ``DatabaseClient``: the same transactions and scopes,
/// seen through the domain's interfaces.
public struct SQLDataStore: DataStore {
    /// The database underneath.
    public let database: any DatabaseClient

    /// Wraps a database client.
    public init(_ database: any DatabaseClient) {
        self.database = database
    }

    public func withTenant<Result: Sendable>(
        _ tenantID: TenantID,
        _ body: (any TenantTransaction) async throws -> Result
    ) async throws -> Result {
        try await database.withTenant(tenantID) { scope in try await body(scope) }
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
        try await database.withGlobal { scope in try await body(scope) }
    }

    public func readGlobal<Result: Sendable>(_ body: (any GlobalTransaction) async throws -> Result) async throws
        -> Result
    {
        try await database.readGlobal { scope in try await body(scope) }
    }

    public func withPlatform<Result: Sendable>(_ body: (any PlatformTransaction) async throws -> Result) async throws
        -> Result
    {
        try await database.withPlatform { scope in try await body(scope) }
    }
}
