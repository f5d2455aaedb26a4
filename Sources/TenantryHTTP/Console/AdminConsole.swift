import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// The operators' console under `/admin`: the tenants (search, filter, paginate), a tenant's
/// page with its usage, and suspending and reactivating it. Each page and action needs the
/// platform role of the `/api/v1/platform` route it mirrors and calls the same use case.
struct AdminConsole: Sendable {
    let dependencies: ConsoleDependencies

    var useCases: UseCases { dependencies.useCases }
    var strings: ConsoleStrings { dependencies.strings }

    static func navigation(current: String, who: String) -> ConsoleNavigation {
        ConsoleNavigation(
            items: [
                .init(href: "/admin", label: "nav.admin_overview"), .init(href: "/admin/tenants", label: "nav.tenants"),
                .init(href: "/admin/plans", label: "nav.plans"), .init(href: "/admin/operators", label: "nav.operators"),
                .init(href: "/admin/audit", label: "nav.platform_audit"),
            ], current: current, who: who)
    }

    func register(on routes: ConsoleRoutes) {
        routes.get("", mirrors: .get("/api/v1/platform/tenants")) { console in try await overview(console) }
        routes.post("/sign-out", mirrors: nil) { console in
            try await useCases.sessions.signOut(console.caller, origin: console.origin)
            return dependencies.sessions.withoutCookies(ConsoleView.redirect("/admin/sign-in?notice=signed_out"), kind: .admin)
        }
        routes.get("/tenants", mirrors: .get("/api/v1/platform/tenants")) { console in try await tenants(console) }
        routes.get("/tenants/{id}", mirrors: .get("/api/v1/platform/tenants/{id}")) { console in
            try await tenant(console)
        }
        registerPlatform(on: routes)
        registerEditors(on: routes)
        routes.post("/tenants/{id}/suspend", mirrors: .post("/api/v1/platform/tenants/{id}/suspend")) { console in
            let id = try Self.tenantID(console)
            let reason = console.form.text("reason") ?? ""
            return try await change(console, id, action: .tenantSuspended, notice: "tenant_suspended") { profile, _ in
                try profile.suspend(reason: reason)
            }
        }
        routes.post("/tenants/{id}/reactivate", mirrors: .post("/api/v1/platform/tenants/{id}/reactivate")) { console in
            let id = try Self.tenantID(console)
            return try await change(console, id, action: .tenantReactivated, notice: "tenant_reactivated") { profile, _ in
                try profile.reactivate()
            }
        }
    }

    static func tenantID(_ console: ConsoleRequest) throws -> TenantID {
        try console.context.identifier("id", notFound: PlatformService.noSuchTenant)
    }

    func operatorOf(_ console: ConsoleRequest) async throws -> PlatformOperator {
        guard let role = try await useCases.platform.role(of: console.caller.userID) else {
            throw TenantryError(.forbidden, "This needs a platform operator.")
        }
        return PlatformOperator(userID: console.caller.userID, role: role)
    }

    func change(
        _ console: ConsoleRequest, _ id: TenantID, action: EventType, notice: String,
        _ change: @escaping @Sendable (inout TenantProfile, any TenantTransaction) async throws -> [String: AuditEvent.Change]
    ) async throws -> Response {
        let actor = try await operatorOf(console)
        do {
            _ = try await useCases.platform.changeTenant(by: actor, id, action: action, origin: console.origin, change)
            return ConsoleView.redirect("/admin/tenants/\(id)?notice=\(notice)")
        } catch let error as TenantryError where error.code == .validationFailed || error.code == .conflict {
            return try await tenant(
                console, error: dependencies.message(for: error, console.language),
                status: ProblemCatalog.entry(for: error.code).status)
        }
    }

    func page(
        _ console: ConsoleRequest, _ template: String, title: String, values: [String: Any], error: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        dependencies.page(console, template, title: title, values: values, error: error, status: status)
    }

