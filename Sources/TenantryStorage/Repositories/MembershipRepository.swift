public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's memberships. The tenant is fixed when the repository is made; every query
/// names it. Every change announces a ``UserDirectoryNotice`` for the member in the same
/// transaction.
public struct MembershipRepository: Sendable {
    let sql: any SQLDatabase
    /// The tenant whose memberships this repository reads and writes.
    public let tenantID: TenantID

    private static let columns = "tenant_id, user_id, role, created_at, updated_at"

    /// Adds a member; an existing membership is a `conflict`.
    public func create(userID: UserID, role: TenantRole, at time: Date) async throws -> Membership {
        let membership = Membership(tenantID: tenantID, userID: userID, role: role, createdAt: time, updatedAt: time)
        do {
            try await sql.raw(
                """
                INSERT INTO memberships (tenant_id, user_id, role, created_at, updated_at)
                VALUES (\(bind: tenantID.rawValue), \(bind: userID.rawValue), \(bind: role.rawValue),
                        \(bind: time), \(bind: time))
                """
            ).run()
        } catch  where DatabaseFailure.isUniqueViolation(error) {
            throw TenantryError(.conflict, "The user is already a member of this tenant.")
        }
        try await UserDirectoryNotice.user(userID).announce(on: sql)
        return membership
    }

    /// The membership of this user, if any.
    public func find(userID: UserID) async throws -> Membership? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM memberships
            WHERE tenant_id = \(bind: tenantID.rawValue) AND user_id = \(bind: userID.rawValue)
            """
        ).first().map(Self.decode)
    }

    /// Memberships in order of user id, one page at a time.
    public func list(_ page: PageRequest) async throws -> Page<Membership> {
        try await KeysetPagination.fetch(
            sql,
            select: "SELECT \(unsafeRaw: Self.columns) FROM memberships WHERE tenant_id = \(bind: tenantID.rawValue)",
            key: "user_id",
            page: page,
            decode: Self.decode
        ) { $0.userID.rawValue }
    }

    /// Changes a member's role; `not_found` when the user is not a member.
    public func setRole(_ role: TenantRole, of userID: UserID, at time: Date) async throws {
        let updated = try await sql.raw(
            """
            UPDATE memberships SET role = \(bind: role.rawValue), updated_at = \(bind: time)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND user_id = \(bind: userID.rawValue)
            RETURNING user_id
            """
        ).all()
        guard !updated.isEmpty else { throw TenantryError(.notFound, "No such member.") }
        try await UserDirectoryNotice.user(userID).announce(on: sql)
    }

    /// Removes a membership; `not_found` when the user is not a member.
    public func delete(userID: UserID) async throws {
        let deleted = try await sql.raw(
            """
            DELETE FROM memberships
            WHERE tenant_id = \(bind: tenantID.rawValue) AND user_id = \(bind: userID.rawValue)
            RETURNING user_id
            """
        ).all()
        guard !deleted.isEmpty else { throw TenantryError(.notFound, "No such member.") }
        try await UserDirectoryNotice.user(userID).announce(on: sql)
    }

    /// How many members hold `role`.
    public func count(role: TenantRole) async throws -> Int {
        let row = try await sql.raw(
            """
            SELECT count(*) AS n FROM memberships
            WHERE tenant_id = \(bind: tenantID.rawValue) AND role = \(bind: role.rawValue)
            """
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    static func decode(_ row: any SQLRow) throws -> Membership {
        Membership(
            tenantID: try row.identifier("tenant_id"),
            userID: try row.identifier("user_id"),
            role: try row.enumeration("role", as: TenantRole.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}
