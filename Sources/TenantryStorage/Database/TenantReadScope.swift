import Foundation
import Logging
import PostgresNIO
import SQLKit
public import TenantryCore

/// Reads of one tenant that need no transaction (decision 0017): each read is atomic on its own,
/// and reads in one scope do not share a snapshot. On PostgreSQL each read is one statement
/// that sets the tenant for itself and runs a plan the server keeps per connection, so it costs
/// one round trip where ``DatabaseClient/withTenant(_:_:)`` costs four; rows are decoded by
/// position. On SQLite the reads run in the one connection, through the same repositories as
/// ``TenantScope``.
///
/// Only hot, read-only endpoints use it; everything that writes, or needs several reads to
/// agree, uses ``DatabaseClient/withTenant(_:_:)``.
public struct TenantReadScope: TenantReads {
    enum Backend: Sendable {
        case postgres(PostgresConnection, Logger)
        case sql(any SQLDatabase)
    }

    /// The tenant this scope is bound to.
    public let tenantID: TenantID
    let backend: Backend

    init(tenantID: TenantID, backend: Backend) {
        self.tenantID = tenantID
        self.backend = backend
    }

    /// One page of the tenant's members with their identities, in order of user id: the same
    /// answer as ``MembershipRepository/members(_:page:)``.
    public func members(
        _ filter: MemberFilter,
        page: PageRequest
    ) async throws -> Page<Member> {
        try await MemberPageRepository(tenantID: tenantID, backend: backend).members(filter, page: page)
    }
}

/// A PostgreSQL row's cells read in order: the cheapest decoding for a query whose column order
/// is fixed (no per-row name lookup table, no variadic generic metadata at run time).
struct PostgresCells {
    private var iterator: PostgresRow.Iterator

    init(_ row: PostgresRow) {
        iterator = row.makeIterator()
    }

    /// Decodes the next cell as `Value`.
    @inline(__always)
    mutating func next<Value: PostgresDecodable>(_: Value.Type) throws -> Value {
        guard let cell = iterator.next() else {
            throw TenantryError(.internalError, "A stored row has fewer columns than its query.")
        }
        return try cell.decode(Value.self, context: .default)
    }
}