    private func overview(_ console: ConsoleRequest) async throws -> Response {
        let language = console.language
        let today = UsageDay(Date())
        let from = today.adding(days: -29)
        let report = try await dependencies.usageReports.platform(from: from, to: today, limit: 10)
        let top = report.topTenants.map { entry in
            (label: entry.tenant?.name ?? entry.tenantID.description, value: entry.counts.apiRequests, tone: "")
        }
        let health = try await useCases.platform.health()
        var values = overviewHealth(health, language: language)
        values.merge([
            "from": from.description, "to": today.description,
            "totals": [
                [
                    "label": strings.text(language, "usage.api_requests"),
                    "value": ConsoleFormat.integer(report.totals.counts.apiRequests, language),
                ],
                [
                    "label": strings.text(language, "usage.sign_ins"),
                    "value": ConsoleFormat.integer(report.totals.counts.signIns, language),
                ],
                [
                    "label": strings.text(language, "usage.emails_sent"),
                    "value": ConsoleFormat.integer(report.totals.counts.emailsSent, language),
                ],
                [
                    "label": strings.text(language, "admin.overview.active_tenants"),
                    "value": ConsoleFormat.integer(report.totals.activeTenants, language),
                ],
                [
                    "label": strings.text(language, "usage.active_users"),
                    "value": ConsoleFormat.integer(report.totals.activeUsers, language),
                ],
            ],
            "top": report.topTenants.map { entry -> [String: Any] in
                var row: [String: Any] = [
                    "name": entry.tenant?.name ?? entry.tenantID.description,
                    "requests": ConsoleFormat.integer(entry.counts.apiRequests, language),
                ]
                if entry.tenant != nil { row["href"] = "/admin/tenants/\(entry.tenantID)" }
                return row
            },
            "hasTop": !report.topTenants.isEmpty,
            "topChart": ConsoleChart.bars(
                id: "top", title: strings.text(language, "admin.overview.top_tenants"), bars: top, language: language),
        ]) { $1 }
        let billing = report.billing
        values["mrr"] = billing.monthlyRecurringRevenue.sorted { $0.key < $1.key }.map { currency, amount in
            ["value": TenantConsole.money(amount, currency: currency, language)]
        }
        values["subscriptions"] = billing.byStatus.sorted { $0.key < $1.key }.map { status, count in
            ["label": status, "value": ConsoleFormat.integer(count, language)]
        }
        values["hasBilling"] = !billing.byStatus.isEmpty || !billing.monthlyRecurringRevenue.isEmpty
        values["churn"] = strings.text(
            language, "admin.overview.churn_line",
            [
                "canceled": ConsoleFormat.integer(billing.canceledInWindow, language),
                "base": ConsoleFormat.integer(billing.churnBase, language),
            ])
        return page(console, "admin-overview", title: "admin.overview.title", values: values)
    }

    /// The overview's health parts: tenants by status and plan, new tenants per day, the job
    /// queues and the failing webhook endpoints.
    private func overviewHealth(_ health: PlatformService.Health, language: Language) -> [String: Any] {
        let statuses = [Tenant.Status.active, .suspended, .pendingDeletion]
        let plans = Array(Set(health.tenants.map(\.plan))).sorted()
        let now = Date()
        return [
            "statuses": statuses.map { status -> [String: Any] in
                [
                    "label": strings.text(language, "tenants.status.\(status.rawValue)"),
                    "href": "/admin/tenants?status=\(status.rawValue)",
                    "total": ConsoleFormat.integer(
                        health.tenants.filter { $0.status == status }.reduce(0) { $0 + $1.count }, language),
                ]
            },
            "byPlan": plans.map { plan -> [String: Any] in
                [
                    "plan": plan,
                    "counts": statuses.map { status -> [String: Any] in
                        let count = health.tenants.first { $0.plan == plan && $0.status == status }?.count ?? 0
                        return ["value": ConsoleFormat.integer(count, language)]
                    },
                ]
            },
            "newTenants": ConsoleFormat.integer(health.newTenants.reduce(0) { $0 + $1.count }, language),
            "newTenantsChart": ConsoleChart.columns(
                id: "new-tenants", title: strings.text(language, "admin.overview.new_tenants"),
                points: health.newTenants.map { (label: $0.day.description, value: $0.count) }, language: language),
            "queues": health.queues.map { queue -> [String: Any] in
                [
                    "name": queue.queue, "due": ConsoleFormat.integer(queue.due, language),
                    "running": ConsoleFormat.integer(queue.running, language),
                    "dead": ConsoleFormat.integer(queue.dead, language),
                    "wait": queue.oldestDueAt.map { ConsoleFormat.duration(now.timeIntervalSince($0), language) } ?? "—",
                    "late": queue.oldestDueAt.map { now.timeIntervalSince($0) > 300 } ?? false,
                ]
            },
            "hasQueues": !health.queues.isEmpty,
            "failing": health.failingEndpoints.map { endpoint -> [String: Any] in
                [
                    "tenant": endpoint.tenantName, "href": "/admin/tenants/\(endpoint.tenantID)", "url": endpoint.url,
                    "since": endpoint.failingSince.map { ConsoleFormat.dateTime($0, language) } ?? "—",
                    "state": strings.text(
                        language, endpoint.disabled ? "admin.overview.endpoint_disabled" : "admin.overview.endpoint_failing"),
                ]
            },
            "hasFailing": !health.failingEndpoints.isEmpty,
        ]
    }

