public import Foundation
import Synchronization
public import TenantryCore

/// Answers "what may this member do here?" and "whose key is this?" on every tenant request
/// without a database read each time. Entries are trusted for a short while, and any change to
/// a tenant's members, roles or keys clears that tenant's entries at once on this node and, on
/// PostgreSQL, on every node (the writing transaction sends a notice on ``NoticeChannel/accessChanged`` that each
/// node's listener receives at commit).
public final class AccessDirectory: Sendable {
    /// A member's standing in a tenant.
    public struct MemberGrant: Sendable, Equatable {
        public var membership: Membership
        public var role: ResolvedRole
        public var tenantStatus: Tenant.Status
    }

    /// A key found by its secret, with when that secret stops working.
    public struct KeyGrant: Sendable, Equatable {
        public var key: APIKey
        public var secretExpiresAt: Date?
    }

    private struct MemberKey: Hashable, Sendable {
        let tenantID: TenantID
        let userID: UserID
    }

    /// What a secret hash led to: the owning tenant (if the secret is known) and its key.
    private struct KeyEntry: Sendable {
        let tenantID: TenantID?
        let grant: KeyGrant?
    }

    private let database: any DataStore
    /// Members' grants, tagged with their tenant.
    private let members: ExpiringCache<MemberKey, MemberGrant?, TenantID>
    /// Keys by secret hash, tagged with their tenant (unknown secrets have no tag and expire).
    private let keys: ExpiringCache<String, KeyEntry, TenantID>
    private let uses = Mutex<[TenantID: [APIKeyID: Date]]>([:])
    /// How long an entry is trusted without asking the database; the safety net if a notice is
    /// ever lost.
    public var cacheLifetime: TimeInterval { members.lifetime }

    /// Creates a directory.
    public init(database: any DataStore, cacheLifetime: TimeInterval = 30) {
        self.database = database
        self.members = ExpiringCache(capacity: 100_000, lifetime: cacheLifetime)
        self.keys = ExpiringCache(capacity: 100_000, lifetime: cacheLifetime)
    }

    /// The member's grant in a tenant, or `nil` when the user is not a member.
    public func member(_ userID: UserID, in tenantID: TenantID, now: Date = Date()) async throws -> MemberGrant? {
        try await members.value(for: MemberKey(tenantID: tenantID, userID: userID), now: now, tags: { _ in [tenantID] }) {
            try await database.withTenant(tenantID) { scope -> MemberGrant? in
                guard let found = try await scope.memberships.access(userID: userID) else { return nil }
                return MemberGrant(membership: found.membership, role: found.role, tenantStatus: found.tenant)
            }
        }
    }

    /// The key a secret belongs to, or `nil` for an unknown secret.
    public func key(secret: String, now: Date = Date()) async throws -> KeyGrant? {
        let hash = SecretToken.digest(secret)
        return try await keys.value(for: hash, now: now, tags: { $0.tenantID.map { [$0] } ?? [] }) {
            guard let owner = try await database.readGlobal({ scope in try await scope.credentials.owner(ofSecretHash: hash) })
            else { return KeyEntry(tenantID: nil, grant: nil) }
            let grant = try await database.withTenant(owner.tenantID) { scope in
                try await scope.apiKeys.find(secretHash: hash).map { KeyGrant(key: $0.key, secretExpiresAt: $0.secretExpiresAt) }
            }
            return KeyEntry(tenantID: owner.tenantID, grant: grant)
        }.grant
    }

    /// Forgets a tenant's entries (after a change on this node, or a notice from another).
    public func invalidate(tenant tenantID: TenantID) {
        members.invalidate(tag: tenantID)
        keys.invalidate(tag: tenantID)
    }

    /// Forgets everything (after the listener reconnects and may have missed notices).
    public func clear() {
        members.invalidateAll()
        keys.invalidateAll()
    }

    /// The counts of the member and key caches together, for metrics.
    public var statistics: CacheStatistics { members.statistics + keys.statistics }

    /// Notes that a key was used; written to the database in batches by ``flushUses()``.
    public func recordUse(of keyID: APIKeyID, in tenantID: TenantID, at time: Date = Date()) {
        uses.withLock { $0[tenantID, default: [:]][keyID] = time }
    }

    /// Writes the recorded key uses (one transaction per tenant) and forgets them. Uses that
    /// cannot be written are kept for the next flush.
    public func flushUses() async throws {
        let pending = uses.withLock { uses in
            defer { uses.removeAll() }
            return uses
        }
        var failure: (any Error)?
        for (tenantID, keys) in pending {
            do {
                try await database.withTenant(tenantID) { scope in
                    try await scope.apiKeys.recordUse(keys.map { ($0.key, $0.value) })
                }
            } catch {
                failure = error
                uses.withLock { uses in
                    for (id, time) in keys where (uses[tenantID]?[id] ?? .distantPast) < time {
                        uses[tenantID, default: [:]][id] = time
                    }
                }
            }
        }
        if let failure { throw failure }
    }
}
