import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// The tenant console's records: the audit log (filtered, paginated, exported as CSV or JSON
/// Lines through the API's own export) and the usage report (a chart of daily requests with
/// its table, totals against the plan's allowances, active users).
extension TenantConsole {
    func registerRecords(on routes: ConsoleRoutes) {
        routes.get("/audit", mirrors: .get("/api/v1/audit-events")) { console in try await audit(console) }
        routes.get("/audit/export", mirrors: .get("/api/v1/audit-events/export")) { console in
            let tenantID = try console.tenantAccess().tenantID
            let log = dependencies.auditLog
            return try await AuditEventsController.export(
                console.request, acrossTenants: false, filename: "audit-events-\(tenantID)"
            ) { filter, page in
                try await log.records(of: tenantID, filter, page: page)
            }
        }
        routes.get("/usage", mirrors: .get("/api/v1/tenant/usage")) { console in try await usage(console) }
    }

    private func audit(_ console: ConsoleRequest) async throws -> Response {
        let access = try console.tenantAccess()
        let language = console.language
        var validator = Validator()
        let pageRequest = try validator.capture { try console.pageRequest() }
        let filter = AuditEventQuery.filter(validator: &validator) { console.query($0) }
        try validator.check()
        let result = try await dependencies.auditLog.records(
            of: access.tenantID, filter, page: pageRequest ?? PageRequest(limit: 50))
        let rows: [[String: Any]] = result.items.map { record in
            [
                "id": record.id.description,
                "at": ConsoleFormat.dateTime(record.occurredAt, language),
                "action": record.action,
                "actor": record.actorID.map { "\(record.actorType) \($0)" } ?? record.actorType,
                "target": record.targetType.map { type in record.targetID.map { "\(type) \($0)" } ?? type } ?? "",
                "ip": record.ip ?? "",
            ]
        }
        var query: [(String, String)] = []
        for name in ["action", "actor_type", "actor_id", "target_type", "target_id", "from", "to"] {
            if let value = console.query(name) { query.append((name, value)) }
        }
        let filterQuery = query.map { "\($0.0)=\(FormEncoding.escape($0.1))" }.joined(separator: "&")
        var values: [String: Any] = [
            "events": rows,
            "hasEvents": !rows.isEmpty,
            "action": filter.action ?? "",
            "csv": "/console/audit/export?format=csv" + (filterQuery.isEmpty ? "" : "&" + filterQuery),
            "jsonl": "/console/audit/export?format=jsonl" + (filterQuery.isEmpty ? "" : "&" + filterQuery),
            "actorTypes": AuditEventQuery.actorTypes.sorted().map { type -> [String: Any] in
                var option: [String: Any] = ["value": type, "label": text(console, "audit.actors.\(type)")]
                if type == filter.actorType { option["selected"] = true }
                return option
            },
        ]
        if let cursor = result.nextCursor {
            values["next"] =
                "/console/audit?cursor=\(FormEncoding.escape(cursor))" + (filterQuery.isEmpty ? "" : "&" + filterQuery)
        }
        return page(console, "audit", title: "audit.title", values: values)
    }

    private func usage(_ console: ConsoleRequest) async throws -> Response {
        let access = try console.tenantAccess()
        let language = console.language
        let (from, to) = try UsageController.range(from: console.query("from"), to: console.query("to"), today: UsageDay(Date()))
        let report = try await dependencies.usageReports.tenant(access.tenantID, from: from, to: to)
        let chart = ConsoleChart.columns(
            id: "requests", title: text(console, "usage.chart_title"),
            points: report.days.map { (label: $0.day.description, value: $0.counts.apiRequests) }, language: language)
        var allowance = text(console, "limits.unlimited")
        if let monthly = report.apiCallsPerMonth {
            allowance = text(
                console, "usage.of_allowance",
                [
                    "used": ConsoleFormat.integer(report.apiCallsThisMonth, language),
                    "allowed": ConsoleFormat.integer(monthly, language),
                ])
        }
        let values: [String: Any] = [
            "from": from.description, "to": to.description,
            "chart": chart,
            "days": report.days.reversed().map { day -> [String: Any] in
                [
                    "day": day.day.description,
                    "requests": ConsoleFormat.integer(day.counts.apiRequests, language),
                    "signIns": ConsoleFormat.integer(day.counts.signIns, language),
                    "emails": ConsoleFormat.integer(day.counts.emailsSent, language),
                    "active": ConsoleFormat.integer(day.activeUsers, language),
                ]
            },
            "totals": [
                [
                    "label": text(console, "usage.api_requests"),
                    "value": ConsoleFormat.integer(report.totals.apiRequests, language),
                ],
                ["label": text(console, "usage.sign_ins"), "value": ConsoleFormat.integer(report.totals.signIns, language)],
                [
                    "label": text(console, "usage.emails_sent"),
                    "value": ConsoleFormat.integer(report.totals.emailsSent, language),
                ],
                ["label": text(console, "usage.dau"), "value": ConsoleFormat.integer(report.dau, language)],
                ["label": text(console, "usage.wau"), "value": ConsoleFormat.integer(report.wau, language)],
                ["label": text(console, "usage.mau"), "value": ConsoleFormat.integer(report.mau, language)],
                ["label": text(console, "usage.this_month"), "value": allowance],
            ],
        ]
        return page(console, "usage", title: "usage.title", values: values)
    }
}
