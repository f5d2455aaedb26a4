import Foundation
import Logging
import PostgresNIO
import SQLKit
import TenantryCore

/// The member list page: one tenant's members with their identities (email, name, custom role
/// name), in order of user id, filtered by role, status and text. It is the hot read of the
/// member list, and the engines run it in two forms, both written and chosen here:
///
/// - On SQLite, and on PostgreSQL inside a transaction (``TenantScope``), one SQLKit query,
///   with custom role names filled in by a second small query only when the page holds any.
/// - On PostgreSQL outside a transaction (``TenantReadScope``, decision 0017), the named
///   prepared statement ``Statement`` (prepared once per connection, rows decoded by position)
///   calling the function `tenantry_member_page`, which sets the tenant for its own statement.
///   Migration 4 creates the function from ``postgresFunction``; like every migration it is
///   never edited (a changed function is a new migration).
///
/// Both forms answer identically for every filter and page (`TenantReadTests`).
struct MemberPageRepository: Sendable {
    /// The tenant whose members are read; every query names it.
    let tenantID: TenantID
    /// Where the page is read: a SQL database (in a transaction, or SQLite's connection), or a
    /// PostgreSQL connection outside any transaction.
    let backend: TenantReadScope.Backend

    /// One page of members, in the form the backend needs.
    func members(_ filter: MemberFilter, page: PageRequest) async throws -> Page<Member> {
        switch backend {
        case .sql(let sql):
            return try await query(filter, page: page, on: sql)
        case .postgres(let connection, let logger):
            let statement = Statement(tenantID: tenantID, filter: filter, page: page)
            var fetched: [Member] = []
            fetched.reserveCapacity(page.limit + 1)
            for try await member in try await connection.execute(statement, logger: logger) {
                fetched.append(member)
            }
            return Page(fetched: fetched, limit: page.limit) { $0.membership.userID.rawValue }
        }
    }

    // MARK: SQLKit

    private static let memberColumns: SQLQueryString = """
        m.user_id, m.role, m.role_id, m.status, m.created_at, m.updated_at, u.email, u.name
        """

    private static func memberSource(_ tenantID: TenantID) -> SQLQueryString {
        """
        FROM memberships m JOIN users u ON u.id = m.user_id
        WHERE m.tenant_id = \(bind: tenantID.rawValue)
        """
    }

    /// The page as one SQLKit query (and one more for custom role names).
    private func query(_ filter: MemberFilter, page: PageRequest, on sql: any SQLDatabase) async throws -> Page<Member> {
        var select: SQLQueryString = "SELECT " + Self.memberColumns + " " + Self.memberSource(tenantID)
        switch filter.role {
        case .builtIn(let role)?:
            select += (" AND m.role = \(bind: role.rawValue) AND m.role_id IS NULL")
        case .custom(let id)?:
            select += (" AND m.role_id = \(bind: id.rawValue)")
        case nil:
            break
        }
        if let status = filter.status {
            select += (" AND m.status = \(bind: status.rawValue)")
        }
        if let pattern = Self.namePattern(filter.text) {
            select += (" AND (lower(u.name) LIKE \(bind: pattern) ESCAPE '\\' OR u.email LIKE \(bind: pattern) ESCAPE '\\')")
        }
        let tenantID = self.tenantID
        let members = try await KeysetPagination.fetch(
            sql, select: select, key: "user_id", page: page, decode: { try Self.decodeMember($0, tenantID: tenantID) }
        ) {
            $0.membership.userID.rawValue
        }
        return try await Self.withCustomRoleNames(members, tenantID: tenantID, on: sql)
    }

    /// One member with their identity: the page's query narrowed to one user, in a transaction.
    static func member(_ userID: UserID, tenantID: TenantID, on sql: any SQLDatabase) async throws -> Member? {
        var select: SQLQueryString = "SELECT " + memberColumns + " " + memberSource(tenantID)
        select += (" AND m.user_id = \(bind: userID.rawValue)")
        guard let member = try await sql.raw(select).first().map({ try decodeMember($0, tenantID: tenantID) }) else {
            return nil
        }
        return try await withCustomRoleNames(Page(items: [member], nextCursor: nil), tenantID: tenantID, on: sql).items.first
    }

