public import Foundation
import Synchronization
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
/// The cache holds at most ``capacity`` users; when full it drops expired entries, then
/// arbitrary ones.
public final class UserDirectoryCache: Sendable {
    /// A user with every tenant they belong to.
    public struct Entry: Sendable {
        /// The user.
        public var user: User
        /// The user's tenants with their role in each, oldest membership first.
        public var memberships: [IdentityService.TenantMembership]

        /// The user's membership in `tenantID`, if any.
        public func membership(in tenantID: TenantID) -> IdentityService.TenantMembership? {
            memberships.first { $0.tenant.id == tenantID }
        }

        /// Creates a value.
        public init(user: User, memberships: [IdentityService.TenantMembership]) {
            self.user = user
            self.memberships = memberships
        }
    }

    private struct Cached {
        let entry: Entry
        let cachedUntil: Date
    }

    private struct State {
        var entries: [UserID: Cached] = [:]
        /// Moves on every invalidation; a read that began under another generation is not stored.
        var generation: UInt64 = 0

        mutating func invalidate(where matches: (Entry) -> Bool) {
            generation &+= 1
            entries = entries.filter { !matches($0.value.entry) }
        }

        mutating func invalidate(_ userID: UserID) {
            generation &+= 1
            entries[userID] = nil
        }

        mutating func makeRoom(capacity: Int, now: Date) {
            entries = entries.filter { $0.value.cachedUntil > now }
            let excess = entries.count - capacity * 3 / 4
            guard excess > 0 else { return }
            for key in Array(entries.keys.prefix(excess)) { entries[key] = nil }
        }
    }

    private let load: @Sendable (UserID) async throws -> Entry?
    private let state = Mutex(State())
    /// The most users kept.
    public let capacity: Int
    /// How long an entry is trusted without asking the database.
    public let lifetime: TimeInterval

    /// Creates a cache that reads missing entries from `database`.
    public convenience init(database: any DataStore, capacity: Int = 50_000, lifetime: TimeInterval = 30) {
        self.init(capacity: capacity, lifetime: lifetime) { userID in
            try await database.readGlobal { scope -> Entry? in
                guard let user = try await scope.users.find(id: userID) else { return nil }
                let memberships = try await scope.userTenants.memberships(of: userID).map {
                    IdentityService.TenantMembership(tenant: $0.tenant, role: $0.role)
                }
                return Entry(user: user, memberships: memberships)
            }
        }
    }

    /// Creates a cache around a loader (tests use it to control when a read completes).
    public init(capacity: Int, lifetime: TimeInterval, load: @escaping @Sendable (UserID) async throws -> Entry?) {
        self.capacity = max(1, capacity)
        self.lifetime = lifetime
        self.load = load
    }

    /// The user's entry: from memory when cached and fresh, otherwise read (and remembered).
    /// `nil` when there is no such user (which is not remembered).
    public func entry(for userID: UserID, now: Date = Date()) async throws -> Entry? {
        let (cached, generation) = state.withLock { ($0.entries[userID], $0.generation) }
        if let cached, cached.cachedUntil > now { return cached.entry }
        guard let loaded = try await load(userID) else { return nil }
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries[userID] == nil, state.entries.count >= capacity { state.makeRoom(capacity: capacity, now: now) }
            state.entries[userID] = Cached(entry: loaded, cachedUntil: now.addingTimeInterval(lifetime))
        }
        return loaded
    }

    /// Forgets a user's entry. Call it after a transaction that changed the user's row or one
    /// of their memberships has committed.
    public func invalidate(user userID: UserID) {
        state.withLock { $0.invalidate(userID) }
    }

    /// Forgets the entry of every member of a tenant. Call it after a transaction that changed
    /// the tenant's name, slug or status has committed.
    public func invalidate(tenant tenantID: TenantID) {
        state.withLock { $0.invalidate { $0.membership(in: tenantID) != nil } }
    }

    /// Forgets everything (after the notice listener reconnects and may have missed notices).
    public func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
        }
    }

    /// Applies a notice from another node (or this one) announced through PostgreSQL.
    public func apply(_ notice: UserDirectoryNotice) {
        switch notice {
        case .user(let id): invalidate(user: id)
        case .tenant(let id): invalidate(tenant: id)
        }
    }

    /// How many users are cached now.
    public var count: Int { state.withLock { $0.entries.count } }
}
