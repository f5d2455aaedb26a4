public import Foundation

/// Sessions and their refresh tokens (global tables: a session belongs to a user).
public protocol SessionRepository: Sendable {
    /// Stores a new session.
    func create(_ session: Session) async throws
    /// The session with this id, if any.
    func find(id: SessionID) async throws -> Session?
    /// A user's sessions that are still active at `now`, newest first.
    func active(userID: UserID, at now: Date) async throws -> [Session]
    /// Records use of a session and moves its idle deadline.
    func touch(id: SessionID, at now: Date, idleExpiresAt: Date) async throws
    /// Points a session at another tenant (switch tenant).
    func setActiveTenant(_ tenantID: TenantID?, of id: SessionID) async throws
    /// Revokes one session (if not already); returns whether it was active before.
    @discardableResult
    func revoke(id: SessionID, reason: String, at now: Date) async throws -> Bool
    /// Revokes every active session of a user, except `keeping`; returns the revoked ids.
    func revokeAll(userID: UserID, except keeping: SessionID?, reason: String, at now: Date) async throws -> [SessionID]
    /// Stores a new refresh token.
    func addRefreshToken(hash: String, sessionID: SessionID, at now: Date) async throws
    /// The refresh token with this hash, if any.
    func refreshToken(hash: String) async throws -> RefreshTokenRecord?
    /// A presented refresh token with its session and whether the token that replaced it (if
    /// any) is still live, read in one statement.
    func presentedRefreshToken(hash: String) async throws -> PresentedRefreshToken?
    /// Marks a live token rotated, replaced by `successor` — only if nobody rotated it first
    /// (compare-and-set). Returns whether this call won.
    func markRotated(hash: String, successor: String, at now: Date) async throws -> Bool
    /// Spends a rotated token's one grace retry, pointing it at the new successor and retiring the
    /// previous successor — only if the retry was not spent already and the previous successor
    /// is still live (compare-and-set). Returns whether this call won.
    func spendGrace(hash: String, previousSuccessor: String, newSuccessor: String, at now: Date) async throws -> Bool
}

/// A refresh token as presented for rotation: its row, its session, and whether its successor
/// is still live (what ``RefreshTokenRotation/decide(record:session:successorIsLive:now:policy:)``
/// needs).
public struct PresentedRefreshToken: Sendable {
    /// The token's row.
    public var record: RefreshTokenRecord
    /// The session it renews.
    public var session: Session
    /// Whether the token that replaced it exists and has not been rotated itself.
    public var successorIsLive: Bool

    /// Creates a value.
    public init(record: RefreshTokenRecord, session: Session, successorIsLive: Bool) {
        self.record = record
        self.session = session
        self.successorIsLive = successorIsLive
    }
}