    /// Fills in custom role names with one small query, only when the members hold any (a join
    /// on every page would cost more to plan than most pages cost to run).
    private static func withCustomRoleNames(_ page: Page<Member>, tenantID: TenantID, on sql: any SQLDatabase) async throws
        -> Page<Member>
    {
        let ids = Set(page.items.compactMap(\.membership.customRoleID))
        guard !ids.isEmpty else { return page }
        let names = Dictionary(
            uniqueKeysWithValues: try await SQLRoleRepository(sql: sql, tenantID: tenantID).all().map { ($0.id, $0.name) })
        return page.map { member in
            var member = member
            member.customRoleName = member.membership.customRoleID.flatMap { names[$0] }
            return member
        }
    }

    /// Decodes a listing row: only the columns a listing shows, and the stored email as it is
    /// (validated when written), since a page decodes up to 200 of them.
    static func decodeMember(_ row: any SQLRow, tenantID: TenantID) throws -> Member {
        Member(
            membership: try SQLMembershipRepository.decode(row, tenantID: tenantID),
            email: EmailAddress(stored: try row.decode(column: "email", as: String.self)),
            name: try row.decode(column: "name", as: String.self),
            customRoleName: nil
        )
    }

    /// The `LIKE` pattern (with `\\` escapes) for a text filter on lower-cased names and emails;
    /// `nil` for no filter.
    static func namePattern(_ text: String?) -> String? {
        guard let text = text?.lowercased(), !text.isEmpty else { return nil }
        return "%" + escapeLike(text) + "%"
    }

    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    // MARK: PostgreSQL outside a transaction

    /// One page of a tenant's members with their identities and custom role names, in order of
    /// user id after `p_after`. Filters are optional (`NULL`): built-in role (members without a
    /// custom role), custom role, status, and a lower-cased `LIKE` pattern for name or email.
    /// Refuses to run while another tenant is in scope. The plan is generic (planned once per
    /// connection, never per call), and a custom role's name is looked up only for members that
    /// hold one. Created by migration 4: never edit it.
    static let postgresFunction = """
        CREATE FUNCTION tenantry_member_page(
            p_tenant uuid, p_after uuid, p_limit integer,
            p_role text, p_role_id uuid, p_status text, p_pattern text)
        RETURNS TABLE (user_id uuid, role text, role_id uuid, status text, created_at timestamptz,
                       updated_at timestamptz, email text, name text, role_name text)
        LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
        #variable_conflict use_column
        DECLARE
            previous text := coalesce(current_setting('app.tenant_id', true), '');
        BEGIN
            IF previous <> '' AND previous <> p_tenant::text THEN
                RAISE EXCEPTION 'another tenant is in scope' USING ERRCODE = 'insufficient_privilege';
            END IF;
            PERFORM set_config('app.tenant_id', p_tenant::text, true);
            RETURN QUERY
                SELECT m.user_id, m.role, m.role_id, m.status, m.created_at, m.updated_at, u.email, u.name,
                    CASE WHEN m.role_id IS NULL THEN NULL
                    ELSE (SELECT r.name FROM roles r WHERE r.tenant_id = m.tenant_id AND r.id = m.role_id) END
                FROM memberships m
                JOIN users u ON u.id = m.user_id
                WHERE m.tenant_id = p_tenant
                  AND m.user_id > coalesce(p_after, '00000000-0000-0000-0000-000000000000'::uuid)
                  AND (p_role IS NULL OR (m.role = p_role AND m.role_id IS NULL))
                  AND (p_role_id IS NULL OR m.role_id = p_role_id)
                  AND (p_status IS NULL OR m.status = p_status)
                  AND (p_pattern IS NULL OR lower(u.name) LIKE p_pattern ESCAPE '\\' OR u.email LIKE p_pattern ESCAPE '\\')
                ORDER BY m.user_id
                LIMIT p_limit;
            PERFORM set_config('app.tenant_id', previous, true);
        END
        $$
        """

    /// `tenantry_member_page` as a named prepared statement: prepared once per connection, its
    /// rows decoded by position.
    struct Statement: PostgresPreparedStatement {
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
            bindings.append(MemberPageRepository.namePattern(filter.text))
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
}
