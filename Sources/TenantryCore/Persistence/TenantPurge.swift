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
    /// Tenants matching `filter`, oldest first, one page at a time.
    func search(_ filter: TenantSearchFilter, page: PageRequest) async throws -> Page<TenantDirectoryEntry>
    /// One tenant with its member count.
    func entry(id: TenantID) async throws -> TenantDirectoryEntry?
}

/// What to search for; `nil` fields do not filter.
public struct TenantSearchFilter: Sendable {
    public var status: Tenant.Status?
    public var plan: String?
    public var createdFrom: Date?
    public var createdTo: Date?
    /// Part of the name or slug, ignoring case.
    public var text: String?

    public init(
        status: Tenant.Status? = nil, plan: String? = nil, createdFrom: Date? = nil, createdTo: Date? = nil,
        text: String? = nil
    ) {
        self.status = status
        self.plan = plan
        self.createdFrom = createdFrom
        self.createdTo = createdTo
        self.text = text
    }
}

/// A tenant in a search result.
public struct TenantDirectoryEntry: Sendable {
    public var profile: TenantProfile
    public var memberCount: Int

    /// Creates a value.
    public init(profile: TenantProfile, memberCount: Int) {
        self.profile = profile
        self.memberCount = memberCount
    }
}
