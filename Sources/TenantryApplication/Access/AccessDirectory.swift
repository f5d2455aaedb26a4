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

    private struct MemberEntry {
        let grant: MemberGrant?
        let cachedUntil: Date
    }

    private struct KeyEntry {
        let tenantID: TenantID?
        let grant: KeyGrant?
        let cachedUntil: Date
    }

    private let database: any DataStore
    private let members = Mutex<[TenantID: [UserID: MemberEntry]]>([:])
    private let keys = Mutex<[String: KeyEntry]>([:])
    private let uses = Mutex<[TenantID: [APIKeyID: Date]]>([:])
    /// How long an entry is trusted without asking the database; the safety net if a notice is
    /// ever lost.
    public let cacheLifetime: TimeInterval
    private let limit = 100_000

    /// Creates a directory.
    public init(database: any DataStore, cacheLifetime: TimeInterval = 30) {
        self.database = database
        self.cacheLifetime = cacheLifetime
    }

    /// The member's grant in a tenant, or `nil` when the user is not a member.
    public func member(_ userID: UserID, in tenantID: TenantID, now: Date = Date()) async throws -> MemberGrant? {
        if let entry = members.withLock({ $0[tenantID]?[userID] }), entry.cachedUntil > now {
            return entry.grant
        }
        let grant = try await database.withTenant(tenantID) { scope -> MemberGrant? in
            guard let found = try await scope.memberships.access(userID: userID) else { return nil }
            return MemberGrant(membership: found.membership, role: found.role, tenantStatus: found.tenant)
        }
        let entry = MemberEntry(grant: grant, cachedUntil: now.addingTimeInterval(cacheLifetime))
        members.withLock { members in
            if members.count > limit { members.removeAll(keepingCapacity: true) }
            members[tenantID, default: [:]][userID] = entry
        }
        return grant
    }

    /// The key a secret belongs to, or `nil` for an unknown secret.
    public func key(secret: String, now: Date = Date()) async throws -> KeyGrant? {
        let hash = SecretToken.digest(secret)
        if let entry = keys.withLock({ $0[hash] }), entry.cachedUntil > now {
            return entry.grant
        }
        let owner = try await database.readGlobal { scope in try await scope.credentials.owner(ofSecretHash: hash) }
        var grant: KeyGrant?
        if let owner {
            grant = try await database.withTenant(owner.tenantID) { scope in
                try await scope.apiKeys.find(secretHash: hash).map { KeyGrant(key: $0.key, secretExpiresAt: $0.secretExpiresAt) }
            }
        }
        let entry = KeyEntry(tenantID: owner?.tenantID, grant: grant, cachedUntil: now.addingTimeInterval(cacheLifetime))
        keys.withLock { keys in
            if keys.count > limit { keys.removeAll(keepingCapacity: true) }
            keys[hash] = entry
        }
        return grant
    }

    /// Forgets a tenant's entries (after a change on this node, or a notice from another).
    public func invalidate(tenant tenantID: TenantID) {
        members.withLock { _ = $0.removeValue(forKey: tenantID) }
        keys.withLock { keys in
            keys = keys.filter { $0.value.tenantID != tenantID }
        }
    }

    /// Forgets everything (after the listener reconnects and may have missed notices).
    public func clear() {
        members.withLock { $0.removeAll() }
        keys.withLock { $0.removeAll() }
    }

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
