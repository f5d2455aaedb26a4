import Foundation
import SQLKit
public import TenantryCore

/// Removes a tenant pending deletion: every row of every table with a `tenant_id` column
/// (found in the database's catalogue, so tables added later are covered without a change
/// here), its idempotency records, every other reference to the tenant (set to NULL), and the
/// tenant row itself. It holds the tenant's lock, so a restore cannot interleave.
/// Reached from the platform scope only.
///
/// On PostgreSQL the work is done by `tenantry_purge_tenant`, a function that runs as the owner
/// role because `audit_events` is append-only for the server's role (decision 0006), and that
/// refuses a tenant not pending deletion. On SQLite the same steps run here.
public struct SQLTenantPurge: TenantPurge {
    let sql: any SQLDatabase

    /// Purges the tenant; returns how many tenant-scoped rows were removed. `not_found` when it
    /// does not exist, `conflict` when it is not pending deletion.
    @discardableResult
    public func run(_ tenantID: TenantID) async throws -> Int {
        try await SQLTenantRepository(sql: sql).lock(id: tenantID)
        guard let row = try await sql.raw("SELECT status FROM tenants WHERE id = \(bind: tenantID.rawValue)").first() else {
            throw TenantryError(.notFound, "No such tenant.")
        }
        guard try row.enumeration("status", as: Tenant.Status.self) == .pendingDeletion else {
            throw TenantryError(.conflict, "Only a tenant pending deletion can be purged.")
        }
        // Idempotency records name their tenant outside a `tenant_id` column, and the generic
        // step below would only clear that reference; their sealed responses go with the tenant.
        try await SQLIdempotencyRecordRepository(sql: sql).delete(tenant: tenantID)
        if sql.dialect.name == "postgresql" {
            let result = try await sql.raw("SELECT tenantry_purge_tenant(\(bind: tenantID.rawValue)) AS deleted").first()
            try await UserDirectoryNotice.tenant(tenantID).announce(on: sql)
            try await TenantScope.announceEntitlementsChange(tenantID, on: sql)
            return try result?.decode(column: "deleted", as: Int.self) ?? 0
        }
        return try await purgeOnSQLite(tenantID)
    }

    /// The tables that hold tenant rows, by name.
    public func tenantScopedTables() async throws -> [String] {
        if sql.dialect.name == "postgresql" {
            return try await sql.raw(
                """
                SELECT c.relname AS name FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
                WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                ORDER BY c.relname
                """
            ).all().map { try $0.decode(column: "name", as: String.self) }
        }
        return try await sql.raw(
            """
            SELECT m.name AS name FROM sqlite_master m
            WHERE m.type = 'table' AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.name = 'tenant_id')
            ORDER BY m.name
            """
        ).all().map { try $0.decode(column: "name", as: String.self) }
    }

    private func purgeOnSQLite(_ tenantID: TenantID) async throws -> Int {
        var remaining = try await tenantScopedTables()
        var deleted = 0
        // A table whose rows are still referenced by another table's rows fails on its foreign
        // key (the statement alone is undone); it is retried once the referencing rows are gone.
        while !remaining.isEmpty {
            var pending: [String] = []
            var lastError: (any Error)?
            for table in remaining {
                do {
                    deleted += try await sql.raw(
                        "DELETE FROM \(ident: table) WHERE tenant_id = \(bind: tenantID.rawValue) RETURNING 1 AS gone"
                    ).all().count
                } catch {
                    pending.append(table)
                    lastError = error
                }
            }
            if pending.count == remaining.count, let lastError { throw lastError }
            remaining = pending
        }
        let references = try await sql.raw(
            """
            SELECT m.name AS tbl, f."from" AS col FROM sqlite_master m, pragma_foreign_key_list(m.name) f
            WHERE m.type = 'table' AND f."table" = 'tenants' AND f."from" <> 'tenant_id'
            """
        ).all()
        for reference in references {
            let table = try reference.decode(column: "tbl", as: String.self)
            let column = try reference.decode(column: "col", as: String.self)
            try await sql.raw(
                "UPDATE \(ident: table) SET \(ident: column) = NULL WHERE \(ident: column) = \(bind: tenantID.rawValue)"
            ).run()
        }
        try await sql.raw("DELETE FROM tenants WHERE id = \(bind: tenantID.rawValue)").run()
        return deleted
    }
}

