public import Foundation
import Logging
import Synchronization
public import TenantryCore

/// Answers "is this session still valid?" on every authenticated request without a database
/// read each time: states are cached briefly, and a revocation clears the entry at once on
/// this node and, on PostgreSQL, on every node (each node listens for revocation notices, which
/// the database sends when the revoking transaction commits).
public final class SessionValidator: Sendable {
    private struct Entry: Sendable {
        let userID: UserID
        let active: Bool
        let cachedUntil: Date
    }

    private let database: any DataStore
    private let cache = Mutex<[SessionID: Entry]>([:])
    /// How long a "still active" answer is trusted without asking the database; the safety
    /// net if a revocation notice is ever lost.
    public let cacheLifetime: TimeInterval

    /// Creates a validator.
    public init(database: any DataStore, cacheLifetime: TimeInterval = 30) {
        self.database = database
        self.cacheLifetime = cacheLifetime
    }

    /// Throws `invalid_token` unless the session exists, belongs to `userID` and is active.
    public func validate(sessionID: SessionID, userID: UserID, now: Date = Date()) async throws {
        if let entry = cache.withLock({ $0[sessionID] }), entry.cachedUntil > now {
            guard entry.active, entry.userID == userID else { throw Self.rejected }
            return
        }
        let found = try await database.readGlobal { scope -> (Session, User.Status)? in
            guard let session = try await scope.sessions.find(id: sessionID),
                let user = try await scope.users.find(id: session.userID)
            else { return nil }
            return (session, user.status)
        }
        guard let (session, status) = found else { throw Self.rejected }
        let active = session.isActive(at: now) && status == .active
        let until = min(now.addingTimeInterval(cacheLifetime), min(session.expiresAt, session.idleExpiresAt))
        cache.withLock { cache in
            if cache.count > 200_000 { cache.removeAll(keepingCapacity: true) }
            cache[sessionID] = Entry(userID: session.userID, active: active, cachedUntil: until)
        }
        guard active, session.userID == userID else { throw Self.rejected }
    }

    /// Forgets cached states of revoked sessions (called on this node after revoking, and by the
    /// revocation listener for notices from other nodes).
    public func revoked(_ sessionIDs: [SessionID]) {
        cache.withLock { cache in
            for id in sessionIDs {
                cache[id] = Entry(userID: cache[id]?.userID ?? UserID(UUID()), active: false, cachedUntil: .distantFuture)
            }
        }
    }

    /// Forgets everything (after the revocation listener reconnects and may have missed notices).
    public func clear() {
        cache.withLock { $0.removeAll() }
    }

    private static var rejected: TenantryError {
        TenantryError(
            .invalidToken, "The access token is invalid or expired.", cause: InvalidTokenReason(reason: "session ended"))
    }
}
