import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// The tenant console's pages about the tenant itself: its settings and branding (with the
/// API's validation, contrast included), its data (background exports and their download,
/// deletion), and its billing (plan, subscription, invoices, change of plan).
extension TenantConsole {
    func registerTenant(on routes: ConsoleRoutes) {
        routes.get("/settings", mirrors: .get("/api/v1/tenant")) { console in try await settings(console) }
        routes.post("/settings", mirrors: .patch("/api/v1/tenant")) { console in
            let access = try console.tenantAccess()
            do {
                let update = try settingsUpdate(console.form)
                _ = try await useCases.tenants.update(access, update, origin: console.origin)
                return ConsoleView.redirect("/console/settings?notice=settings_saved")
            } catch {
                return try await refused(error, console) { message, status in
                    try await settings(console, error: message, status: status)
                }
            }
        }
        routes.get("/data", mirrors: .get("/api/v1/tenant/exports")) { console in try await data(console) }
        routes.post("/data/exports", mirrors: .post("/api/v1/tenant/exports")) { console in
            let access = try console.tenantAccess()
            _ = try await useCases.exports.request(
                tenant: access.tenantID, channel: .tenant, by: access.actor, origin: console.origin)
            return ConsoleView.redirect("/console/data?notice=export_requested")
        }
        routes.get("/data/exports/{export_id}/download", mirrors: .get("/api/v1/tenant/exports/{export_id}/download")) {
            console in
            let access = try console.tenantAccess()
            let found = try await useCases.exports.archive(
                try DataExportsController.exportID(console.context.parameters), of: access.tenantID, channel: .tenant)
            return try await DataExportsController.download(found.export, file: found.file, context: console.context)
        }
        routes.post("/data/delete", mirrors: .delete("/api/v1/tenant")) { console in
            let access = try console.tenantAccess()
            do {
                guard let confirm = console.form.text("confirm") else {
                    throw Validator.fail("confirm", "required", "Type the tenant's slug to delete it.")
                }
                _ = try await useCases.tenants.delete(access, confirm: confirm, origin: console.origin)
                return ConsoleView.redirect("/console/data?notice=deletion_scheduled")
            } catch {
                return try await refused(error, console) { message, status in
                    try await data(console, error: message, status: status)
                }
            }
        }
        routes.post("/data/restore", mirrors: .post("/api/v1/tenant/restore")) { console in
            _ = try await useCases.tenants.restore(try console.tenantAccess(), origin: console.origin)
            return ConsoleView.redirect("/console?notice=tenant_restored")
        }
        routes.get("/billing", mirrors: .get("/api/v1/billing/subscription")) { console in try await billing(console) }
        routes.post("/billing/subscribe", mirrors: .post("/api/v1/billing/subscription")) { console in
            let access = try console.tenantAccess()
            do {
                var validator = Validator()
                let plan = try validator.capture { try Plan.validatedID(console.form.text("plan") ?? "", field: "plan") }
                let method = try validator.capture {
                    try BillingController.validatedPaymentMethod(console.form.text("payment_method") ?? "")
                }
                try validator.check()
                guard let plan, let method else { throw TenantryError(.internalError, "Validation passed without values.") }
                _ = try await useCases.billing.subscribe(access, planID: plan, paymentMethod: method, origin: console.origin)
                return ConsoleView.redirect("/console/billing?notice=subscribed")
            } catch {
                return try await refused(error, console) { message, status in
                    try await billing(console, error: message, status: status)
                }
            }
        }
        routes.post("/billing/plan", mirrors: .patch("/api/v1/billing/subscription")) { console in
            let access = try console.tenantAccess()
            do {
                let plan = try Plan.validatedID(console.form.text("plan") ?? "", field: "plan")
                _ = try await useCases.billing.changePlan(access, planID: plan, origin: console.origin)
                return ConsoleView.redirect("/console/billing?notice=plan_changed")
            } catch {
                return try await refused(error, console) { message, status in
                    try await billing(console, error: message, status: status)
                }
            }
        }
        routes.post("/billing/cancel", mirrors: .post("/api/v1/billing/subscription/cancel")) { console in
            _ = try await useCases.billing.setCancelAtPeriodEnd(true, try console.tenantAccess(), origin: console.origin)
            return ConsoleView.redirect("/console/billing?notice=subscription_cancelled")
        }
        routes.post("/billing/resume", mirrors: .post("/api/v1/billing/subscription/resume")) { console in
            _ = try await useCases.billing.setCancelAtPeriodEnd(false, try console.tenantAccess(), origin: console.origin)
            return ConsoleView.redirect("/console/billing?notice=subscription_resumed")
        }
    }

    /// The settings form as the API's update: the same validators, the same field names
    /// (`branding.primary_color`), so an error names the field the page shows.
    private func settingsUpdate(_ form: FormBody) throws -> TenantService.Update {
        var validator = Validator()
        var update = TenantService.Update()
        update.name = try form.text("name").flatMap { name in try validator.capture { try Tenant.validatedName(name) } }
        func optional(_ name: String, _ parse: (String) throws -> String) throws -> String?? {
            guard let given = form[name] else { return nil }
            let trimmed = given.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { return .some(nil) }
            return try validator.capture { try parse(trimmed) }.map { .some($0) }
        }
        update.logoURL = try optional("logo_url") { try Branding.validatedLogoURL($0, field: "branding.logo_url") }
        update.primaryColor = try optional("primary_color") {
            try Branding.validatedColor($0, field: "branding.primary_color")
        }
        update.accentColor = try optional("accent_color") { try Branding.validatedColor($0, field: "branding.accent_color") }
        if let given = form["default_language"] {
            if given.isEmpty {
                update.defaultLanguage = .some(nil)
            } else {
                update.defaultLanguage = try validator.capture {
                    try Language.validated(given, field: "settings.default_language")
                }.map { .some($0) }
            }
        }
        if let given = form.text("mfa_policy") {
            if let policy = MFAPolicy(rawValue: given) {
                update.mfaPolicy = policy
            } else {
                validator.add("settings.mfa_policy", "invalid_value", "One of optional, admins, everyone.")
            }
        }
        try validator.check()
        return update
    }

