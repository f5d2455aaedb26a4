public import Foundation
public import TenantryCore

/// Each tenant's status, plan, effective entitlements (plan + overrides) and branding, kept in
/// memory so that every tenant request can check its module and lifecycle, and the rate
/// limiter and usage metering can read allowances, without a database read.
///
/// Coherence is that of ``AccessDirectory``: every write to a tenant's status, plan, overrides
/// or branding, and every plan edit, sends a notice on ``TenantScope/accessChangedChannel`` in
/// its transaction (payload: the tenant id, or `*` for a plan edit); each node's listener drops
/// the tenant's entry (or all entries) when it arrives at commit, and the writing node drops it
/// itself right after commit. A read that overlapped an invalidation is answered but not
/// stored. Entries are trusted for ``lifetime`` at most: the safety net for a lost notice.
public final class EntitlementDirectory: Sendable {
    /// What is known about a tenant.
    public struct TenantState: Sendable, Equatable {
        public var status: Tenant.Status
        public var planID: String
        public var entitlements: Entitlements
        public var branding: Branding
        /// The tenant's default language for its people (`nil`: none chosen).
        public var defaultLanguage: Language? = nil
    }

    private let database: any DataStore
    private let cache: ExpiringCache<TenantID, TenantState?, Never>
    /// How long an entry is trusted without a notice.
    public var lifetime: TimeInterval { cache.lifetime }

    /// Creates a directory reading missing entries from `database`.
    public init(database: any DataStore, lifetime: TimeInterval = 30) {
        self.database = database
        self.cache = ExpiringCache(capacity: 100_000, lifetime: lifetime)
    }

    /// The tenant's state, or `nil` when no such tenant exists (any more).
    public func state(of tenantID: TenantID, now: Date = Date()) async throws -> TenantState? {
        try await cache.value(for: tenantID, now: now) {
            try await database.readGlobal { scope in try await Self.load(tenantID, from: scope) }
        }
    }

    /// Reads a tenant's state from the database (in the caller's transaction): its row, then
    /// its plan. `nil` when the tenant does not exist.
    public static func load(_ tenantID: TenantID, from scope: any GlobalTransaction) async throws -> TenantState? {
        guard let profile = try await scope.tenants.profile(id: tenantID) else { return nil }
        guard let plan = try await scope.plans.find(id: profile.planID) else {
            throw TenantryError(.internalError, "A tenant's plan does not exist.")
        }
        return TenantState(
            status: profile.tenant.status, planID: plan.id,
            entitlements: Entitlements(plan: plan, overrides: profile.overrides), branding: profile.branding,
            defaultLanguage: profile.settings.defaultLanguage)
    }

    /// The tenant's effective entitlements (plan + overrides): what the rate limiter, usage
    /// metering and audit retention read. Served from memory after the first call; `not_found`
    /// when the tenant does not exist.
    public func entitlements(for tenantID: TenantID, now: Date = Date()) async throws -> Entitlements {
        guard let state = try await state(of: tenantID, now: now) else { throw TenantryError(.notFound, "No such tenant.") }
        return state.entitlements
    }

    /// The cached entitlements without waiting: `nil` when the tenant is not cached (or its
    /// entry expired); call ``entitlements(for:now:)`` then.
    public func cachedEntitlements(for tenantID: TenantID, now: Date = Date()) -> Entitlements? {
        cache.peek(tenantID, now: now) { $0?.entitlements }
    }

    /// Forgets one tenant (after a change on this node, or a notice from another).
    public func invalidate(tenant tenantID: TenantID) {
        cache.invalidate(tenantID)
    }

    /// Forgets everything (a plan changed, or the listener reconnected).
    public func clear() {
        cache.invalidateAll()
    }

    /// The cache's counts, for metrics.
    public var statistics: CacheStatistics { cache.statistics }
}
