import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// The operators' console editors: the plans (create and change, with their limits, modules
/// and features), a tenant's overrides of its plan, and the platform's operators. Each form is
/// read into the API's request and checked by the API's own validation.
extension AdminConsole {
    func registerEditors(on routes: ConsoleRoutes) {
        routes.post("/plans", mirrors: .post("/api/v1/platform/plans")) { console in
            do {
                let given = try Request.decodeFields(PlanRequest.self, try Self.planBody(console.form, creating: true))
                let plan = try await useCases.platform.createPlan(
                    by: try await operatorOf(console), try given.validated(), origin: console.origin)
                return ConsoleView.redirect("/admin/plans/\(FormEncoding.escape(plan.id))?notice=plan_created")
            } catch let error as TenantryError where error.code == .validationFailed || error.code == .conflict {
                return try await plans(
                    console, error: dependencies.message(for: error, console.language),
                    status: ProblemCatalog.entry(for: error.code).status)
            }
        }
        routes.get("/plans/{id}", mirrors: .get("/api/v1/platform/plans/{id}")) { console in try await plan(console) }
        routes.post("/plans/{id}", mirrors: .patch("/api/v1/platform/plans/{id}")) { console in
            let id = try Self.planID(console)
            do {
                let given = try Request.decodeFields(
                    PlanUpdateRequest.self, try Self.planBody(console.form, creating: false))
                _ = try await useCases.platform.updatePlan(
                    by: try await operatorOf(console), id, origin: console.origin, try given.validated())
                return ConsoleView.redirect("/admin/plans/\(FormEncoding.escape(id))?notice=plan_saved")
            } catch let error as TenantryError where error.code == .validationFailed {
                return try await plan(
                    console, error: dependencies.message(for: error, console.language), status: .unprocessableContent)
            }
        }
        routes.post("/tenants/{id}/overrides", mirrors: .put("/api/v1/platform/tenants/{id}/overrides")) { console in
            let id = try Self.tenantID(console)
            let body = try Self.overridesBody(console.form)
            return try await change(console, id, action: .tenantOverridesChanged, notice: "overrides_saved") {
                profile, scope in
                try await body.apply(to: &profile, in: scope)
            }
        }
        routes.get("/operators", mirrors: .get("/api/v1/platform/operators")) { console in try await operators(console) }
        routes.post("/operators", mirrors: .put("/api/v1/platform/operators/{user_id}")) { console in
            do {
                var validator = Validator()
                let email = try validator.capture { try EmailAddress(console.form.text("email") ?? "") }
                let role = Self.platformRole(console.form.text("role"), into: &validator)
                try validator.check()
                guard let email, let role else { throw TenantryError(.internalError, "Validation passed without values.") }
                let user = try await useCases.platform.user(email: email)
                try await useCases.platform.setRole(
                    by: try await operatorOf(console), of: user.id, to: role, origin: console.origin)
                return ConsoleView.redirect("/admin/operators?notice=operator_saved")
            } catch let error as TenantryError where error.code == .validationFailed || error.code == .notFound {
                return try await operators(
                    console, error: dependencies.message(for: error, console.language),
                    status: ProblemCatalog.entry(for: error.code).status)
            }
        }
        routes.post("/operators/{user_id}", mirrors: .put("/api/v1/platform/operators/{user_id}")) { console in
            var validator = Validator()
            let role = Self.platformRole(console.form.text("role"), into: &validator)
            try validator.check()
            try await useCases.platform.setRole(
                by: try await operatorOf(console), of: try Self.operatorID(console), to: role, origin: console.origin)
            return ConsoleView.redirect("/admin/operators?notice=operator_saved")
        }
        routes.post("/operators/{user_id}/delete", mirrors: .delete("/api/v1/platform/operators/{user_id}")) { console in
            try await useCases.platform.setRole(
                by: try await operatorOf(console), of: try Self.operatorID(console), to: nil, origin: console.origin)
            return ConsoleView.redirect("/admin/operators?notice=operator_removed")
        }
    }

    static func planID(_ console: ConsoleRequest) throws -> String {
        guard let id = console.context.parameters.get("id"), (try? Plan.validatedID(id)) != nil else {
            throw PlatformService.noSuchPlan
        }
        return id
    }

    static func operatorID(_ console: ConsoleRequest) throws -> UserID {
        try console.context.identifier("user_id", notFound: TenantryError(.notFound, "No such user."))
    }

