public import Foundation
import SQLKit
public import TenantryCore

/// What counts against a tenant's allowances (``Limit``). Callers count and insert in one
/// transaction that holds the tenant's lock (`scope.lockTenant()`), so concurrent creations
/// cannot pass the limit together.
extension TenantScope {
    /// How many items count against `limit` now; `nil` for limits that count no stored items
    /// here (request rates, monthly calls, retention, backups).
    public func count(_ limit: Limit, at now: Date = Date()) async throws -> Int? {
        let id = tenantID.rawValue
        let query: SQLQueryString
        switch limit {
        case .members:
            query = "SELECT count(*) AS n FROM memberships WHERE tenant_id = \(bind: id)"
        case .apiKeys:
            query = """
                SELECT count(*) AS n FROM api_keys WHERE tenant_id = \(bind: id) AND revoked_at IS NULL
                    AND (expires_at IS NULL OR expires_at > \(bind: now))
                """
        case .teams:
            query = "SELECT count(*) AS n FROM teams WHERE tenant_id = \(bind: id)"
        case .webhookEndpoints:
            query = "SELECT count(*) AS n FROM webhook_endpoints WHERE tenant_id = \(bind: id)"
        case .requestsPerMinute, .apiCallsPerMonth, .auditRetentionDays, .webhookRetentionDays, .backupsKept:
            return nil
        }
        return try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Pending invitations (each reserves a seat when more invitations are made).
    public func pendingInvitations(at now: Date = Date()) async throws -> Int {
        try await sql.raw(
            """
            SELECT count(*) AS n FROM invitations WHERE tenant_id = \(bind: tenantID.rawValue)
                AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > \(bind: now)
            """
        ).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
