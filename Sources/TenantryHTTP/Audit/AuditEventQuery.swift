import Foundation
import Hummingbird
import TenantryCore

/// The query parameters of the audit log's list and export: the filters, parsed and checked.
/// Every bad value is collected in the caller's `Validator` (422 `validation_failed` naming the
/// parameter, as for every other endpoint's query).
enum AuditEventQuery {
    /// The actor kinds events are recorded with.
    static let actorTypes: Set<String> = ["user", "api_key", "operator", "system"]
    /// The longest text filter accepted.
    static let maximumLength = 200

    /// Reads the filters from the request's query; `acrossTenants` (the platform-wide log) also
    /// reads `tenant_id`.
    static func filter(_ request: Request, acrossTenants: Bool = false, validator: inout Validator) -> AuditEventFilter {
        let query = request.uri.queryParameters
        return filter(acrossTenants: acrossTenants, validator: &validator) { query[Substring($0)].map(String.init) }
    }

    /// Reads the filters through `parameter`: the API passes the query as sent, the consoles
    /// their form's values (where a field left empty is no filter).
    static func filter(acrossTenants: Bool = false, validator: inout Validator, _ parameter: (String) -> String?)
        -> AuditEventFilter
    {
        func text(_ name: String) -> String? {
            guard let value = parameter(name) else { return nil }
            return validator.filterText(value, field: name, maximum: maximumLength)
        }
        func instant(_ name: String) -> Date? {
            guard let value = parameter(name) else { return nil }
            return validator.timestamp(value, field: name)
        }
        var filter = AuditEventFilter(
            actorType: text("actor_type"), actorID: text("actor_id"), action: text("action"),
            targetType: text("target_type"), targetID: text("target_id"), from: instant("from"), to: instant("to"))
        if let actorType = filter.actorType, !actorTypes.contains(actorType) {
            validator.add("actor_type", "invalid_value", "actor_type is one of \(actorTypes.sorted().joined(separator: ", ")).")
            filter.actorType = nil
        }
        if acrossTenants, let tenant = parameter("tenant_id") {
            filter.tenantID = TenantID(tenant)
            if filter.tenantID == nil { validator.add("tenant_id", "invalid_value", "tenant_id is a tenant's id (a UUID).") }
        }
        // `to` is exclusive: `to == from` is an empty range, not a mistake.
        if let from = filter.from, let to = filter.to, to < from {
            validator.add("to", "out_of_range", "to must not be before from.")
        }
        return filter
    }

}
