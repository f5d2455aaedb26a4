import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// The operators' console beyond the tenant list: a tenant's plan, restore, purge and exports;
/// the plans; the platform audit log.
extension AdminConsole {
    func registerPlatform(on routes: ConsoleRoutes) {
        routes.post("/tenants/{id}/plan", mirrors: .put("/api/v1/platform/tenants/{id}/plan")) { console in
            let id = try Self.tenantID(console)
            let plan = console.form.text("plan") ?? ""
            return try await change(console, id, action: .tenantPlanChanged, notice: "plan_changed") { profile, scope in
                try await PlatformService.movePlan(&profile, to: try Plan.validatedID(plan, field: "plan"), in: scope)
            }
        }
        routes.post("/tenants/{id}/restore", mirrors: .post("/api/v1/platform/tenants/{id}/restore")) { console in
            let id = try Self.tenantID(console)
            return try await change(console, id, action: .tenantRestored, notice: "tenant_restored") { profile, _ in
                try profile.restore()
            }
        }
        routes.post("/tenants/{id}/purge", mirrors: .post("/api/v1/platform/tenants/{id}/purge")) { console in
            let id = try Self.tenantID(console)
            let detail = try await useCases.platform.tenant(id)
            do {
                guard console.form.text("confirm") == detail.profile.tenant.slug.rawValue else {
                    throw Validator.fail("confirm", "mismatch", "Type the tenant's slug to confirm.")
                }
                try await useCases.platform.purge(by: try await operatorOf(console), id, origin: console.origin)
                return ConsoleView.redirect("/admin/tenants?notice=tenant_purged")
            } catch let error as TenantryError where error.code == .validationFailed {
                return try await tenant(
                    console, error: dependencies.message(for: error, console.language), status: .unprocessableContent)
            }
        }
        routes.post("/tenants/{id}/exports", mirrors: .post("/api/v1/platform/tenants/{id}/exports")) { console in
            let id = try Self.tenantID(console)
            _ = try await useCases.platform.tenant(id)
            let actor = try await operatorOf(console)
            _ = try await useCases.exports.request(tenant: id, channel: .platform, by: actor.actor, origin: console.origin)
            return ConsoleView.redirect("/admin/tenants/\(id)?notice=export_requested")
        }
        routes.get(
            "/tenants/{id}/exports/{export_id}/download",
            mirrors: .get("/api/v1/platform/tenants/{id}/exports/{export_id}/download")
        ) { console in
            let id = try Self.tenantID(console)
            let found = try await useCases.exports.archive(
                try DataExportsController.exportID(console.context.parameters), of: id, channel: nil)
            return try await DataExportsController.download(found.export, file: found.file, context: console.context)
        }
        routes.get("/plans", mirrors: .get("/api/v1/platform/plans")) { console in try await plans(console) }
        routes.get("/audit", mirrors: .get("/api/v1/platform/audit-events")) { console in try await audit(console) }
        routes.get("/audit/platform", mirrors: .get("/api/v1/platform/platform-audit-events")) { console in
            try await platformAudit(console)
        }
    }

    /// The tenant page's extra parts: the plan choice and the exports.
    func tenantExtras(_ console: ConsoleRequest, _ detail: PlatformService.TenantDetail, role: PlatformRole) async throws
        -> [String: Any]
    {
        let language = console.language
        let id = detail.profile.tenant.id
        var values: [String: Any] = [:]
        if role >= .superAdmin {
            values["plans"] = try await useCases.platform.plans().map { plan -> [String: Any] in
                var option: [String: Any] = ["value": plan.id, "label": plan.name]
                if plan.id == detail.profile.planID { option["selected"] = true }
                return option
            }
            values["superAdmin"] = true
            values.merge(overrideFields(detail, language: language)) { $1 }
            if detail.profile.tenant.status == .pendingDeletion { values["canRestore"] = true }
        }
        let exports = try await useCases.exports.list(tenant: id, channel: nil, page: PageRequest(limit: 10))
        let now = Date()
        values["exports"] = exports.items.map { export -> [String: Any] in
            let state = export.status(at: now)
            var row: [String: Any] = [
                "requested": ConsoleFormat.dateTime(export.createdAt, language), "status": state.rawValue,
                "statusLabel": strings.text(language, "data.status.\(state.rawValue)"),
            ]
            if state == .completed && role >= .superAdmin {
                row["download"] = "/admin/tenants/\(id)/exports/\(export.id)/download"
            }
            return row
        }
        values["hasExports"] = !exports.items.isEmpty
        let members = try await useCases.platform.members(of: id, page: PageRequest(limit: 20))
        values["memberRows"] = members.items.map { member -> [String: Any] in
            [
                "name": member.name, "email": member.email.rawValue,
                "role": member.customRoleName ?? strings.text(language, "roles.\(member.membership.role.rawValue)"),
                "status": strings.text(language, "members.status.\(member.membership.status.rawValue)"),
            ]
        }
        if members.nextCursor != nil { values["moreMembers"] = true }
        values["auditLink"] = "/admin/audit?tenant_id=\(id)"
        return values
    }

