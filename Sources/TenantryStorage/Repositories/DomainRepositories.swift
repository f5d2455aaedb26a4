public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's claimed email domains and the join requests they brought.
public struct SQLTenantDomainRepository: TenantDomainRepository {
    let sql: any SQLDatabase
    /// The tenant whose domains these are.
    public let tenantID: TenantID

    static let columns = """
        tenant_id, id, domain, verification_token, verified_at, last_checked_at, join_policy, default_role, sso_required,
        created_at, updated_at
        """
    static let requestColumns = "tenant_id, id, user_id, email, domain_id, role, created_at"

    /// The answer when the tenant already claims the domain.
    static let alreadyClaimed = TenantryError(
        .conflict, "This tenant already claims that domain.",
        fieldErrors: [FieldError(field: "domain", code: "taken", message: "This tenant already claims that domain.")])

    public func create(_ domain: TenantDomain) async throws {
        do {
            try await sql.raw(
                """
                INSERT INTO tenant_domains (\(unsafeRaw: Self.columns))
                VALUES (\(bind: tenantID.rawValue), \(bind: domain.id.rawValue), \(bind: domain.domain),
                    \(bind: domain.verificationToken), \(bind: domain.verifiedAt), \(bind: domain.lastCheckedAt),
                    \(bind: domain.joinPolicy.rawValue), \(bind: domain.defaultRole.rawValue), \(bind: domain.ssoRequired),
                    \(bind: domain.createdAt), \(bind: domain.updatedAt))
                """
            ).run()
        } catch  where DatabaseFailure.isUniqueViolation(error) {
            throw Self.alreadyClaimed
        }
    }

    public func find(id: TenantDomainID) async throws -> TenantDomain? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM tenant_domains
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decode)
    }

    public func list(_ page: PageRequest) async throws -> Page<TenantDomain> {
        try await KeysetPagination.fetch(
            sql, select: "SELECT \(unsafeRaw: Self.columns) FROM tenant_domains WHERE tenant_id = \(bind: tenantID.rawValue)",
            key: "id", page: page, decode: Self.decode
        ) { $0.id.rawValue }
    }

    public func update(_ domain: TenantDomain) async throws {
        let rows = try await sql.raw(
            """
            UPDATE tenant_domains SET verified_at = \(bind: domain.verifiedAt), last_checked_at = \(bind: domain.lastCheckedAt),
                join_policy = \(bind: domain.joinPolicy.rawValue), default_role = \(bind: domain.defaultRole.rawValue),
                sso_required = \(bind: domain.ssoRequired), updated_at = \(bind: domain.updatedAt)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: domain.id.rawValue)
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such domain.") }
    }

    public func delete(id: TenantDomainID) async throws -> Bool {
        try await sql.raw(
            """
            DELETE FROM tenant_domains WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            RETURNING id
            """
        ).all().isEmpty == false
    }

    public func addJoinRequest(_ request: JoinRequest) async throws -> Bool {
        let rows = try await sql.raw(
            """
            INSERT INTO domain_join_requests (\(unsafeRaw: Self.requestColumns))
            VALUES (\(bind: tenantID.rawValue), \(bind: request.id.rawValue), \(bind: request.userID.rawValue),
                \(bind: request.email.rawValue), \(bind: request.domainID.rawValue), \(bind: request.role.rawValue),
                \(bind: request.createdAt))
            ON CONFLICT (tenant_id, user_id) DO NOTHING
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    public func findJoinRequest(id: JoinRequestID) async throws -> JoinRequest? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.requestColumns) FROM domain_join_requests
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decodeRequest)
    }

    public func listJoinRequests(_ page: PageRequest) async throws -> Page<JoinRequest> {
        try await KeysetPagination.fetch(
            sql,
            select:
                "SELECT \(unsafeRaw: Self.requestColumns) FROM domain_join_requests WHERE tenant_id = \(bind: tenantID.rawValue)",
            key: "id", page: page, decode: Self.decodeRequest
        ) { $0.id.rawValue }
    }

    public func deleteJoinRequest(id: JoinRequestID) async throws -> Bool {
        try await sql.raw(
            """
            DELETE FROM domain_join_requests WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            RETURNING id
            """
        ).all().isEmpty == false
    }

    static func decode(_ row: any SQLRow) throws -> TenantDomain {
        TenantDomain(
            tenantID: try row.identifier("tenant_id"), id: try row.identifier("id"),
            domain: try row.decode(column: "domain", as: String.self),
            verificationToken: try row.decode(column: "verification_token", as: String.self),
            verifiedAt: try row.decode(column: "verified_at", as: Date?.self),
            lastCheckedAt: try row.decode(column: "last_checked_at", as: Date?.self),
            joinPolicy: try row.enumeration("join_policy", as: DomainJoinPolicy.self),
            defaultRole: try row.enumeration("default_role", as: TenantRole.self),
            ssoRequired: try row.decode(column: "sso_required", as: Bool.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }

    static func decodeRequest(_ row: any SQLRow) throws -> JoinRequest {
        JoinRequest(
            tenantID: try row.identifier("tenant_id"), id: try row.identifier("id"), userID: try row.identifier("user_id"),
            email: try row.validated("email") { try EmailAddress($0) }, domainID: try row.identifier("domain_id"),
            role: try row.enumeration("role", as: TenantRole.self),
            createdAt: try row.decode(column: "created_at", as: Date.self))
    }
}

/// Which tenant verified each email domain (global). The domain is the primary key: a second
/// tenant's claim does nothing and says so.
public struct SQLVerifiedDomainRepository: VerifiedDomainRepository {
    let sql: any SQLDatabase

    public func owner(of domain: String) async throws -> (tenantID: TenantID, domainID: TenantDomainID)? {
        guard
            let row = try await sql.raw(
                "SELECT context_tenant_id, domain_id FROM verified_domains WHERE domain = \(bind: domain)"
            ).first()
        else { return nil }
        return (try row.identifier("context_tenant_id"), try row.identifier("domain_id"))
    }

    public func claim(domain: String, tenantID: TenantID, domainID: TenantDomainID, at: Date) async throws -> Bool {
        let inserted = try await sql.raw(
            """
            INSERT INTO verified_domains (domain, context_tenant_id, domain_id, verified_at)
            VALUES (\(bind: domain), \(bind: tenantID.rawValue), \(bind: domainID.rawValue), \(bind: at))
            ON CONFLICT (domain) DO NOTHING
            RETURNING domain
            """
        ).all()
        if !inserted.isEmpty { return true }
        return try await owner(of: domain).map { $0.domainID == domainID } ?? false
    }

    public func release(domainID: TenantDomainID) async throws {
        try await sql.raw("DELETE FROM verified_domains WHERE domain_id = \(bind: domainID.rawValue)").run()
    }
}
