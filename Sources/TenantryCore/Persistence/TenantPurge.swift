public import Foundation

/// Removes a tenant pending deletion: every row of every table with a `tenant_id` column
/// (found in the database's catalogue, so tables added later are covered without a change
/// here), its idempotency records, every other reference to the tenant (set to NULL), and the
/// tenant row itself. It holds the tenant's lock, so a restore cannot interleave.
/// Reached from the platform scope only.
///
/// On PostgreSQL the work is done by `tenantry_purge_tenant`, a function that runs as the owner
/// role because `audit_events` is append-only for the server's role (decision 0006), and that
/// refuses a tenant not pending deletion. On SQLite the same steps run here.
public protocol TenantPurge: Sendable {
    /// Purges the tenant; returns how many tenant-scoped rows were removed. `not_found` when it
    /// does not exist, `conflict` when it is not pending deletion.
    @discardableResult
    func run(_ tenantID: TenantID) async throws -> Int
    /// The tables that hold tenant rows, by name.
    func tenantScopedTables() async throws -> [String]
}

/// Tenants as operators search them: with their plan, lifecycle and member count.
public protocol PlatformTenantDirectory: Sendable {
    /// Tenants matching `filter`, in `filter.sort` order, one page at a time.
    func search(_ filter: TenantSearchFilter, page: PageRequest) async throws -> Page<TenantDirectoryEntry>
    /// One tenant's whole profile with its member count.
    func profile(id: TenantID) async throws -> (profile: TenantProfile, memberCount: Int)?
}

/// What to search for; `nil` fields do not filter.
public struct TenantSearchFilter: Sendable {
    public var status: Tenant.Status?
    public var plan: String?
    public var createdFrom: Date?
    public var createdTo: Date?
    /// Part of the name or slug, ignoring case.
    public var text: String?
    /// The order of the results.
    public var sort: TenantSort

    public init(
        status: Tenant.Status? = nil, plan: String? = nil, createdFrom: Date? = nil, createdTo: Date? = nil,
        text: String? = nil, sort: TenantSort = .oldest
    ) {
        self.status = status
        self.plan = plan
        self.createdFrom = createdFrom
        self.createdTo = createdTo
        self.text = text
        self.sort = sort
    }
}

/// The order of a tenant search; the raw values are the API's `sort` parameter.
public enum TenantSort: String, Sendable, CaseIterable {
    /// Oldest first, by creation (ids are time-ordered): the default.
    case oldest = "created"
    /// Newest first.
    case newest = "-created"
    /// By name, ignoring case, then by id.
    case name
}

/// A tenant in a search result: what a list shows, without the overrides, branding and
/// settings a list has no use for (they are JSON, and decoding them was most of a list's cost).
public struct TenantDirectoryEntry: Sendable {
    public var tenant: Tenant
    public var planID: String
    public var statusReason: String?
    /// When a tenant pending deletion is purged.
    public var purgeAfter: Date?
    public var memberCount: Int

    /// Creates a value.
    public init(tenant: Tenant, planID: String, statusReason: String?, purgeAfter: Date?, memberCount: Int) {
        self.tenant = tenant
        self.planID = planID
        self.statusReason = statusReason
        self.purgeAfter = purgeAfter
        self.memberCount = memberCount
    }

    /// The entry of a whole profile.
    public init(profile: TenantProfile, memberCount: Int) {
        self.init(
            tenant: profile.tenant, planID: profile.planID, statusReason: profile.statusReason,
            purgeAfter: profile.purgeAfter, memberCount: memberCount)
    }
}
