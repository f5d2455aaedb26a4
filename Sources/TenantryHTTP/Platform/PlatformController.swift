import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/platform/*`: the operator API. Reads need `support`, changes `super_admin`; every
/// change is recorded in the platform audit trail.
struct PlatformController: Sendable {
    let service: PlatformService
    let erasure: ErasureService

    func register(on routes: PlatformRoutes) {
        registerTenants(on: routes)
        registerPlans(on: routes)
        routes.on(.get, "/operators", .support) { request, context, _ in
            try OperatorList(items: try await service.operators().map(OperatorBody.init)).response(
                from: request, context: context)
        }
        routes.on(.put, "/operators/{user_id}", .superAdmin) { request, context, actor in
            let body = try await request.decodeJSON(as: OperatorRoleRequest.self, context: context.base)
            guard let role = PlatformRole(rawValue: body.role) else {
                throw Validator.fail("role", "invalid_value", "Use super_admin or support.")
            }
            try await service.setRole(by: actor, of: try Self.userID(context), to: role, origin: context.base.origin(of: request))
            return Response(status: .noContent)
        }
        routes.on(.delete, "/users/{user_id}", .superAdmin) { request, context, actor in
            _ = try await erasure.erase(by: actor, try Self.userID(context), origin: context.base.origin(of: request))
            return Response(status: .noContent)
        }
        routes.on(.delete, "/operators/{user_id}", .superAdmin) { request, context, actor in
            try await service.setRole(
                by: actor, of: try Self.userID(context), to: nil, origin: context.base.origin(of: request))
            return Response(status: .noContent)
        }
    }

    private func registerTenants(on routes: PlatformRoutes) {
        routes.on(.get, "/tenants", .support) { request, context, _ in
            let filter = try Self.filter(request)
            let list = try await service.tenants(filter, page: try request.pageRequest())
            return try PlatformTenantPage(
                items: list.page.items.map { PlatformTenantBody($0, usage: list.usage[$0.tenant.id]) },
                nextCursor: list.page.nextCursor
            ).response(from: request, context: context)
        }
        routes.on(.post, "/tenants", .superAdmin) { request, context, actor in
            let body = try await request.decodeJSON(as: CreateTenantRequest.self, context: context.base)
            var validator = Validator()
            let name = try validator.capture { try Tenant.validatedName(body.name) }
            let slug = try validator.capture { () throws(TenantryError) -> Slug in
                if let slug = body.slug { return try Slug(slug) }
                return Slug.derivedOrGenerated(from: body.name)
            }
            let plan = try body.plan.flatMap { plan in try validator.capture { try Plan.validatedID(plan, field: "plan") } }
            let email = try validator.capture { try EmailAddress(body.ownerEmail, field: "owner_email") }
            let ownerName = try body.ownerName.flatMap { name in
                try validator.capture { try Tenant.validatedName(name, field: "owner_name") }
            }
            try validator.check()
            guard let name, let slug, let email else { throw TenantryError(.internalError, "Validation passed without values.") }
            let detail = try await service.createTenant(
                by: actor, name: name, slug: slug, plan: plan, ownerEmail: email, ownerName: ownerName,
                origin: context.base.origin(of: request))
            var response = try PlatformTenantDetailBody(detail).response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.get, "/tenants/{id}", .support) { request, context, _ in
            try PlatformTenantDetailBody(try await service.tenant(try Self.tenantID(context))).response(
                from: request, context: context)
        }
        tenantChange(routes, "/suspend", action: .tenantSuspended) { request, context in
            let reason = try await request.decodeJSON(as: SuspendRequest.self, context: context.base).reason
            return { profile, _ in try profile.suspend(reason: reason) }
        }
        tenantChange(routes, "/reactivate", action: .tenantReactivated) { _, _ in
            { profile, _ in try profile.reactivate() }
        }
        tenantChange(routes, "/restore", action: .tenantRestored) { _, _ in
            { profile, _ in try profile.restore() }
        }
        tenantChange(routes, "/plan", method: .put, action: .tenantPlanChanged) { request, context in
            let plan = try Plan.validatedID(
                try await request.decodeJSON(as: PlanChangeRequest.self, context: context.base).plan, field: "plan")
            return { profile, scope in try await PlatformService.movePlan(&profile, to: plan, in: scope) }
        }
        tenantChange(routes, "/overrides", method: .put, action: .tenantOverridesChanged) { request, context in
            let body = try await request.decodeJSON(as: OverridesBody.self, context: context.base)
            return { profile, scope in try await body.apply(to: &profile, in: scope) }
        }
        routes.on(.post, "/tenants/{id}/purge", .superAdmin) { request, context, actor in
            let id = try Self.tenantID(context)
            let body = try await request.decodeJSON(as: ConfirmationRequest.self, context: context.base)
            let detail = try await service.tenant(id)
            guard body.confirm == detail.profile.tenant.slug.rawValue else {
                throw Validator.fail("confirm", "mismatch", "Type the tenant's slug to confirm.")
            }
            try await service.purge(by: actor, id, origin: context.base.origin(of: request))
            return Response(status: .noContent)
        }
    }

    /// Registers `POST|PUT /tenants/{id}<suffix>`: `prepare` reads the request and returns the
    /// change, which ``PlatformService/changeTenant(by:_:action:origin:_:)`` applies and records.
    private func tenantChange(
        _ routes: PlatformRoutes, _ suffix: String, method: HTTPRequest.Method = .post, action: EventType,
        prepare:
            @escaping @Sendable (Request, AuthenticatedRequestContext) async throws ->
            @Sendable (
                inout TenantProfile, any TenantTransaction
            ) async throws -> [String: AuditEvent.Change]
    ) {
        routes.on(method, "/tenants/{id}\(suffix)", .superAdmin) { request, context, actor in
            let id = try Self.tenantID(context)
            let change = try await prepare(request, context)
            let detail = try await service.changeTenant(
                by: actor, id, action: action, origin: context.base.origin(of: request), change)
            return try PlatformTenantDetailBody(detail).response(from: request, context: context)
        }
    }

    private func registerPlans(on routes: PlatformRoutes) {
        routes.on(.get, "/plans", .support) { request, context, _ in
            try PlanList(items: try await service.plans().map(PlanBody.init)).response(from: request, context: context)
        }
        routes.on(.get, "/plans/{id}", .support) { request, context, _ in
            try PlanBody(try await service.plan(try Self.planID(context))).response(from: request, context: context)
        }
        routes.on(.post, "/plans", .superAdmin) { request, context, actor in
            let body = try await request.decodeJSON(as: PlanRequest.self, context: context.base)
            let plan = try await service.createPlan(by: actor, try body.validated(), origin: context.base.origin(of: request))
            var response = try PlanBody(plan).response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.patch, "/plans/{id}", .superAdmin) { request, context, actor in
            let body = try await request.decodeJSON(as: PlanUpdateRequest.self, context: context.base)
            let plan = try await service.updatePlan(
                by: actor, try Self.planID(context), origin: context.base.origin(of: request), try body.validated())
            return try PlanBody(plan).response(from: request, context: context)
        }
    }

    static func validatedModules(_ names: [String], into validator: inout Validator) -> Set<ModuleID> {
        let ids = names.map(ModuleID.init(rawValue:))
        ModuleRegistry.validate(
            Dictionary(ids.map { ($0, true) }, uniquingKeysWith: { a, _ in a }), base: [], field: "modules", into: &validator)
        return Set(ids)
    }

    static func filter(_ request: Request) throws -> TenantSearchFilter {
        let query = request.uri.queryParameters
        var validator = Validator()
        let filter = try tenantFilter(into: &validator) { query[Substring($0)].map(String.init) }
        try validator.check()
        return filter
    }

    /// The tenant search's query parameters (`status`, `plan`, `created_from`, `created_to`,
    /// `q`, `sort`), read alike by the API and the operators' console; a bad one is a field
    /// error in `validator`.
    static func tenantFilter(into validator: inout Validator, _ parameter: (String) -> String?) throws
        -> TenantSearchFilter
    {
        var filter = TenantSearchFilter()
        if let status = parameter("status") {
            filter.status = Tenant.Status(rawValue: status)
            if filter.status == nil { validator.add("status", "invalid_value", "Use active, suspended or pending_deletion.") }
        }
        if let plan = parameter("plan") {
            filter.plan = try validator.capture { try Plan.validatedID(plan, field: "plan") }
        }
        for (name, keyPath) in [("created_from", \TenantSearchFilter.createdFrom), ("created_to", \.createdTo)] {
            guard let text = parameter(name) else { continue }
            if let date = RFC3339.parse(text) {
                filter[keyPath: keyPath] = date
            } else {
                validator.add(name, "invalid_format", "Use an ISO 8601 timestamp, e.g. 2026-01-31T00:00:00Z.")
            }
        }
        if let text = parameter("q"), !text.isEmpty {
            filter.text = validator.filterText(text, field: "q", maximum: 200)
        }
        if let sort = parameter("sort") {
            if let order = TenantSort(rawValue: sort) {
                filter.sort = order
            } else {
                validator.add("sort", "invalid_value", "Use created, -created or name.")
            }
        }
        return filter
    }

    static func tenantID(_ context: AuthenticatedRequestContext) throws -> TenantID {
        guard let id = context.parameters.get("id").flatMap(TenantID.init) else { throw PlatformService.noSuchTenant }
        return id
    }

    static func userID(_ context: AuthenticatedRequestContext) throws -> UserID {
        guard let id = context.parameters.get("user_id").flatMap(UserID.init) else {
            throw TenantryError(.notFound, "No such user.")
        }
        return id
    }

    static func planID(_ context: AuthenticatedRequestContext) throws -> String {
        guard let id = context.parameters.get("id"), (try? Plan.validatedID(id)) != nil else { throw PlatformService.noSuchPlan }
        return id
    }
}

/// JSON helpers of the platform and tenant APIs.
enum PlatformJSON {
    /// Map keys as sent: the request decoder turns `api_keys` into `apiKeys`, also in maps.
    static func rekeyed<Value>(_ map: [String: Value]) -> [String: Value] {
        Dictionary(map.map { (Request.snakeCase($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// Compact JSON text of a value, for audit records.
    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self)
    }
}

struct OperatorRoleRequest: Decodable {
    let role: String
}

struct CreateTenantRequest: Decodable {
    let name: String
    @NotNull var slug: String?
    @NotNull var plan: String?
    let ownerEmail: String
    @NotNull var ownerName: String?
}

struct SuspendRequest: Decodable {
    let reason: String
}

/// An operator in the operators' list.
struct OperatorBody: ResponseEncodable {
    let userId: String
    let email: String
    let name: String
    let role: String
    let createdAt: Date

    init(_ entry: PlatformOperatorEntry) {
        userId = entry.userID.description
        email = entry.email
        name = entry.name
        role = entry.role.rawValue
        createdAt = entry.since
    }
}

struct OperatorList: ResponseEncodable {
    let items: [OperatorBody]
}

struct PlanChangeRequest: Decodable {
    let plan: String
}

struct ConfirmationRequest: Decodable {
    /// The tenant's slug, typed again.
    let confirm: String
}

struct PlanRequest: Decodable {
    let id: String
    let name: String
    @NotNull var description: String?
    @NotNull var limits: [String: Int?]?
    @NotNull var features: [String]?
    @NotNull var modules: [String]?
    /// The Stripe price (or legacy plan) subscribing buys.
    @NotNull var stripePriceId: String?

    /// The new plan, every field checked (the API's and the console's one check).
    func validated(now: Date = Date()) throws -> Plan {
        var validator = Validator()
        let id = try validator.capture { try Plan.validatedID(self.id) }
        let name = try validator.capture { try Tenant.validatedName(self.name) }
        let description = try validator.capture { try Plan.validatedDescription(self.description) } ?? nil
        let limits = Plan.validatedLimits(PlatformJSON.rekeyed(self.limits ?? [:]), field: "limits", into: &validator)
        let features = Plan.validatedFeatures(self.features ?? [], field: "features", into: &validator)
        let modules = PlatformController.validatedModules(self.modules ?? [ModuleID.core.rawValue], into: &validator)
        let price = try stripePriceId.flatMap { text in try validator.capture { try Plan.validatedStripePriceID(text) } }
        try validator.check()
        guard let id, let name else { throw TenantryError(.internalError, "Validation passed without values.") }
        return Plan(
            id: id, name: name, description: description, limits: limits.compactMapValues { $0 }, features: features,
            modules: modules, stripePriceID: price, createdAt: now, updatedAt: now)
    }
}

struct PlanUpdateRequest: Decodable {
    let name: String?
    let description: String??
    let limits: [String: Int?]?
    let features: [String]?
    let modules: [String]?
    /// `null` unlinks the plan from Stripe.
    let stripePriceId: String??

    enum CodingKeys: String, CodingKey { case name, description, limits, features, modules, stripePriceId }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfGiven(String.self, forKey: .name)
        description = try container.decodeUpdate(String.self, forKey: .description)
        limits = try container.decodeIfGiven([String: Int?].self, forKey: .limits)
        features = try container.decodeIfGiven([String].self, forKey: .features)
        modules = try container.decodeIfGiven([String].self, forKey: .modules)
        stripePriceId = try container.decodeUpdate(String.self, forKey: .stripePriceId)
    }

    /// The edit the request makes, every field checked first (the API's and the console's one
    /// check). Limits given replace the plan's (absent or null: unlimited).
    func validated() throws -> @Sendable (inout Plan) throws -> Void {
        var validator = Validator()
        let name = try self.name.flatMap { name in try validator.capture { try Tenant.validatedName(name) } }
        var description: String??
        if let given = self.description {
            description = .some(try validator.capture { try Plan.validatedDescription(given) } ?? nil)
        }
        let limits = self.limits.map { Plan.validatedLimits(PlatformJSON.rekeyed($0), field: "limits", into: &validator) }
        let features = self.features.map { Plan.validatedFeatures($0, field: "features", into: &validator) }
        let modules = self.modules.map { PlatformController.validatedModules($0, into: &validator) }
        var price: String??
        if let given = stripePriceId {
            price = .some(try given.flatMap { text in try validator.capture { try Plan.validatedStripePriceID(text) } })
        }
        try validator.check()
        let newDescription = description
        let newPrice = price
        return { plan in
            if let name { plan.name = name }
            if let newDescription { plan.description = newDescription }
            if let limits { plan.limits = limits.compactMapValues { $0 } }
            if let features { plan.features = features }
            if let modules { plan.modules = modules }
            if let newPrice { plan.stripePriceID = newPrice }
        }
    }
}

/// Overrides as the API reads and shows them: `limits` (`null` = unlimited), `features` and
/// `modules` switched on (`true`) or off (`false`). Anything not listed follows the plan.
struct OverridesBody: Codable, Sendable {
    var limits: [String: Int?]
    var features: [String: Bool]
    var modules: [String: Bool]

    init(_ overrides: EntitlementOverrides) {
        limits = Dictionary(uniqueKeysWithValues: overrides.limits.map { ($0.key.rawValue, $0.value) })
        features = overrides.features
        modules = Dictionary(uniqueKeysWithValues: overrides.modules.map { ($0.key.rawValue, $0.value) })
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        limits = try container.decodeIfGiven([String: Int?].self, forKey: .limits) ?? [:]
        features = try container.decodeIfGiven([String: Bool].self, forKey: .features) ?? [:]
        modules = try container.decodeIfGiven([String: Bool].self, forKey: .modules) ?? [:]
    }

    /// Puts these overrides on a tenant, checked against its plan; returns the audit change
    /// (none when they are the tenant's already).
    func apply(to profile: inout TenantProfile, in scope: any TenantTransaction) async throws -> [String: AuditEvent.Change] {
        guard let plan = try await scope.global.plans.find(id: profile.planID) else { throw PlatformService.noSuchPlan }
        let overrides = try validated(base: plan)
        guard overrides != profile.overrides else { return [:] }
        defer { profile.overrides = overrides }
        return [
            "overrides": .init(
                before: try PlatformJSON.text(OverridesBody(profile.overrides)),
                after: try PlatformJSON.text(OverridesBody(overrides)))
        ]
    }

    /// The overrides, validated against the registry and the tenant's plan.
    func validated(base plan: Plan) throws(TenantryError) -> EntitlementOverrides {
        var validator = Validator()
        let limits = Plan.validatedLimits(PlatformJSON.rekeyed(self.limits), field: "limits", into: &validator)
        let features = PlatformJSON.rekeyed(self.features)
        for name in features.keys.sorted() where !ModuleRegistry.featureNames.contains(name) {
            validator.add("features.\(name)", "unknown_feature", "\(String(name.prefix(100))) is not a known feature.")
        }
        var modules = Dictionary(
            uniqueKeysWithValues: PlatformJSON.rekeyed(self.modules).map { (ModuleID(rawValue: $0.key), $0.value) })
        // An always-on module has no switch to override, on or off.
        for id in modules.keys.sorted() {
            guard let module = ModuleRegistry.module(id), module.alwaysOn else { continue }
            validator.add("modules.\(id)", "always_on", "\(module.name) is always on; it cannot be overridden.")
            modules[id] = nil
        }
        ModuleRegistry.validate(modules, base: plan.modules, field: "modules", into: &validator)
        try validator.check()
        return EntitlementOverrides(limits: limits, features: features, modules: modules)
    }
}

/// Entitlements as the API shows them: every limit (`null` = unlimited), the features and
/// modules that are on.
struct EntitlementsBody: Encodable, Sendable {
    let limits: [String: Int?]
    let features: [String]
    let modules: [String]

    init(_ entitlements: Entitlements) {
        limits = Dictionary(uniqueKeysWithValues: Limit.allCases.map { ($0.rawValue, entitlements.allowance($0)) })
        features = entitlements.features.sorted()
        modules = entitlements.modules.sorted().map(\.rawValue)
    }
}

/// A tenant in the operators' list.
struct PlatformTenantBody: ResponseEncodable {
    let id: String
    let slug: String
    let name: String
    let status: String
    let statusReason: String?
    let plan: String
    let memberCount: Int
    /// The tenant's usage this calendar month (UTC).
    let usage: PlatformTenantUsageBody?
    let purgeAfter: Date?
    let createdAt: Date
    let updatedAt: Date

    init(_ entry: TenantDirectoryEntry, usage: PlatformService.MonthUsage?) {
        let tenant = entry.tenant
        id = tenant.id.description
        slug = tenant.slug.rawValue
        name = tenant.name
        status = tenant.status.rawValue
        statusReason = entry.statusReason
        plan = entry.planID
        memberCount = entry.memberCount
        self.usage = usage.map(PlatformTenantUsageBody.init)
        purgeAfter = entry.purgeAfter
        createdAt = tenant.createdAt
        updatedAt = tenant.updatedAt
    }
}

/// A tenant's usage from the first of the month (UTC) to today: the counters and the distinct
/// active users (MAU so far this month).
struct PlatformTenantUsageBody: Encodable, Sendable {
    let from: String
    let to: String
    let apiRequests: Int
    let signIns: Int
    let emailsSent: Int
    let activeUsers: Int

    init(_ month: PlatformService.MonthUsage) {
        from = month.from.description
        to = month.to.description
        apiRequests = month.usage.counts.apiRequests
        signIns = month.usage.counts.signIns
        emailsSent = month.usage.counts.emailsSent
        activeUsers = month.usage.activeUsers
    }
}

struct PlatformTenantPage: ResponseEncodable {
    let items: [PlatformTenantBody]
    let nextCursor: String?
}

/// One tenant with its overrides, effective entitlements, branding and settings.
struct PlatformTenantDetailBody: ResponseEncodable {
    let tenant: PlatformTenantBody
    let overrides: OverridesBody
    let entitlements: EntitlementsBody
    let branding: Branding
    let settings: TenantSettings

    init(_ detail: PlatformService.TenantDetail) {
        tenant = PlatformTenantBody(detail.entry, usage: detail.usage)
        overrides = OverridesBody(detail.profile.overrides)
        entitlements = EntitlementsBody(detail.entitlements)
        branding = detail.profile.branding
        settings = detail.profile.settings
    }
}

struct PlanBody: ResponseEncodable {
    let id: String
    let name: String
    let description: String?
    let limits: [String: Int?]
    let features: [String]
    let modules: [String]
    let stripePriceId: String?
    let createdAt: Date
    let updatedAt: Date

    init(_ plan: Plan) {
        stripePriceId = plan.stripePriceID
        id = plan.id
        name = plan.name
        description = plan.description
        limits = Dictionary(uniqueKeysWithValues: Limit.allCases.map { ($0.rawValue, plan.limits[$0]) })
        features = plan.features.sorted()
        modules = plan.modules.sorted().map(\.rawValue)
        createdAt = plan.createdAt
        updatedAt = plan.updatedAt
    }
}

struct PlanList: ResponseEncodable {
    let items: [PlanBody]
}
