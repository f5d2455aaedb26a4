public import Foundation
import SQLKit
public import TenantryCore

/// Tenants: a global table (a tenant row is its own scope). Reached from a tenant scope or the
/// platform scope. Every change to an existing tenant announces a ``UserDirectoryNotice`` in
/// the same transaction.
public struct SQLTenantRepository: TenantRepository {
    let sql: any SQLDatabase

    private static let columns = "id, slug, name, status, created_at, updated_at"

    /// Stores a new tenant on `plan` (the schema's default, `free`, when `nil`); a taken slug is a
    /// `conflict` naming the `slug` field.
    public func create(_ tenant: Tenant, plan: String? = nil) async throws {
        do {
            try await sql.raw(
                """
                INSERT INTO tenants (id, slug, name, status, created_at, updated_at, plan_id)
                VALUES (\(bind: tenant.id.rawValue), \(bind: tenant.slug.rawValue), \(bind: tenant.name),
                        \(bind: tenant.status.rawValue), \(bind: tenant.createdAt), \(bind: tenant.updatedAt),
                        \(bind: plan ?? Plan.defaultID))
                """
            ).run()
        } catch  where DatabaseFailure.isUniqueViolation(error) {
            throw TenantryError(
                .conflict,
                "The slug is taken.",
                fieldErrors: [FieldError(field: "slug", code: "taken", message: "Another tenant uses this slug.")]
            )
        }
    }

    /// The tenant with this id, if any.
    public func find(id: TenantID) async throws -> Tenant? {
        try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM tenants WHERE id = \(bind: id.rawValue)")
            .first()
            .map(Self.decode)
    }

    /// The tenants with these ids that exist, by id, in one statement.
    public func find(ids: [TenantID]) async throws -> [TenantID: Tenant] {
        guard !ids.isEmpty else { return [:] }
        let tenants = try await sql.raw(
            "SELECT \(unsafeRaw: Self.columns) FROM tenants WHERE id IN (\(SQLQueryString.bindList(ids.map(\.rawValue))))"
        ).all().map(Self.decode)
        return Dictionary(tenants.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The tenant with this slug, if any.
    public func find(slug: Slug) async throws -> Tenant? {
        try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM tenants WHERE slug = \(bind: slug.rawValue)")
            .first()
            .map(Self.decode)
    }

    /// Tenants in creation order, one page at a time.
    public func list(_ page: PageRequest) async throws -> Page<Tenant> {
        try await KeysetPagination.fetch(
            sql,
            select: "SELECT \(unsafeRaw: Self.columns) FROM tenants WHERE 1 = 1",
            key: "id",
            page: page,
            decode: Self.decode
        ) { $0.id.rawValue }
    }

    /// Changes a tenant's status; `not_found` when there is no such tenant.
    public func setStatus(_ status: Tenant.Status, of id: TenantID, at time: Date) async throws {
        let updated = try await sql.raw(
            """
            UPDATE tenants SET status = \(bind: status.rawValue), updated_at = \(bind: time)
            WHERE id = \(bind: id.rawValue) RETURNING id
            """
        ).all()
        guard !updated.isEmpty else { throw TenantryError(.notFound, "No such tenant.") }
        try await UserDirectoryNotice.tenant(id).announce(on: sql)
        try await TenantScope.announceEntitlementsChange(id, on: sql)
    }

    /// The columns ``decodeProfile`` reads.
    static let profileColumns =
        "id, slug, name, status, created_at, updated_at, plan_id, overrides, branding, settings, status_reason, purge_after"

    /// Locks the tenant's row until the transaction ends, so that changes to one tenant's
    /// status, plan or rules (by its owners, by operators, by the purge) run one after another.
    /// On SQLite every transaction already runs alone.
    public func lock(id: TenantID) async throws {
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT id FROM tenants WHERE id = \(bind: id.rawValue) FOR UPDATE").run()
    }

    /// The tenant with its plan, overrides, branding, settings and lifecycle, if it exists.
    public func profile(id: TenantID) async throws -> TenantProfile? {
        try await sql.raw("SELECT \(unsafeRaw: Self.profileColumns) FROM tenants WHERE id = \(bind: id.rawValue)")
            .first()
            .map(Self.decodeProfile)
    }

    /// Saves a tenant's name, plan, overrides, branding, settings, status, reason and purge
    /// time, and announces the change (user directory and entitlements) to every node.
    public func save(_ profile: TenantProfile) async throws {
        let tenant = profile.tenant
        let updated = try await sql.raw(
            """
            UPDATE tenants SET name = \(bind: tenant.name), status = \(bind: tenant.status.rawValue),
                updated_at = \(bind: tenant.updatedAt), plan_id = \(bind: profile.planID),
                overrides = \(bind: try SQLPlanRepository.text(profile.overrides)),
                branding = \(bind: try SQLPlanRepository.text(profile.branding)),
                settings = \(bind: try SQLPlanRepository.text(profile.settings)),
                status_reason = \(bind: profile.statusReason), purge_after = \(bind: profile.purgeAfter)
            WHERE id = \(bind: tenant.id.rawValue) RETURNING id
            """
        ).all()
        guard !updated.isEmpty else { throw TenantryError(.notFound, "No such tenant.") }
        try await UserDirectoryNotice.tenant(tenant.id).announce(on: sql)
        try await TenantScope.announceEntitlementsChange(tenant.id, on: sql)
    }

    static func decodeProfile(_ row: any SQLRow) throws -> TenantProfile {
        TenantProfile(
            tenant: try decode(row),
            planID: try row.decode(column: "plan_id", as: String.self),
            overrides: try SQLPlanRepository.json(row, "overrides", as: EntitlementOverrides.self),
            branding: try SQLPlanRepository.json(row, "branding", as: Branding.self),
            settings: try SQLPlanRepository.json(row, "settings", as: TenantSettings.self),
            statusReason: try row.decode(column: "status_reason", as: String?.self),
            purgeAfter: try row.decode(column: "purge_after", as: Date?.self)
        )
    }

    static func decode(_ row: any SQLRow) throws -> Tenant {
        Tenant(
            id: try row.identifier("id"),
            slug: try row.validated("slug") { try Slug($0) },
            name: try row.decode(column: "name", as: String.self),
            status: try row.enumeration("status", as: Tenant.Status.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}
