public import Foundation
public import TenantryCore

/// The user directory: each user's profile and tenant memberships (with each tenant's name,
/// slug, status and the user's role), kept in memory by user id so that `GET /me` and token
/// refresh normally need no database round trip.
///
/// The cache stays coherent with the database, across server replicas too:
///
/// - Every write path that changes a user's row, one of their memberships, or a tenant calls
///   ``invalidate(user:)`` (or ``invalidate(tenant:)``) on this node **after its transaction
///   commits**.
/// - On PostgreSQL the repositories that write `users`, `memberships` and `tenants` also send a
///   ``UserDirectoryNotice`` inside the writing transaction; every node's `identity` service
///   listens for them and invalidates the same way, and clears everything
///   (``invalidateAll()``) when its listener reconnects, since notices may have been missed.
/// - A read that was in flight while an invalidation happened is answered but not stored, so a
///   row read just before a commit cannot be cached after that commit's invalidation.
/// - Entries are trusted for ``lifetime`` at most: the safety net for a lost notice.
///
/// It serves reads only: a write path reads the rows it changes from the database, never from
/// this cache.
///
/// The cache holds at most ``capacity`` users; when full it drops expired entries, then the
/// entries stored longest ago (the rule of ``ExpiringCache``).
public final class UserDirectoryCache: Sendable {
    /// A user with every tenant they belong to.
    public struct Entry: Sendable {
        /// The user.
        public var user: User
        /// The user's tenants with their role in each, oldest membership first.
        public var memberships: [TenantMembership]

        /// The user's membership in `tenantID`, if any.
        public func membership(in tenantID: TenantID) -> TenantMembership? {
            memberships.first { $0.tenant.id == tenantID }
        }

        /// Creates a value.
        public init(user: User, memberships: [TenantMembership]) {
            self.user = user
            self.memberships = memberships
        }
    }

    private let load: @Sendable (UserID) async throws -> Entry?
    /// Users by id, tagged with the tenants they belong to.
    private let cache: ExpiringCache<UserID, Entry, TenantID>
    /// The most users kept.
    public var capacity: Int { cache.capacity }
    /// How long an entry is trusted without asking the database.
    public var lifetime: TimeInterval { cache.lifetime }

    /// Creates a cache that reads missing entries from `database`.
    public convenience init(database: any DataStore, capacity: Int = 50_000, lifetime: TimeInterval = 30) {
        self.init(capacity: capacity, lifetime: lifetime) { userID in
            try await database.readGlobal { scope -> Entry? in
                guard let user = try await scope.users.find(id: userID) else { return nil }
                let memberships = try await scope.userTenants.memberships(of: userID).map {
                    TenantMembership(tenant: $0.tenant, role: $0.role)
                }
                return Entry(user: user, memberships: memberships)
            }
        }
    }

    /// Creates a cache around a loader (tests use it to control when a read completes).
    public init(capacity: Int, lifetime: TimeInterval, load: @escaping @Sendable (UserID) async throws -> Entry?) {
        self.cache = ExpiringCache(capacity: capacity, lifetime: lifetime)
        self.load = load
    }

    /// The user's entry: from memory when cached and fresh, otherwise read (and remembered).
    /// `nil` when there is no such user (which is not remembered).
    public func entry(for userID: UserID, now: Date = Date()) async throws -> Entry? {
        switch cache.lookup(userID, now: now) {
        case .hit(let entry):
            return entry
        case .miss(let ticket):
            guard let loaded = try await load(userID) else { return nil }
            cache.store(loaded, for: userID, tags: loaded.memberships.map(\.tenant.id), ticket: ticket, now: now)
            return loaded
        }
    }

    /// Forgets a user's entry. Call it after a transaction that changed the user's row or one
    /// of their memberships has committed.
    public func invalidate(user userID: UserID) {
        cache.invalidate(userID)
    }

    /// Forgets the entry of every member of a tenant. Call it after a transaction that changed
    /// the tenant's name, slug or status has committed.
    public func invalidate(tenant tenantID: TenantID) {
        cache.invalidate(tag: tenantID)
    }

    /// Forgets everything (after the notice listener reconnects and may have missed notices).
    public func invalidateAll() {
        cache.invalidateAll()
    }

    /// Applies a notice from another node (or this one) announced through PostgreSQL.
    public func apply(_ notice: UserDirectoryNotice) {
        switch notice {
        case .user(let id): invalidate(user: id)
        case .tenant(let id): invalidate(tenant: id)
        }
    }

    /// How many users are cached now.
    public var count: Int { cache.count }

    /// The cache's counts, for metrics.
    public var statistics: CacheStatistics { cache.statistics }
}