    private func audit(_ console: ConsoleRequest) async throws -> Response {
        let language = console.language
        var validator = Validator()
        let pageRequest = try validator.capture { try console.pageRequest() }
        let filter = AuditEventQuery.filter(acrossTenants: true, validator: &validator) { console.query($0) }
        try validator.check()
        let result = try await dependencies.auditLog.recordsAcrossTenants(filter, page: pageRequest ?? PageRequest(limit: 50))
        var query: [(String, String)] = []
        for name in ["tenant_id", "action", "actor_type"] {
            if let value = console.query(name) { query.append((name, value)) }
        }
        let filterQuery = query.map { "\($0.0)=\(FormEncoding.escape($0.1))" }.joined(separator: "&")
        var values: [String: Any] = [
            "events": result.items.map { record -> [String: Any] in
                [
                    "id": record.id.description, "tenant": record.tenantID.description,
                    "at": ConsoleFormat.dateTime(record.occurredAt, language), "action": record.action,
                    "actor": record.actorID.map { "\(record.actorType) \($0)" } ?? record.actorType,
                    "target": record.targetType.map { type in record.targetID.map { "\(type) \($0)" } ?? type } ?? "",
                ]
            },
            "hasEvents": !result.items.isEmpty,
            "action": filter.action ?? "", "tenantID": filter.tenantID?.description ?? "",
        ]
        if let cursor = result.nextCursor {
            values["next"] = "/admin/audit?cursor=\(FormEncoding.escape(cursor))" + (filterQuery.isEmpty ? "" : "&" + filterQuery)
        }
        return page(console, "admin-audit", title: "audit.title", values: values)
    }

    /// The platform's own trail: operators' actions, an operator shown by address while they
    /// are one, a tenant acted upon linked to its page, each change as before → after.
    private func platformAudit(_ console: ConsoleRequest) async throws -> Response {
        let language = console.language
        var validator = Validator()
        let pageRequest = try validator.capture { try console.pageRequest() }
        let filter = AuditEventQuery.filter(validator: &validator) { console.query($0) }
        try validator.check()
        let result = try await dependencies.auditLog.platformRecords(filter, page: pageRequest ?? PageRequest(limit: 50))
        let operators = Dictionary(
            try await useCases.platform.operators().map { ($0.userID.description, $0.email) },
            uniquingKeysWith: { first, _ in first })
        let none = strings.text(language, "audit.none_value")
        let events = result.items.map { record -> [String: Any] in
            var row: [String: Any] = [
                "id": record.id.description, "at": ConsoleFormat.dateTime(record.occurredAt, language),
                "action": record.action,
                "actor": record.actor.id.map { id in operators[id] ?? "\(record.actor.type) \(id)" } ?? record.actor.type,
            ]
            if let target = record.target {
                row["target"] = "\(target.type) \(target.id)"
                if target.type == "tenant", let id = TenantID(target.id) { row["targetHref"] = "/admin/tenants/\(id)" }
            }
            let changes = (try? JSONDecoder().decode([String: AuditEvent.Change].self, from: Data(record.changes.utf8))) ?? [:]
            row["changes"] = changes.sorted { $0.key < $1.key }.map { field, change -> [String: Any] in
                ["field": field, "before": change.before ?? none, "after": change.after ?? none]
            }
            row["hasChanges"] = !changes.isEmpty
            return row
        }
        var values: [String: Any] = [
            "events": events, "hasEvents": !events.isEmpty, "action": filter.action ?? "",
            "actorID": filter.actorID ?? "", "targetID": filter.targetID ?? "",
        ]
        if let cursor = result.nextCursor {
            var query = "cursor=\(FormEncoding.escape(cursor))"
            for name in ["action", "actor_id", "target_id"] {
                if let value = console.query(name) { query += "&\(name)=\(FormEncoding.escape(value))" }
            }
            values["next"] = "/admin/audit/platform?\(query)"
        }
        return page(console, "admin-platform-audit", title: "audit.platform_title", values: values)
    }
}
