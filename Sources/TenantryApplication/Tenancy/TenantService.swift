import Foundation
public import TenantryCore

/// The tenant's own lifecycle: read, change (name, branding, settings), delete (pending
/// deletion with a grace period and a queued purge) and restore. Each change runs in one tenant
/// transaction that holds the tenant's lock, with its audit event; this node's cached state of
/// the tenant is dropped after the commit (other nodes hear of it through the notices).
public struct TenantService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Each tenant's effective entitlements.
    public let entitlements: EntitlementDirectory
    /// The default plan and the deletion grace period.
    public let tenancy: TenancySettings

    /// Creates the use case from its dependencies.
    public init(database: any DataStore, entitlements: EntitlementDirectory, tenancy: TenancySettings) {
        self.database = database
        self.entitlements = entitlements
        self.tenancy = tenancy
    }

    /// A tenant with its plan's effective entitlements.
    public struct Detail: Sendable {
        public var profile: TenantProfile
        public var entitlements: Entitlements
    }

    /// The changes a `PATCH /tenant` asks for; `nil` fields stay as they are.
    public struct Update: Sendable {
        public var name: String?
        public var logoURL: String??
        public var primaryColor: String??
        public var accentColor: String??
        public var allowedEmailDomains: [String]?
        public var sessionLifetimeSeconds: Int??
        public var sessionIdleTimeoutSeconds: Int??
        public var mfaPolicy: MFAPolicy?
        /// The tenant's default language; `.some(nil)` clears it.
        public var defaultLanguage: Language??

        /// Creates a value.
        public init(
            name: String? = nil, logoURL: String?? = nil, primaryColor: String?? = nil, accentColor: String?? = nil,
            allowedEmailDomains: [String]? = nil, sessionLifetimeSeconds: Int?? = nil, sessionIdleTimeoutSeconds: Int?? = nil,
            mfaPolicy: MFAPolicy? = nil
        ) {
            self.mfaPolicy = mfaPolicy
            self.name = name
            self.logoURL = logoURL
            self.primaryColor = primaryColor
            self.accentColor = accentColor
            self.allowedEmailDomains = allowedEmailDomains
            self.sessionLifetimeSeconds = sessionLifetimeSeconds
            self.sessionIdleTimeoutSeconds = sessionIdleTimeoutSeconds
        }
    }

    public func get(_ access: TenantAccess) async throws -> Detail {
        let profile = try await database.withTenant(access.tenantID) { scope in
            guard let profile = try await scope.tenants.profile(id: access.tenantID) else { throw Self.noSuchTenant }
            return profile
        }
        return Detail(profile: profile, entitlements: try await entitlements.entitlements(for: access.tenantID))
    }

    public func update(_ access: TenantAccess, _ update: Update, origin: AuditEvent.Origin) async throws -> Detail {
        try await change(access, action: .tenantUpdated, origin: origin) { profile in
            var changes: [String: AuditEvent.Change] = [:]
            func apply<Value: Equatable & CustomStringConvertible>(
                _ field: String, _ value: Value?, _ keyPath: WritableKeyPath<TenantProfile, Value?>
            ) {
                guard profile[keyPath: keyPath] != value else { return }
                changes[field] = .init(before: profile[keyPath: keyPath]?.description, after: value?.description)
                profile[keyPath: keyPath] = value
            }
            if let name = update.name, name != profile.tenant.name {
                changes["name"] = .init(before: profile.tenant.name, after: name)
                profile.tenant.name = name
            }
            if let value = update.logoURL { apply("branding.logo_url", value, \.branding.logoURL) }
            if let value = update.primaryColor { apply("branding.primary_color", value, \.branding.primaryColor) }
            if let value = update.accentColor { apply("branding.accent_color", value, \.branding.accentColor) }
            if let domains = update.allowedEmailDomains, domains != profile.settings.allowedEmailDomains {
                changes["settings.allowed_email_domains"] = .init(
                    before: profile.settings.allowedEmailDomains.joined(separator: " "), after: domains.joined(separator: " "))
                profile.settings.allowedEmailDomains = domains
            }
            if let value = update.sessionLifetimeSeconds {
                apply("settings.session_lifetime_seconds", value, \.settings.sessionLifetimeSeconds)
            }
            if let value = update.sessionIdleTimeoutSeconds {
                apply("settings.session_idle_timeout_seconds", value, \.settings.sessionIdleTimeoutSeconds)
            }
            if let value = update.defaultLanguage {
                apply("settings.default_language", value, \.settings.defaultLanguage)
            }
            if let value = update.mfaPolicy, value != profile.settings.mfaPolicy {
                changes["settings.mfa_policy"] = .init(before: profile.settings.mfaPolicy.rawValue, after: value.rawValue)
                profile.settings.mfaPolicy = value
            }
            return changes
        }
    }

    /// Marks the tenant pending deletion for the grace period and queues its purge; `confirm`
    /// must repeat the tenant's slug.
    public func delete(_ access: TenantAccess, confirm: String, origin: AuditEvent.Origin) async throws -> Detail {
        let purgeAfter = Date().addingTimeInterval(tenancy.deletionGracePeriod)
        return try await change(access, action: .tenantDeletionRequested, origin: origin) { profile, scope in
            guard confirm == profile.tenant.slug.rawValue else {
                throw Validator.fail("confirm", "mismatch", "Type the tenant's slug to confirm.")
            }
            let changes = try profile.requestDeletion(purgeAfter: purgeAfter)
            _ = try await scope.global.jobs.enqueue(
                queue: TenantPurgeOrder.queue, payload: try TenantPurgeOrder(tenantID: access.tenantID).payload(),
                maxAttempts: JobDefaults.maxAttempts, runAt: purgeAfter)
            return changes
        }
    }

    public func restore(_ access: TenantAccess, origin: AuditEvent.Origin) async throws -> Detail {
        try await change(access, action: .tenantRestored, origin: origin) { profile in try profile.restore() }
    }

    private func change(
        _ access: TenantAccess, action: EventType, origin: AuditEvent.Origin,
        _ body: @Sendable (inout TenantProfile) throws -> [String: AuditEvent.Change]
    ) async throws -> Detail {
        try await change(access, action: action, origin: origin) { profile, _ in try body(&profile) }
    }

    /// Applies `body` to the tenant's profile under the tenant's lock; saves and audits it when
    /// something changed.
    private func change(
        _ access: TenantAccess, action: EventType, origin: AuditEvent.Origin,
        _ body: @Sendable (inout TenantProfile, any TenantTransaction) async throws -> [String: AuditEvent.Change]
    ) async throws -> Detail {
        let profile = try await database.withTenant(access.tenantID) { scope -> TenantProfile in
            try await scope.lockTenant()
            guard var profile = try await scope.tenants.profile(id: access.tenantID) else { throw Self.noSuchTenant }
            let changes = try await body(&profile, scope)
            guard !changes.isEmpty else { return profile }
            profile.tenant.updatedAt = Date()
            try await scope.tenants.save(profile)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: action, target: .init(type: "tenant", id: access.tenantID.description), origin: origin,
                    changes: changes))
            return profile
        }
        return Detail(profile: profile, entitlements: try await entitlements.entitlements(for: access.tenantID))
    }

    public static var noSuchTenant: TenantryError { TenantryError(.notFound, "No such tenant.") }
}