    static func platformRole(_ text: String?, into validator: inout Validator) -> PlatformRole? {
        guard let role = text.flatMap(PlatformRole.init(rawValue:)) else {
            validator.add("role", "invalid_value", "Use super_admin or support.")
            return nil
        }
        return role
    }

    // MARK: Forms

    /// A plan form as the API's JSON: each limit's field (`limit.<name>`; empty is unlimited),
    /// the modules and features ticked (core always), the description and Stripe price (empty
    /// clears them).
    static func planBody(_ form: FormBody, creating: Bool) throws -> [String: Any] {
        var validator = Validator()
        var limits: [String: Any] = [:]
        for limit in Limit.allCases {
            let text = form.text("limit.\(limit.rawValue)") ?? ""
            if text.isEmpty {
                limits[limit.rawValue] = NSNull()
            } else if let value = Int(text) {
                limits[limit.rawValue] = value
            } else {
                validator.add("limits.\(limit.rawValue)", "invalid", "A whole number, or empty for no limit.")
            }
        }
        try validator.check()
        var body: [String: Any] = [
            "name": form.text("name") ?? "", "limits": limits,
            "modules": [ModuleID.core.rawValue] + form.values("module").filter { $0 != ModuleID.core.rawValue },
            "features": form.values("feature"),
        ]
        // A new plan leaves out what is empty; a change clears it.
        for (field, value) in [("description", form.text("description")), ("stripe_price_id", form.text("stripe_price_id"))] {
            if let value { body[field] = value } else if !creating { body[field] = NSNull() }
        }
        if creating { body["id"] = form.text("id") ?? "" }
        return body
    }

    /// An overrides form as the API's JSON: a limit's field empty follows the plan, a number or
    /// `unlimited` overrides it; each module and feature follows the plan, or is on or off.
    static func overridesBody(_ form: FormBody) throws -> OverridesBody {
        var validator = Validator()
        var limits: [String: Any] = [:]
        for limit in Limit.allCases {
            guard let text = form.text("limit.\(limit.rawValue)") else { continue }
            if text.lowercased() == "unlimited" || text.lowercased() == "ilimitado" {
                limits[limit.rawValue] = NSNull()
            } else if let value = Int(text) {
                limits[limit.rawValue] = value
            } else {
                validator.add("limits.\(limit.rawValue)", "invalid", "A whole number, `unlimited`, or empty for the plan's.")
            }
        }
        try validator.check()
        func switches(_ prefix: String, _ names: [String]) -> [String: Bool] {
            var chosen: [String: Bool] = [:]
            for name in names {
                switch form.text("\(prefix).\(name)") {
                case "on": chosen[name] = true
                case "off": chosen[name] = false
                default: break
                }
            }
            return chosen
        }
        let body: [String: Any] = [
            "limits": limits,
            "modules": switches("module", ModuleRegistry.modules.filter { !$0.alwaysOn }.map(\.id.rawValue)),
            "features": switches("feature", ModuleRegistry.featureNames.sorted()),
        ]
        return try Request.decodeFields(OverridesBody.self, body)
    }

    // MARK: Pages

    /// The plans, with a form for a new one (super admins).
    func plans(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let language = console.language
        let plans = try await useCases.platform.plans()
        var values: [String: Any] = [
            "plans": plans.map { plan -> [String: Any] in
                [
                    "id": plan.id, "href": "/admin/plans/\(FormEncoding.escape(plan.id))", "name": plan.name,
                    "description": plan.description ?? "", "price": plan.stripePriceID ?? "—",
                    "limits": Limit.allCases.map { limit -> [String: Any] in
                        [
                            "name": strings.text(language, "limits.\(limit.rawValue)"),
                            "value": plan.limits[limit].map { ConsoleFormat.integer($0, language) }
                                ?? strings.text(language, "limits.unlimited"),
                        ]
                    },
                    "modules": plan.modules.map(\.rawValue).sorted().joined(separator: ", "),
                    "features": plan.features.sorted().joined(separator: ", "),
                ]
            }
        ]
        if try await operatorOf(console).role >= .superAdmin {
            values["superAdmin"] = true
            values.merge(planFields(nil, language: language)) { $1 }
        }
        return page(console, "admin-plans", title: "plans.title", values: values, error: error, status: status)
    }