/// Tenants as operators search them: with their plan, lifecycle and member count.
public struct SQLPlatformTenantDirectory: PlatformTenantDirectory {
    let sql: any SQLDatabase

    /// A tenant's member count, as a column of a query on `tenants`.
    private static let memberCount = "(SELECT count(*) FROM memberships m WHERE m.tenant_id = tenants.id) AS member_count"

    /// What a list shows: no JSON columns. The member count is read for the rows of the page
    /// only (the keyset order comes from an index, so the count runs after the limit).
    private static let listColumns = """
        SELECT id, slug, name, status, created_at, updated_at, plan_id, status_reason, purge_after, \(memberCount)
        FROM tenants WHERE 1 = 1
        """

    /// Tenants matching `filter`, in its order, one page at a time.
    public func search(_ filter: TenantSearchFilter, page: PageRequest) async throws -> Page<TenantDirectoryEntry> {
        var query = SQLQueryString(stringLiteral: Self.listColumns)
        if let status = filter.status {
            query.appendLiteral(" AND status = ")
            query.appendInterpolation(bind: status.rawValue)
        }
        if let plan = filter.plan {
            query.appendLiteral(" AND plan_id = ")
            query.appendInterpolation(bind: plan)
        }
        if let from = filter.createdFrom {
            query.appendLiteral(" AND created_at >= ")
            query.appendInterpolation(bind: from)
        }
        if let to = filter.createdTo {
            query.appendLiteral(" AND created_at < ")
            query.appendInterpolation(bind: to)
        }
        if let text = filter.text {
            let escaped = text.lowercased().replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            let pattern = "%\(escaped)%"
            query.appendLiteral(" AND (lower(name) LIKE ")
            query.appendInterpolation(bind: pattern)
            query.appendLiteral(" ESCAPE '\\' OR slug LIKE ")
            query.appendInterpolation(bind: pattern)
            query.appendLiteral(" ESCAPE '\\')")
        }
        let order: KeysetPagination.Order
        switch filter.sort {
        case .oldest: order = .ascending
        case .newest: order = .descending
        // The same expression as the index `tenants_name_order` (migration 26, `tenant_search`).
        case .name: order = .expression("lower(name)", table: "tenants")
        }
        return try await KeysetPagination.fetch(
            sql, select: query, key: "id", order: order, page: page, decode: Self.entry
        ) { $0.tenant.id.rawValue }
    }

    /// One tenant's whole profile with its member count.
    public func profile(id: TenantID) async throws -> (profile: TenantProfile, memberCount: Int)? {
        let row = try await sql.raw(
            """
            SELECT \(unsafeRaw: SQLTenantRepository.profileColumns), \(unsafeRaw: Self.memberCount)
            FROM tenants WHERE id = \(bind: id.rawValue)
            """
        ).first()
        guard let row else { return nil }
        return (try SQLTenantRepository.decodeProfile(row), try row.decode(column: "member_count", as: Int.self))
    }

    static func entry(_ row: any SQLRow) throws -> TenantDirectoryEntry {
        TenantDirectoryEntry(
            tenant: try SQLTenantRepository.decode(row),
            planID: try row.decode(column: "plan_id", as: String.self),
            statusReason: try row.decode(column: "status_reason", as: String?.self),
            purgeAfter: try row.decode(column: "purge_after", as: Date?.self),
            memberCount: try row.decode(column: "member_count", as: Int.self))
    }
}
