public import Foundation

/// Identifies a session (one signed-in device).
public typealias SessionID = Identifier<Session>

/// One signed-in device of a user: created at sign-in, renewed by refresh-token rotation, ended
/// by sign-out, revocation, or its lifetimes running out.
public struct Session: Sendable, Equatable {
    /// The session's identifier (the `sid` claim of its access tokens).
    public var id: SessionID
    /// Whose session it is.
    public var userID: UserID
    /// The tenant its tokens are for; `nil` for a tenant-less session of a user who has not
    /// chosen one of several tenants yet.
    public var activeTenantID: TenantID?
    /// When it started.
    public var createdAt: Date
    /// When it was last used to refresh.
    public var lastSeenAt: Date
    /// When it ends regardless of use (absolute lifetime).
    public var expiresAt: Date
    /// When it ends unless used before (idle timeout).
    public var idleExpiresAt: Date
    /// When it was revoked, if it was.
    public var revokedAt: Date?
    /// Why it was revoked (`logout`, `logout_all`, `password_changed`, `password_reset`, `refresh_token_reused`, `revoked_by_user`, `user_disabled`).
    public var revokedReason: String?
    /// The client's IP address at sign-in.
    public var ip: String?
    /// The client's user agent at sign-in.
    public var userAgent: String?

    /// Creates a session value.
    public init(
        id: SessionID,
        userID: UserID,
        activeTenantID: TenantID?,
        createdAt: Date,
        lastSeenAt: Date,
        expiresAt: Date,
        idleExpiresAt: Date,
        revokedAt: Date?,
        revokedReason: String?,
        ip: String?,
        userAgent: String?
    ) {
        self.id = id
        self.userID = userID
        self.activeTenantID = activeTenantID
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
        self.idleExpiresAt = idleExpiresAt
        self.revokedAt = revokedAt
        self.revokedReason = revokedReason
        self.ip = ip
        self.userAgent = userAgent
    }

    /// True while the session may be used: not revoked, not past either lifetime.
    public func isActive(at now: Date) -> Bool {
        revokedAt == nil && now < expiresAt && now < idleExpiresAt
    }
}

/// Lifetimes of sessions and tokens.
public struct SessionPolicy: Sendable, Equatable {
    /// How long an access token is valid.
    public var accessTokenLifetime: TimeInterval
    /// How long a session lives at most.
    public var absoluteLifetime: TimeInterval
    /// How long a session lives without being refreshed.
    public var idleTimeout: TimeInterval
    /// How long a just-rotated refresh token may be presented once more (a retried request whose
    /// response was lost); 0 makes reuse detection strict.
    public var refreshGracePeriod: TimeInterval
    /// Clock skew tolerated when checking `exp` and `nbf`.
    public var clockSkew: TimeInterval

    /// Creates a policy; the defaults are 5 minutes, 30 days, 14 days, 30 seconds and 60 seconds.
    public init(
        accessTokenLifetime: TimeInterval = 300,
        absoluteLifetime: TimeInterval = 30 * 86_400,
        idleTimeout: TimeInterval = 14 * 86_400,
        refreshGracePeriod: TimeInterval = 30,
        clockSkew: TimeInterval = 60
    ) {
        self.accessTokenLifetime = accessTokenLifetime
        self.absoluteLifetime = absoluteLifetime
        self.idleTimeout = idleTimeout
        self.refreshGracePeriod = refreshGracePeriod
        self.clockSkew = clockSkew
    }
}

/// A stored refresh token: only its SHA-256 is kept.
public struct RefreshTokenRecord: Sendable, Equatable {
    /// SHA-256 of the token.
    public var tokenHash: String
    /// The session it renews.
    public var sessionID: SessionID
    /// When it was issued.
    public var issuedAt: Date
    /// When it was exchanged for a new one, if it was.
    public var rotatedAt: Date?
    /// The hash of the token that replaced it.
    public var replacedBy: String?
    /// Whether its one retry inside the grace period has been spent.
    public var graceUsed: Bool

    /// Creates a record.
    public init(tokenHash: String, sessionID: SessionID, issuedAt: Date, rotatedAt: Date?, replacedBy: String?, graceUsed: Bool) {
        self.tokenHash = tokenHash
        self.sessionID = sessionID
        self.issuedAt = issuedAt
        self.rotatedAt = rotatedAt
        self.replacedBy = replacedBy
        self.graceUsed = graceUsed
    }
}

/// The rule for presenting a refresh token, decided without a database so it can be tested on
/// its own.
public enum RefreshTokenRotation {
    /// What to do with a presented refresh token.
    public enum Decision: Sendable, Equatable {
        /// The live token: replace it with a new one.
        case rotate
        /// The token just rotated, presented again inside the grace period for the first time
        /// (a retried request): issue a new pair once, replacing the one issued before.
        case replayWithinGrace
        /// A rotated token presented after the grace period, a second time, or an older ancestor:
        /// someone holds a stolen copy. Revoke the whole session.
        case reuseDetected
        /// The session is revoked or expired: refuse.
        case sessionEnded
    }

    /// Decides for `record`, whose session is `session`; `successorIsLive` tells whether the
    /// token that replaced it has not been rotated itself.
    public static func decide(
        record: RefreshTokenRecord,
        session: Session,
        successorIsLive: Bool,
        now: Date,
        policy: SessionPolicy
    ) -> Decision {
        guard session.isActive(at: now) else { return .sessionEnded }
        guard let rotatedAt = record.rotatedAt else { return .rotate }
        if !record.graceUsed, successorIsLive, now.timeIntervalSince(rotatedAt) <= policy.refreshGracePeriod {
            return .replayWithinGrace
        }
        return .reuseDetected
    }
}
