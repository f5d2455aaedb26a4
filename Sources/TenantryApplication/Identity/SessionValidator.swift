public import Foundation
public import TenantryCore

/// Answers "is this session still valid?" on every authenticated request without a database
/// read each time: states are cached briefly, and a revocation clears the entry at once on
/// this node and, on PostgreSQL, on every node (each node listens for revocation notices, which
/// the database sends when the revoking transaction commits).
public final class SessionValidator: Sendable {
    /// What is known about a session.
    private enum Standing: Sendable {
        /// Active, for this user.
        case active(UserID)
        /// Revoked, expired, or its user disabled.
        case ended
    }

    private let database: any DataStore
    private let cache: ExpiringCache<SessionID, Standing, Never>
    /// How long a "still active" answer is trusted without asking the database; the safety
    /// net if a revocation notice is ever lost.
    public var cacheLifetime: TimeInterval { cache.lifetime }

    /// Creates a validator.
    public init(database: any DataStore, cacheLifetime: TimeInterval = 30) {
        self.database = database
        self.cache = ExpiringCache(capacity: 200_000, lifetime: cacheLifetime)
    }

    /// Throws `invalid_token` unless the session exists, belongs to `userID` and is active.
    public func validate(sessionID: SessionID, userID: UserID, now: Date = Date()) async throws {
        let standing: Standing
        switch cache.lookup(sessionID, now: now) {
        case .hit(let cached):
            standing = cached
        case .miss(let ticket):
            let found = try await database.readGlobal { scope -> (Session, User.Status)? in
                guard let session = try await scope.sessions.find(id: sessionID),
                    let user = try await scope.users.find(id: session.userID)
                else { return nil }
                return (session, user.status)
            }
            guard let (session, status) = found else { throw Self.rejected }
            standing = session.isActive(at: now) && status == .active ? .active(session.userID) : .ended
            // Never trusted past either of the session's expiries.
            let sessionEnds = min(session.expiresAt, session.idleExpiresAt)
            cache.store(standing, for: sessionID, expiresAt: sessionEnds, ticket: ticket, now: now)
        }
        guard case .active(let owner) = standing, owner == userID else { throw Self.rejected }
    }

    /// Marks sessions revoked (called on this node after revoking, and for the revocation
    /// notices from other nodes); a read of them in flight is not stored over it.
    public func revoked(_ sessionIDs: [SessionID]) {
        for id in sessionIDs { cache.set(.ended, for: id, until: .distantFuture) }
    }

    /// Forgets everything (after the revocation listener reconnects and may have missed notices).
    public func clear() {
        cache.invalidateAll()
    }

    /// The cache's counts, for metrics.
    public var statistics: CacheStatistics { cache.statistics }

    private static var rejected: TenantryError {
        TenantryError(
            .invalidToken, "The access token is invalid or expired.", cause: InvalidTokenReason(reason: "session ended"))
    }
}
