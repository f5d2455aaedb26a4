import Foundation
public import TenantryCore

/// The operator use cases: tenants (search, read, create, suspend, reactivate, change plan,
/// set overrides, restore, purge) and plans (list, read, create, edit). Each change runs in one
/// transaction with its platform audit event; a change to a tenant (but its purge) also records
/// the tenant's domain event, which drops every node's cached state of the tenant.
public struct PlatformService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// The default plan and the deletion grace period.
    public let tenancy: TenancySettings
    /// Adds the first owner of a tenant an operator creates.
    public let members: MemberService

    /// Creates the use case from its dependencies.
    public init(database: any DataStore, tenancy: TenancySettings, members: MemberService) {
        self.database = database
        self.tenancy = tenancy
        self.members = members
    }

    /// A tenant as operators see it.
    public struct TenantDetail: Sendable {
        /// The whole profile: plan, overrides, branding and settings.
        public var profile: TenantProfile
        /// How many members it has, of any status.
        public var memberCount: Int
        public var entitlements: Entitlements
        public var usage: MonthUsage

        /// The tenant as its list shows it.
        public var entry: TenantDirectoryEntry { TenantDirectoryEntry(profile: profile, memberCount: memberCount) }
    }

    /// A tenant's usage in the current calendar month (UTC), today included.
    public struct MonthUsage: Sendable {
        public var from: UsageDay
        public var to: UsageDay
        public var usage: TenantUsage
    }

    /// A page of tenants, each with its usage this month.
    public struct TenantList: Sendable {
        public var page: Page<TenantDirectoryEntry>
        public var usage: [TenantID: MonthUsage]
    }

    /// A page of tenants and their usage this month: two statements in one transaction, the
    /// usage of the whole page read in one grouped query.
    public func tenants(_ filter: TenantSearchFilter, page: PageRequest) async throws -> TenantList {
        try await database.withPlatform { scope in
            let found = try await scope.tenantDirectory.search(filter, page: page)
            let usage = try await Self.monthUsage(of: found.items.map(\.tenant.id), in: scope)
            return TenantList(page: found, usage: usage)
        }
    }

    /// The usage of `tenants` from the first of this month (UTC) to today; every tenant gets an
    /// entry (zeros when it had none).
    public static func monthUsage(of tenants: [TenantID], in scope: any PlatformTransaction) async throws -> [TenantID:
        MonthUsage]
    {
        let today = UsageDay(Date())
        let month = today.firstOfMonth
        let read = try await scope.usageAcrossTenants.byTenant(tenants, from: month, to: today)
        return Dictionary(
            tenants.map { id in (id, MonthUsage(from: month, to: today, usage: read[id] ?? .init())) },
            uniquingKeysWith: { first, _ in first })
    }

    public func tenant(_ id: TenantID) async throws -> TenantDetail {
        try await database.withPlatform { scope in try await Self.detail(id, in: scope) }
    }

    /// Creates a tenant with its first owner (an existing account, or a new one emailed a link
    /// to choose a password).
    public func createTenant(
        by actor: PlatformOperator, name: String, slug: Slug, plan: String?, ownerEmail: EmailAddress, ownerName: String?,
        origin: AuditEvent.Origin
    ) async throws -> TenantDetail {
        let now = Date()
        let planID = plan ?? tenancy.defaultPlan
        let tenant = Tenant(id: .generate(), slug: slug, name: name, status: .active, createdAt: now, updatedAt: now)
        _ = try await database.withTenant(tenant.id) { scope -> UserID in
            guard try await scope.global.plans.find(id: planID) != nil else { throw Self.unknownPlan("plan") }
            try await scope.tenants.create(tenant, plan: planID)
            let user = try await members.account(
                email: ownerEmail, name: ownerName, in: scope, now: now, nameField: "owner_name")
            try await scope.memberships.create(userID: user.id, role: .owner, customRoleID: nil, status: .active, at: now)
            let changes: [String: AuditEvent.Change] = [
                "slug": .init(before: nil, after: slug.rawValue), "name": .init(before: nil, after: name),
                "plan": .init(before: nil, after: planID), "owner": .init(before: nil, after: user.id.description),
            ]
            try await scope.global.platformAuditEvents.append(
                AuditRecorder.event(
                    by: actor, action: EventType.tenantCreated.rawValue, target: Self.target(tenant.id), origin: origin,
                    changes: changes))
            try await scope.record(
                AuditRecorder.event(
                    in: tenant.id, action: .tenantCreated, actor: actor.actor, target: Self.target(tenant.id), origin: origin,
                    changes: changes))
            return user.id
        }
        return try await self.tenant(tenant.id)
    }

    /// Applies one change to a tenant's profile under the tenant's lock (so concurrent changes,
    /// an owner's included, never undo one another) and records it as `action` twice in the same
    /// transaction: in the platform audit trail, and as the tenant's own domain event (which
    /// drops every node's cached state of the tenant). A change that changes nothing records
    /// nothing. The change runs in the tenant's scope: it touches that tenant alone.
    public func changeTenant(
        by actor: PlatformOperator, _ id: TenantID, action: EventType, origin: AuditEvent.Origin,
        _ change: @Sendable (inout TenantProfile, any TenantTransaction) async throws -> [String: AuditEvent.Change]
    ) async throws -> TenantDetail {
        try await database.withTenant(id) { scope in
            try await scope.lockTenant()
            guard var profile = try await scope.tenants.profile(id: id) else { throw Self.noSuchTenant }
            let changes = try await change(&profile, scope)
            guard !changes.isEmpty else { return }
            profile.tenant.updatedAt = Date()
            try await scope.tenants.save(profile)
            try await scope.global.platformAuditEvents.append(
                AuditRecorder.event(
                    by: actor, action: action.rawValue, target: Self.target(id), origin: origin, changes: changes))
            try await scope.record(
                AuditRecorder.event(
                    in: id, action: action, actor: actor.actor, target: Self.target(id), origin: origin, changes: changes))
        }
        return try await tenant(id)
    }

    /// Purges a tenant now, whatever its grace period: it is marked pending deletion and purged
    /// in one transaction. It records no tenant event: the purge removes the tenant's outbox and
    /// audit log with the rest of its rows, so `tenant.purged` stays in the platform audit trail.
    public func purge(by actor: PlatformOperator, _ id: TenantID, origin: AuditEvent.Origin) async throws {
        try await database.withPlatform { scope in
            try await scope.tenants.lock(id: id)
            guard var profile = try await scope.tenants.profile(id: id) else { throw Self.noSuchTenant }
            var changes: [String: AuditEvent.Change] = [:]
            if profile.tenant.status != .pendingDeletion {
                changes = try profile.requestDeletion(purgeAfter: Date())
                try await scope.tenants.save(profile)
            }
            let rows = try await scope.purge.run(id)
            changes["status"] = .init(before: changes["status"]?.before ?? profile.tenant.status.rawValue, after: "purged")
            changes["rows_removed"] = .init(before: nil, after: String(rows))
            changes["slug"] = .init(before: profile.tenant.slug.rawValue, after: nil)
            try await scope.global.platformAuditEvents.append(
                AuditRecorder.event(by: actor, action: "tenant.purged", target: Self.target(id), origin: origin, changes: changes)
            )
        }
    }

    // MARK: Plans

    public func plans() async throws -> [Plan] {
        try await database.readGlobal { scope in try await scope.plans.all() }
    }

    public func plan(_ id: String) async throws -> Plan {
        guard let plan = try await database.readGlobal({ scope in try await scope.plans.find(id: id) }) else {
            throw Self.noSuchPlan
        }
        return plan
    }

    public func createPlan(by actor: PlatformOperator, _ plan: Plan, origin: AuditEvent.Origin) async throws -> Plan {
        try await database.withGlobal { scope in
            try await scope.plans.create(plan)
            try await scope.platformAuditEvents.append(
                AuditRecorder.event(
                    by: actor, action: "plan.created", target: .init(type: "plan", id: plan.id), origin: origin,
                    changes: Self.changes(from: nil, to: plan)))
        }
        return plan
    }

    /// Edits a plan; tenants on it get the new entitlements at once (a downgrade deletes
    /// nothing: creations are refused until a tenant is back under its allowance).
    public func updatePlan(
        by actor: PlatformOperator, _ id: String, origin: AuditEvent.Origin, _ edit: @Sendable (inout Plan) throws -> Void
    )
        async throws -> Plan
    {
        let plan = try await database.withGlobal { scope -> Plan in
            guard let before = try await scope.plans.find(id: id) else { throw Self.noSuchPlan }
            var plan = before
            try edit(&plan)
            let changes = Self.changes(from: before, to: plan)
            guard !changes.isEmpty else { return before }
            plan.updatedAt = Date()
            try await scope.plans.update(plan)
            try await scope.platformAuditEvents.append(
                AuditRecorder.event(
                    by: actor, action: "plan.updated", target: .init(type: "plan", id: id), origin: origin, changes: changes))
            return plan
        }
        return plan
    }

    /// The changed fields between two versions of a plan, as text.
    public static func changes(from before: Plan?, to after: Plan) -> [String: AuditEvent.Change] {
        func text(_ plan: Plan?) -> [String: String?] {
            guard let plan else { return [:] }
            return [
                "name": plan.name, "description": plan.description,
                "limits": plan.limits.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " "),
                "features": plan.features.sorted().joined(separator: " "),
                "modules": plan.modules.sorted().map(\.rawValue).joined(separator: " "),
                "stripe_price_id": plan.stripePriceID,
            ]
        }
        let old = text(before)
        var changes: [String: AuditEvent.Change] = [:]
        for (field, value) in text(after) where old[field] ?? nil != value {
            changes[field] = .init(before: old[field] ?? nil, after: value)
        }
        return changes
    }

    // MARK: Operators

    /// The platform role `userID` holds now, if any; read on every operator request, so a
    /// change of role works at once on every node.
    public func role(of userID: UserID) async throws -> PlatformRole? {
        try await database.readGlobal { scope in try await scope.operators.role(of: userID) }
    }

    /// Every operator, longest-serving first.
    public func operators() async throws -> [PlatformOperatorEntry] {
        try await database.readGlobal { scope in try await scope.operators.list() }
    }

    /// The account with `email`, to make an operator of.
    public func user(email: EmailAddress) async throws -> User {
        guard let user = try await database.readGlobal({ scope in try await scope.users.find(email: email) }) else {
            throw TenantryError(.notFound, "No account has this address.")
        }
        return user
    }

    /// Gives a user a platform role, or takes it away (`nil`; never from the operator acting,
    /// `409`); works at once on every node,
    /// since platform routes read the role on every request.
    public func setRole(by actor: PlatformOperator?, of userID: UserID, to role: PlatformRole?, origin: AuditEvent.Origin)
        async throws
    {
        if role == nil, let actor, actor.userID == userID {
            throw TenantryError(.conflict, "Operators cannot take their own platform role away.")
        }
        try await database.withGlobal { scope in
            guard try await scope.users.find(id: userID) != nil else { throw TenantryError(.notFound, "No such user.") }
            let before: PlatformRole?
            if let role {
                before = try await scope.operators.grant(role, to: userID, at: Date())
            } else {
                before = try await scope.operators.role(of: userID)
                try await scope.operators.revoke(userID)
            }
            guard before != role else { return }
            try await scope.platformAuditEvents.append(
                AuditRecorder.platformEvent(
                    actor: actor?.actor ?? .system, action: "operator.role_changed",
                    target: .init(type: "user", id: userID.description), origin: origin,
                    changes: ["platform_role": .init(before: before?.rawValue, after: role?.rawValue)]))
        }
    }

    public static func detail(_ id: TenantID, in scope: any PlatformTransaction) async throws -> TenantDetail {
        guard let (profile, memberCount) = try await scope.tenantDirectory.profile(id: id) else { throw noSuchTenant }
        guard let plan = try await scope.global.plans.find(id: profile.planID) else {
            throw TenantryError(.internalError, "A tenant's plan does not exist.")
        }
        let usage = try await monthUsage(of: [id], in: scope)[id]
        guard let usage else { throw TenantryError(.internalError, "A tenant's usage was not read.") }
        return TenantDetail(
            profile: profile, memberCount: memberCount, entitlements: Entitlements(plan: plan, overrides: profile.overrides),
            usage: usage)
    }

    /// Moves a tenant's profile to another plan (the one rule of every plan change: an
    /// operator's and billing's): the plan must exist; returns the change, none when the tenant
    /// is on it already. The caller saves the profile and records `tenant.plan_changed`.
    public static func movePlan(_ profile: inout TenantProfile, to plan: String, in scope: any TenantTransaction) async throws
        -> [String: AuditEvent.Change]
    {
        guard try await scope.global.plans.find(id: plan) != nil else { throw unknownPlan("plan") }
        guard profile.planID != plan else { return [:] }
        defer { profile.planID = plan }
        return ["plan": .init(before: profile.planID, after: plan)]
    }

    public static func target(_ id: TenantID) -> AuditEvent.Target { .init(type: "tenant", id: id.description) }

    public static var noSuchTenant: TenantryError { TenantryError(.notFound, "No such tenant.") }
    public static var noSuchPlan: TenantryError { TenantryError(.notFound, "No such plan.") }
    public static func unknownPlan(_ field: String) -> TenantryError {
        Validator.fail(field, "unknown_plan", "No plan has this id.")
    }
}
