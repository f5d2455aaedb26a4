import Foundation
import SQLKit

/// A condition naming rows by their whole key, `(tenant_id, id)`, grouped by tenant:
/// `((tenant_id = $1 AND id IN ($2, $3)) OR (tenant_id = $4 AND id IN ($5)))`. Unlike a row-value
/// `IN` list, each group is a primary-key lookup on PostgreSQL, however large the table.
enum TenantKeys {
    static func condition(_ keys: [(tenant: UUID, id: UUID)], prefix: String = "") -> SQLQueryString {
        var byTenant: [UUID: [UUID]] = [:]
        var order: [UUID] = []
        for key in keys {
            if byTenant[key.tenant] == nil { order.append(key.tenant) }
            byTenant[key.tenant, default: []].append(key.id)
        }
        var query: SQLQueryString = "("
        for (index, tenant) in order.enumerated() {
            query.appendLiteral(index == 0 ? "(" : " OR (")
            query.appendLiteral(prefix + "tenant_id = ")
            query.appendInterpolation(bind: tenant)
            query.appendLiteral(" AND " + prefix + "id IN (")
            for (position, id) in (byTenant[tenant] ?? []).enumerated() {
                if position > 0 { query.appendLiteral(", ") }
                query.appendInterpolation(bind: id)
            }
            query.appendLiteral("))")
        }
        query.appendLiteral(")")
        return query
    }
}