    private func settings(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let access = try console.tenantAccess()
        let detail = try await useCases.tenants.get(access)
        let profile = detail.profile
        let canManage = access.permissions.contains(.tenantManage)
        let branded = detail.entitlements.features.contains(EmailStyle.brandingFeature)
        var values: [String: Any] = [
            "name": profile.tenant.name, "slug": profile.tenant.slug.rawValue,
            "logoURL": profile.branding.logoURL ?? "", "primaryColor": profile.branding.primaryColor ?? "",
            "accentColor": profile.branding.accentColor ?? "",
            "languages": Language.allCases.map { language -> [String: Any] in
                var option: [String: Any] = [
                    "value": language.rawValue, "label": text(console, "languages.\(language.rawValue)"),
                ]
                if language == profile.settings.defaultLanguage { option["selected"] = true }
                return option
            },
            "policies": MFAPolicy.allCases.map { policy -> [String: Any] in
                var option: [String: Any] = [
                    "value": policy.rawValue, "label": text(console, "settings.mfa.\(policy.rawValue)"),
                ]
                if policy == profile.settings.mfaPolicy { option["selected"] = true }
                return option
            },
        ]
        if profile.settings.defaultLanguage == nil { values["noLanguage"] = true }
        if canManage { values["canManage"] = true }
        if !branded { values["brandingNotInPlan"] = true }
        return page(console, "settings", title: "settings.title", values: values, error: error, status: status)
    }

    private func data(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let access = try console.tenantAccess()
        let language = console.language
        var values: [String: Any] = ["slug": "", "canDelete": access.permissions.contains(.tenantDelete)]
        if access.permissions.contains(.tenantExport) {
            values["canExport"] = true
            let exports = try await useCases.exports.list(tenant: access.tenantID, channel: .tenant, page: PageRequest(limit: 20))
            let now = Date()
            values["exports"] = exports.items.map { export -> [String: Any] in
                let state = export.status(at: now)
                var row: [String: Any] = [
                    "id": export.id.description,
                    "requested": ConsoleFormat.dateTime(export.createdAt, language),
                    "status": state.rawValue,
                    "statusLabel": text(console, "data.status.\(state.rawValue)"),
                    "progress": export.rowsTotal.map { total in
                        "\(ConsoleFormat.integer(export.rowsDone, language)) / \(ConsoleFormat.integer(total, language))"
                    } ?? "",
                ]
                if state == .completed {
                    row["download"] = "/console/data/exports/\(export.id)/download"
                    if let size = export.sizeBytes { row["size"] = ConsoleFormat.integer(size, language) }
                }
                return row
            }
            values["hasExports"] = !exports.items.isEmpty
        }
        if let tenant = console.tenant { values["slug"] = tenant.slug.rawValue }
        return page(console, "data", title: "data.title", values: values, error: error, status: status)
    }

    private func billing(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let access = try console.tenantAccess()
        let language = console.language
        let overview: BillingService.Overview
        do {
            overview = try await useCases.billing.overview(access)
        } catch let failure as TenantryError where failure.code == .billingDisabled {
            return page(console, "billing", title: "billing.title", values: ["disabled": true], error: error, status: status)
        }
        let plans = try await useCases.platform.plans().filter { $0.stripePriceID != nil }
        var values: [String: Any] = [
            "plan": overview.planID,
            "plans": plans.map { plan -> [String: Any] in
                var option: [String: Any] = ["value": plan.id, "label": plan.name]
                if plan.id == overview.planID { option["selected"] = true }
                return option
            },
        ]
        if let subscription = overview.account?.subscription {
            var shown: [String: Any] = [
                "status": subscription.status.rawValue,
                "renews": subscription.currentPeriodEnd.map { ConsoleFormat.date($0, language) } ?? "",
            ]
            if subscription.cancelAtPeriodEnd { shown["cancelling"] = true }
            values["subscription"] = shown
            let invoices = try await useCases.billing.invoices(access, limit: 20, after: nil)
            values["invoices"] = invoices.items.map { invoice -> [String: Any] in
                var row: [String: Any] = [
                    "number": invoice.number ?? invoice.id,
                    "date": ConsoleFormat.date(invoice.createdAt, language),
                    "amount": Self.money(invoice.amountDue, currency: invoice.currency, language),
                    "status": invoice.status ?? "",
                ]
                if let url = invoice.hostedInvoiceURL, url.hasPrefix("https://") { row["url"] = url }
                return row
            }
            values["hasInvoices"] = !invoices.items.isEmpty
        } else {
            values["noSubscription"] = true
        }
        return page(console, "billing", title: "billing.title", values: values, error: error, status: status)
    }

    /// An amount in a currency's minor units, written the language's way (`US$ 12.00`, `R$ 12,00`).
    static func money(_ minor: Int, currency: String, _ language: Language) -> String {
        let style = Decimal.FormatStyle.Currency(code: currency.uppercased(), locale: ConsoleFormat.locale(language))
        return (Decimal(minor) / 100).formatted(style)
    }
}