    private func tenants(_ console: ConsoleRequest) async throws -> Response {
        let language = console.language
        var validator = Validator()
        let filter = try PlatformController.tenantFilter(into: &validator) { console.query($0) }
        let pageRequest = try validator.capture { try console.pageRequest() }
        try validator.check()
        let found = try await useCases.platform.tenants(filter, page: pageRequest ?? PageRequest(limit: 50))
        // The rows are written by hand (escaped): a long table's cells are most of the page,
        // and Mustache would look each one up through its context stack (decision 0026).
        var rows = ""
        rows.reserveCapacity(found.page.items.count * 360)
        for entry in found.page.items {
            let tenant = entry.tenant
            let slug = ConsoleView.escapeHTML(tenant.slug.rawValue)
            let status = tenant.status.rawValue
            rows += "<tr data-tenant-slug=\"\(slug)\"><td><a href=\"/admin/tenants/\(tenant.id)\">"
            rows += ConsoleView.escapeHTML(tenant.name)
            rows +=
                "</a></td><td>\(slug)</td><td>\(ConsoleView.escapeHTML(entry.planID))</td><td data-status=\"\(status)\">"
            rows += ConsoleView.escapeHTML(strings.text(language, "tenants.status.\(status)"))
            rows += "</td><td class=\"number\">\(ConsoleFormat.integer(entry.memberCount, language))</td><td class=\"number\">"
            rows += ConsoleFormat.integer(found.usage[tenant.id]?.usage.counts.apiRequests ?? 0, language)
            rows += "</td><td>\(ConsoleView.escapeHTML(ConsoleFormat.date(tenant.createdAt, language)))</td></tr>\n"
        }
        let statuses: [[String: Any]] = [Tenant.Status.active, .suspended, .pendingDeletion].map { status in
            var option: [String: Any] = [
                "value": status.rawValue, "label": strings.text(language, "tenants.status.\(status.rawValue)"),
            ]
            if status == filter.status { option["selected"] = true }
            return option
        }
        let plans: [[String: Any]] = try await useCases.platform.plans().map { plan in
            ["value": plan.id, "label": plan.name, "selected": plan.id == filter.plan]
        }
        var values: [String: Any] = [
            "tenantRows": rows, "q": filter.text ?? "", "statuses": statuses, "plans": plans,
            "sorts": TenantSort.allCases.map { sort -> [String: Any] in
                [
                    "value": sort.rawValue, "selected": sort == filter.sort,
                    "label": strings.text(language, "tenants.sort.\(sort)"),
                ]
            },
            "count": strings.plural(language, "tenants.shown", count: found.page.items.count),
        ]
        if let cursor = found.page.nextCursor {
            var query = "cursor=\(FormEncoding.escape(cursor))"
            if let text = filter.text { query += "&q=\(FormEncoding.escape(text))" }
            if let status = filter.status { query += "&status=\(status.rawValue)" }
            if let plan = filter.plan { query += "&plan=\(FormEncoding.escape(plan))" }
            if filter.sort != .oldest { query += "&sort=\(FormEncoding.escape(filter.sort.rawValue))" }
            values["next"] = "/admin/tenants?\(query)"
        }
        return page(console, "admin-tenants", title: "tenants.title", values: values)
    }

    func tenant(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let language = console.language
        let detail = try await useCases.platform.tenant(try Self.tenantID(console))
        let profile = detail.profile
        let usage = detail.usage.usage
        var values: [String: Any] = [
            "id": profile.tenant.id.description,
            "name": profile.tenant.name,
            "slug": profile.tenant.slug.rawValue,
            "plan": profile.planID,
            "status": profile.tenant.status.rawValue,
            "statusLabel": strings.text(language, "tenants.status.\(profile.tenant.status.rawValue)"),
            "members": ConsoleFormat.integer(detail.memberCount, language),
            "created": ConsoleFormat.dateTime(profile.tenant.createdAt, language),
            "usage": [
                [
                    "label": strings.text(language, "usage.api_requests"),
                    "value": ConsoleFormat.integer(usage.counts.apiRequests, language),
                ],
                [
                    "label": strings.text(language, "usage.sign_ins"),
                    "value": ConsoleFormat.integer(usage.counts.signIns, language),
                ],
                [
                    "label": strings.text(language, "usage.emails_sent"),
                    "value": ConsoleFormat.integer(usage.counts.emailsSent, language),
                ],
                [
                    "label": strings.text(language, "usage.active_users"),
                    "value": ConsoleFormat.integer(usage.activeUsers, language),
                ],
            ],
        ]
        if let reason = profile.statusReason { values["reason"] = reason }
        let role = try await operatorOf(console).role
        values.merge(try await tenantExtras(console, detail, role: role)) { $1 }
        if role >= .superAdmin {
            switch profile.tenant.status {
            case .active: values["canSuspend"] = true
            case .suspended: values["canReactivate"] = true
            default: break
            }
        }
        return page(console, "admin-tenant", title: "tenant.title", values: values, error: error, status: status)
    }
}
