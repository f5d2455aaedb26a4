public import Foundation
import Synchronization

/// Counts that tell how well a cache serves, for metrics.
public struct CacheStatistics: Sendable, Equatable {
    /// Lookups answered from memory.
    public var hits: UInt64
    /// Lookups that found nothing fresh and had to load.
    public var misses: UInt64
    /// Entries dropped to keep the cache within its capacity (not counting expiry or invalidation).
    public var evictions: UInt64
    /// Entries held now, expired ones included until they are dropped.
    public var count: Int

    /// Creates a value.
    public init(hits: UInt64 = 0, misses: UInt64 = 0, evictions: UInt64 = 0, count: Int = 0) {
        self.hits = hits
        self.misses = misses
        self.evictions = evictions
        self.count = count
    }

    /// The counts of two caches added up.
    public static func + (lhs: Self, rhs: Self) -> Self {
        Self(
            hits: lhs.hits &+ rhs.hits, misses: lhs.misses &+ rhs.misses, evictions: lhs.evictions &+ rhs.evictions,
            count: lhs.count + rhs.count)
    }
}

/// The one in-memory cache of the runtime: values by key, each trusted for a lifetime, in a
/// bounded space, dropped at once by invalidations that committed changes cause (see
/// ``ChangeNotice``).
///
/// - **Lifetime.** An entry is served until its expiry (``lifetime`` after the lookup that
///   missed, or an earlier time given when storing); the lifetime is the safety net for a lost
///   notice.
/// - **Bound.** The cache holds at most ``capacity`` entries. Storing a new key into a full cache
///   first drops the expired entries; if more than three quarters of the capacity is still in
///   use, it keeps only the entries written by the most recent three quarters of the capacity's
///   worth of stores, the older ones being dropped (counted in ``CacheStatistics/evictions``).
///   So a full cache costs one pass over it per quarter of its capacity of new keys, never one
///   per miss.
/// - **Invalidation.** One key (``invalidate(_:)``), every key carrying a tag (``invalidate(tag:)``,
///   e.g. all entries of a tenant; a key's tags are given when it is stored), every key a
///   predicate picks (``invalidate(where:)``), or everything (``invalidateAll()``).
/// - **No stale refill.** Every invalidation, and every ``set(_:for:tags:until:)``, moves a
///   generation counter. A miss hands out a ``Ticket`` holding the generation it saw, and
///   ``store(_:for:tags:expiresAt:ticket:now:)`` stores only if no invalidation happened since:
///   a value read before a change committed is answered to its caller but never cached after the
///   change's invalidation. The counter is the cache's, not the key's: an invalidation anywhere
///   also drops the loads in flight for other keys (they are answered, and loaded again next
///   time), which keeps the check to one comparison.
///
/// A hit costs one lock, one dictionary lookup and no allocation. Loads run outside the lock, so
/// two concurrent misses of one key may both load; the later store wins.
///
/// `Tag` is what entries can be invalidated by as a group (`Never` when nothing is).
public final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable, Tag: Hashable & Sendable>: Sendable {
    /// Proof of the cache's generation at a miss; see ``store(_:for:tags:expiresAt:ticket:now:)``.
    public struct Ticket: Sendable {
        fileprivate let generation: UInt64
    }

    /// What a lookup found.
    public enum Lookup: Sendable {
        /// A fresh value.
        case hit(Value)
        /// Nothing fresh: load the value, then store it with this ticket.
        case miss(Ticket)
    }

    private struct Entry {
        var value: Value
        var expiresAt: Date
        var tags: [Tag]
        /// The store that wrote the entry, counted from the cache's creation; orders eviction.
        var sequence: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var keysByTag: [Tag: Set<Key>] = [:]
        var generation: UInt64 = 0
        var stores: UInt64 = 0
        var hits: UInt64 = 0
        var misses: UInt64 = 0
        var evictions: UInt64 = 0

        mutating func insert(_ value: Value, for key: Key, tags: [Tag], expiresAt: Date, capacity: Int, now: Date) {
            if let previous = entries[key] {
                unindex(key, tags: previous.tags)
            } else if entries.count >= capacity {
                makeRoom(capacity: capacity, now: now)
            }
            stores &+= 1
            entries[key] = Entry(value: value, expiresAt: expiresAt, tags: tags, sequence: stores)
            for tag in tags { keysByTag[tag, default: []].insert(key) }
        }

        mutating func remove(_ key: Key) {
            guard let entry = entries.removeValue(forKey: key) else { return }
            unindex(key, tags: entry.tags)
        }

        mutating func removeAll(where shouldRemove: (Key, Entry) -> Bool) -> Int {
            var doomed: [Key] = []
            for (key, entry) in entries where shouldRemove(key, entry) { doomed.append(key) }
            for key in doomed { remove(key) }
            return doomed.count
        }

        mutating func removeAll() {
            entries.removeAll(keepingCapacity: true)
            keysByTag.removeAll()
        }

        private mutating func unindex(_ key: Key, tags: [Tag]) {
            for tag in tags {
                keysByTag[tag]?.remove(key)
                if keysByTag[tag]?.isEmpty == true { keysByTag[tag] = nil }
            }
        }

        /// The eviction rule (see the type's documentation): expired entries first, then all but
        /// the entries of the most recent `keep` stores.
        private mutating func makeRoom(capacity: Int, now: Date) {
            let keep = min(capacity - 1, capacity * 3 / 4)
            _ = removeAll { _, entry in entry.expiresAt <= now }
            guard entries.count > keep else { return }
            // Every entry came from a store, so `stores >= entries.count > keep`.
            let newestDropped = stores - UInt64(keep)
            evictions &+= UInt64(removeAll { _, entry in entry.sequence <= newestDropped })
        }
    }

    private let state = Mutex(State())
    /// The most entries held.
    public let capacity: Int
    /// How long an entry is trusted unless it is stored with an earlier expiry.
    public let lifetime: TimeInterval

    /// Creates an empty cache.
    /// - Parameters:
    ///   - capacity: the most entries held (at least 1).
    ///   - lifetime: how long an entry is trusted, counted from the lookup that missed.
    public init(capacity: Int, lifetime: TimeInterval) {
        self.capacity = max(1, capacity)
        self.lifetime = lifetime
    }

    /// Looks a key up: its value if an entry is fresh at `now`, otherwise a ticket to store what
    /// the caller loads.
    public func lookup(_ key: Key, now: Date = Date()) -> Lookup {
        state.withLock { state in
            if let entry = state.entries[key], entry.expiresAt > now {
                state.hits &+= 1
                return .hit(entry.value)
            }
            state.misses &+= 1
            return .miss(Ticket(generation: state.generation))
        }
    }

    /// Stores a loaded value, unless an invalidation happened since the lookup that handed out
    /// `ticket`.
    /// - Parameters:
    ///   - tags: the groups the entry belongs to, for ``invalidate(tag:)``.
    ///   - expiresAt: an expiry earlier than ``lifetime`` after `now`, e.g. that of the thing
    ///     cached; the earlier of the two applies.
    ///   - now: the time the lookup was made at.
    /// - Returns: whether the value was stored.
    @discardableResult
    public func store(_ value: Value, for key: Key, tags: [Tag] = [], expiresAt: Date? = nil, ticket: Ticket, now: Date = Date())
        -> Bool
    {
        var until = now.addingTimeInterval(lifetime)
        if let expiresAt, expiresAt < until { until = expiresAt }
        return state.withLock { state in
            guard state.generation == ticket.generation else { return false }
            state.insert(value, for: key, tags: tags, expiresAt: until, capacity: capacity, now: now)
            return true
        }
    }

    /// The key's value: from memory when fresh, otherwise loaded by `load` and stored (unless an
    /// invalidation happened while it loaded). An error from `load` is passed on; nothing is
    /// stored then.
    /// - Parameters:
    ///   - now: the time of the lookup; the entry is trusted for ``lifetime`` from it.
    ///   - tags: the groups a loaded value belongs to, for ``invalidate(tag:)``; called only on
    ///     a miss.
    ///   - load: reads the value; called only on a miss.
    public func value(
        for key: Key,
        now: Date = Date(),
        tags: (Value) -> [Tag] = { _ in [] },
        load: () async throws -> Value
    ) async rethrows -> Value {
        switch lookup(key, now: now) {
        case .hit(let value):
            return value
        case .miss(let ticket):
            let value = try await load()
            store(value, for: key, tags: tags(value), ticket: ticket, now: now)
            return value
        }
    }

    /// Stores a value decided by a committed change rather than read before it (e.g. "this
    /// session is revoked"), trusted until `expiresAt`. It counts as an invalidation: no load in
    /// flight overwrites it.
    public func set(_ value: Value, for key: Key, tags: [Tag] = [], until expiresAt: Date, now: Date = Date()) {
        state.withLock { state in
            state.generation &+= 1
            state.insert(value, for: key, tags: tags, expiresAt: expiresAt, capacity: capacity, now: now)
        }
    }

    /// The fresh value of `key` as `transform` sees it, without counting a lookup or handing out
    /// a ticket; `nil` when there is none. For callers that only peek.
    public func peek<Result: Sendable>(_ key: Key, now: Date = Date(), _ transform: (Value) -> Result?) -> Result? {
        state.withLock { state in
            guard let entry = state.entries[key], entry.expiresAt > now else { return nil }
            return transform(entry.value)
        }
    }

    /// Forgets one key.
    public func invalidate(_ key: Key) {
        state.withLock { state in
            state.generation &+= 1
            state.remove(key)
        }
    }

    /// Forgets every key stored with `tag`.
    public func invalidate(tag: Tag) {
        state.withLock { state in
            state.generation &+= 1
            guard let keys = state.keysByTag.removeValue(forKey: tag) else { return }
            for key in keys { state.remove(key) }
        }
    }

    /// Forgets every key whose entry `matches`; visits every entry, so keep it for rare changes.
    public func invalidate(where matches: (Key, Value) -> Bool) {
        state.withLock { state in
            state.generation &+= 1
            _ = state.removeAll { key, entry in matches(key, entry.value) }
        }
    }

    /// Forgets everything (e.g. after notices may have been missed).
    public func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.removeAll()
        }
    }

    /// How many entries are held now, expired ones included until they are dropped.
    public var count: Int { state.withLock { $0.entries.count } }

    /// The counts since the cache was made.
    public var statistics: CacheStatistics {
        state.withLock { state in
            CacheStatistics(hits: state.hits, misses: state.misses, evictions: state.evictions, count: state.entries.count)
        }
    }
}
