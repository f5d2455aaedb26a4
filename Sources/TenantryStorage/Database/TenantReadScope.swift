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
        switch backend {
        case .sql(let sql):
            return try await SQLMembershipRepository(sql: sql, tenantID: tenantID).members(filter, page: page)
        case .postgres(let connection, let logger):
            let statement = MemberPageStatement(tenantID: tenantID, filter: filter, page: page)
            var fetched: [Member] = []
            fetched.reserveCapacity(page.limit + 1)
            for try await member in try await connection.execute(statement, logger: logger) {
                fetched.append(member)
            }
            return Page(fetched: fetched, limit: page.limit) { $0.membership.userID.rawValue }
        }
    }
}

/// `tenantry_member_page` as a named prepared statement: prepared once per connection, its
/// rows decoded by position.
struct MemberPageStatement: PostgresPreparedStatement {
    static let name = "tenantry_member_page"
    static let sql = """
        SELECT user_id, role, role_id, status, created_at, updated_at, email, name, role_name
        FROM tenantry_member_page($1, $2, $3, $4, $5, $6, $7)
        """
    static var bindingDataTypes: [PostgresDataType] { [.uuid, .uuid, .int4, .text, .uuid, .text, .text] }

    typealias Row = Member

    let tenantID: TenantID
    let filter: MemberFilter
    let page: PageRequest

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(tenantID.rawValue)
        bindings.append(page.after)
        bindings.append(Int32(clamping: page.limit + 1))
        switch filter.role {
        case .builtIn(let role)?:
            bindings.append(role.rawValue)
            bindings.appendNull()
        case .custom(let id)?:
            bindings.appendNull()
            bindings.append(id.rawValue)
        case nil:
            bindings.appendNull()
            bindings.appendNull()
        }
        bindings.append(filter.status?.rawValue)
        bindings.append(SQLMembershipRepository.namePattern(filter.text))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Member {
        var cells = PostgresCells(row)
        let userID = try cells.next(UUID.self)
        let role = try cells.next(String.self)
        let roleID = try cells.next(UUID?.self)
        let status = try cells.next(String.self)
        let createdAt = try cells.next(Date.self)
        let updatedAt = try cells.next(Date.self)
        let email = try cells.next(String.self)
        let name = try cells.next(String.self)
        let roleName = try cells.next(String?.self)
        guard let role = TenantRole(rawValue: role), let status = MemberStatus(rawValue: status) else {
            throw TenantryError(.internalError, "A stored membership has an unknown role or status.")
        }
        return Member(
            membership: Membership(
                tenantID: tenantID,
                userID: UserID(userID),
                role: role,
                customRoleID: roleID.map(RoleID.init),
                status: status,
                createdAt: createdAt,
                updatedAt: updatedAt
            ),
            email: EmailAddress(stored: email),
            name: name,
            customRoleName: roleName
        )
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