    private func plan(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let plan = try await useCases.platform.plan(try Self.planID(console))
        var values: [String: Any] = [
            "id": plan.id, "action": "/admin/plans/\(FormEncoding.escape(plan.id))", "name": plan.name,
            "updated": ConsoleFormat.dateTime(plan.updatedAt, console.language),
        ]
        values.merge(planFields(plan, language: console.language)) { $1 }
        if try await operatorOf(console).role >= .superAdmin { values["superAdmin"] = true }
        return page(console, "admin-plan", title: "plans.plan_title", values: values, error: error, status: status)
    }

    /// The fields of a plan form, filled from `plan` (empty for a new one).
    private func planFields(_ plan: Plan?, language: Language) -> [String: Any] {
        [
            "fields": [
                "name": plan?.name ?? "", "description": plan?.description ?? "", "price": plan?.stripePriceID ?? "",
            ],
            "limitFields": Limit.allCases.map { limit -> [String: Any] in
                [
                    "key": limit.rawValue, "label": strings.text(language, "limits.\(limit.rawValue)"),
                    "value": plan?.limits[limit].map(String.init) ?? "",
                ]
            },
            "moduleFields": ModuleRegistry.modules.map { module -> [String: Any] in
                [
                    "id": module.id.rawValue, "name": module.name,
                    "checked": module.alwaysOn || (plan?.modules.contains(module.id) ?? false), "locked": module.alwaysOn,
                ]
            },
            "featureFields": ModuleRegistry.featureNames.sorted().map { feature -> [String: Any] in
                ["name": feature, "checked": plan?.features.contains(feature) ?? false]
            },
        ]
    }

    /// The overrides part of a tenant's page: each limit, module and feature with the plan's
    /// value and the tenant's override, if any.
    func overrideFields(_ detail: PlatformService.TenantDetail, language: Language) -> [String: Any] {
        let overrides = detail.profile.overrides
        let entitlements = detail.entitlements
        func choice(_ value: Bool?) -> [[String: Any]] {
            [("plan", value == nil), ("on", value == true), ("off", value == false)].map { option, selected in
                ["value": option, "label": strings.text(language, "overrides.\(option)"), "selected": selected]
            }
        }
        return [
            "overrideLimits": Limit.allCases.map { limit -> [String: Any] in
                var value = ""
                if let override = overrides.limits[limit] {
                    value = override.map(String.init) ?? "unlimited"
                }
                return [
                    "key": limit.rawValue, "label": strings.text(language, "limits.\(limit.rawValue)"), "value": value,
                    "effective": entitlements.allowance(limit).map { ConsoleFormat.integer($0, language) }
                        ?? strings.text(language, "limits.unlimited"),
                ]
            },
            "overrideModules": ModuleRegistry.modules.filter { !$0.alwaysOn }.map { module -> [String: Any] in
                ["id": module.id.rawValue, "name": module.name, "options": choice(overrides.modules[module.id])]
            },
            "overrideFeatures": ModuleRegistry.featureNames.sorted().map { feature -> [String: Any] in
                ["name": feature, "options": choice(overrides.features[feature])]
            },
        ]
    }

    func operators(_ console: ConsoleRequest, error: String? = nil, status: HTTPResponse.Status = .ok) async throws
        -> Response
    {
        let language = console.language
        let superAdmin = try await operatorOf(console).role >= .superAdmin
        let roles = [PlatformRole.superAdmin, .support]
        func options(_ selected: PlatformRole?) -> [[String: Any]] {
            roles.map { role in
                [
                    "value": role.rawValue, "label": strings.text(language, "operators.role_\(role.rawValue)"),
                    "selected": role == selected,
                ]
            }
        }
        var values: [String: Any] = [
            "operators": try await useCases.platform.operators().map { entry -> [String: Any] in
                var row: [String: Any] = [
                    "id": entry.userID.description, "name": entry.name, "email": entry.email,
                    "role": strings.text(language, "operators.role_\(entry.role.rawValue)"),
                    "since": ConsoleFormat.date(entry.since, language), "roles": options(entry.role),
                ]
                if superAdmin && entry.userID != console.caller.userID { row["canChange"] = true }
                return row
            },
            "newRoles": options(.support),
        ]
        if superAdmin { values["superAdmin"] = true }
        return page(console, "admin-operators", title: "operators.title", values: values, error: error, status: status)
    }
}
