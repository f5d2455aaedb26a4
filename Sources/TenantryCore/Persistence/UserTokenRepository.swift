public import Foundation

/// Single-use tokens sent by email (verification, password reset); stored as SHA-256.
public protocol UserTokenRepository: Sendable {
    /// Stores a new token.
    func add(hash: String, userID: UserID, purpose: UserTokenPurpose, contextTenantID: TenantID?, now: Date, expiresAt: Date)
        async throws
    /// Marks an unused, unexpired token of `purpose` used and returns it; `nil` when there is no
    /// such token (unknown, used, expired or for another purpose). Single use is enforced by the
    /// conditional update, also under concurrent attempts.
    func consume(hash: String, purpose: UserTokenPurpose, now: Date) async throws -> UserTokenRecord?
    /// Invalidates a user's outstanding tokens of `purpose` (e.g. after a successful reset).
    func invalidateAll(userID: UserID, purpose: UserTokenPurpose, now: Date) async throws
}

/// What a token is for.
public enum UserTokenPurpose: String, Sendable {
    case verifyEmail = "verify_email"
    case resetPassword = "reset_password"
}

/// A stored token.
public struct UserTokenRecord: Sendable {
    public var userID: UserID
    public var purpose: UserTokenPurpose
    public var contextTenantID: TenantID?
    public var expiresAt: Date
    public var usedAt: Date?

    /// Creates a value.
    public init(userID: UserID, purpose: UserTokenPurpose, contextTenantID: TenantID?, expiresAt: Date, usedAt: Date?) {
        self.userID = userID
        self.purpose = purpose
        self.contextTenantID = contextTenantID
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}
