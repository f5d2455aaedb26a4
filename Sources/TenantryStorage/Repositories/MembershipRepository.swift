public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's memberships. The tenant is fixed when the repository is made; every query
/// names it. Every change announces a ``UserDirectoryNotice`` for the member in the same
/// transaction.
public struct SQLMembershipRepository: MembershipRepository {
    let sql: any SQLDatabase
    /// The tenant whose memberships this repository reads and writes.
    public let tenantID: TenantID

    private static let columns = "tenant_id, user_id, role, role_id, status, created_at, updated_at"

    /// Adds a member; an existing membership is a `conflict`.
    @discardableResult
    public func create(
        userID: UserID, role: TenantRole, customRoleID: RoleID? = nil, status: MemberStatus = .active, at time: Date
    ) async throws -> Membership {
        let membership = Membership(
            tenantID: tenantID, userID: userID, role: role, customRoleID: customRoleID, status: status, createdAt: time,
            updatedAt: time)
        do {
            try await sql.raw(
                """
                INSERT INTO memberships (tenant_id, user_id, role, role_id, status, created_at, updated_at)
                VALUES (\(bind: tenantID.rawValue), \(bind: userID.rawValue), \(bind: role.rawValue),
                        \(bind: customRoleID?.rawValue), \(bind: status.rawValue), \(bind: time), \(bind: time))
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

    /// Members with their identities, in order of user id, one page at a time.
    public func members(_ filter: MemberFilter, page: PageRequest) async throws -> Page<Member> {
        try await MemberPageRepository(tenantID: tenantID, backend: .sql(sql)).members(filter, page: page)
    }

    /// One member with their identity.
    public func member(userID: UserID) async throws -> Member? {
        try await MemberPageRepository.member(userID, tenantID: tenantID, on: sql)
    }

    /// What a member may do: their membership, their custom role (if any) and the tenant's
    /// status, in one query. `nil` when the user is not a member.
    public func access(userID: UserID) async throws -> (membership: Membership, role: ResolvedRole, tenant: Tenant.Status)? {
        guard
            let row = try await sql.raw(
                """
                SELECT m.tenant_id, m.user_id, m.role, m.role_id, m.status, m.created_at, m.updated_at,
                    t.status AS tenant_status, r.id AS custom_id, r.name AS custom_name, r.description AS custom_description,
                    r.base_role AS custom_base_role, r.permissions AS custom_permissions,
                    r.created_at AS custom_created_at, r.updated_at AS custom_updated_at
                FROM memberships m JOIN tenants t ON t.id = m.tenant_id
                LEFT JOIN roles r ON r.tenant_id = m.tenant_id AND r.id = m.role_id
                WHERE m.tenant_id = \(bind: tenantID.rawValue) AND m.user_id = \(bind: userID.rawValue)
                """
            ).first()
        else { return nil }
        let membership = try Self.decode(row)
        let tenantStatus = try row.enumeration("tenant_status", as: Tenant.Status.self)
        if try row.decode(column: "custom_id", as: UUID?.self) != nil {
            let role = try SQLRoleRepository.decode(row, prefix: "custom_", id: "custom_id", tenantID: tenantID)
            return (membership, ResolvedRole(role), tenantStatus)
        }
        return (membership, ResolvedRole(membership.role), tenantStatus)
    }

    /// Changes a member's role (rank and custom role); `not_found` when the user is not a member.
    public func setRole(_ role: TenantRole, customRoleID: RoleID? = nil, of userID: UserID, at time: Date) async throws {
        let updated = try await sql.raw(
            """
            UPDATE memberships SET role = \(bind: role.rawValue), role_id = \(bind: customRoleID?.rawValue),
                updated_at = \(bind: time)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND user_id = \(bind: userID.rawValue)
            RETURNING user_id
            """
        ).all()
        guard !updated.isEmpty else { throw TenantryError(.notFound, "No such member.") }
        try await UserDirectoryNotice.user(userID).announce(on: sql)
    }

    /// Changes a member's status; `not_found` when the user is not a member.
    public func setStatus(_ status: MemberStatus, of userID: UserID, at time: Date) async throws {
        let updated = try await sql.raw(
            """
            UPDATE memberships SET status = \(bind: status.rawValue), updated_at = \(bind: time)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND user_id = \(bind: userID.rawValue)
            RETURNING user_id
            """
        ).all()
        guard !updated.isEmpty else { throw TenantryError(.notFound, "No such member.") }
        try await UserDirectoryNotice.user(userID).announce(on: sql)
    }

    /// Gives every member of a custom role the role's new rank.
    public func setRank(_ rank: TenantRole, ofMembersWith roleID: RoleID, at time: Date) async throws {
        try await sql.raw(
            """
            UPDATE memberships SET role = \(bind: rank.rawValue), updated_at = \(bind: time)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND role_id = \(bind: roleID.rawValue)
            """
        ).run()
        try await UserDirectoryNotice.tenant(tenantID).announce(on: sql)
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

    /// How many members hold `role` as their built-in role (active ones only when `activeOnly`).
    public func count(role: TenantRole, activeOnly: Bool = false) async throws -> Int {
        let status: SQLQueryString = activeOnly ? " AND status = 'active'" : ""
        let row = try await sql.raw(
            """
            SELECT count(*) AS n FROM memberships
            WHERE tenant_id = \(bind: tenantID.rawValue) AND role = \(bind: role.rawValue) AND role_id IS NULL\(status)
            """
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// How many members hold a custom role.
    public func count(customRoleID: RoleID) async throws -> Int {
        let row = try await sql.raw(
            """
            SELECT count(*) AS n FROM memberships
            WHERE tenant_id = \(bind: tenantID.rawValue) AND role_id = \(bind: customRoleID.rawValue)
            """
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    /// How many members hold each role, in one query (roles nobody holds are absent).
    public func countsByRole() async throws -> [RoleReference: Int] {
        var counts: [RoleReference: Int] = [:]
        for row in try await sql.raw(
            """
            SELECT role, role_id, count(*) AS n FROM memberships
            WHERE tenant_id = \(bind: tenantID.rawValue) GROUP BY role, role_id
            """
        ).all() {
            let n = try row.decode(column: "n", as: Int.self)
            if let id = try row.decode(column: "role_id", as: UUID?.self) {
                counts[.custom(RoleID(id)), default: 0] += n
            } else {
                counts[.builtIn(try row.enumeration("role", as: TenantRole.self)), default: 0] += n
            }
        }
        return counts
    }

    static func decode(_ row: any SQLRow) throws -> Membership {
        try decode(row, tenantID: try row.identifier("tenant_id"))
    }

    /// Decodes a membership row of a known tenant (for queries that select no `tenant_id`).
    static func decode(_ row: any SQLRow, tenantID: TenantID) throws -> Membership {
        Membership(
            tenantID: tenantID,
            userID: try row.identifier("user_id"),
            role: try row.enumeration("role", as: TenantRole.self),
            customRoleID: try row.decode(column: "role_id", as: UUID?.self).map(RoleID.init),
            status: try row.enumeration("status", as: MemberStatus.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}
