public import Foundation

/// Which members of a tenant must sign in with a second factor.
public enum MFAPolicy: String, Sendable, Codable, CaseIterable {
    /// Nobody is required to (members may still enrol).
    case optional
    /// Owners and admins.
    case admins
    /// Every member.
    case everyone

    /// Whether a member with `role` must have a second factor.
    public func requires(_ role: TenantRole) -> Bool {
        switch self {
        case .optional: false
        case .admins: role == .owner || role == .admin
        case .everyone: true
        }
    }
}

/// A user's second factor: a TOTP secret (RFC 6238) sealed with the master key, the one being
/// enrolled, and the last time step a code was accepted for (a code is usable once).
public struct UserMFA: Sendable, Equatable {
    /// The user.
    public var userID: UserID
    /// The confirmed TOTP secret, sealed; `nil` when TOTP is not enabled.
    public var sealedSecret: String?
    /// When TOTP was confirmed.
    public var enabledAt: Date?
    /// A secret handed out for enrolment and not yet confirmed, sealed.
    public var sealedPendingSecret: String?
    /// When the pending secret was handed out.
    public var pendingSince: Date?
    /// The last TOTP time step a code was accepted for; codes of that step or earlier are refused.
    public var lastUsedStep: Int64

    /// Whether sign-in needs the second factor.
    public var isEnabled: Bool { sealedSecret != nil }

    /// Creates a value.
    public init(
        userID: UserID, sealedSecret: String?, enabledAt: Date?, sealedPendingSecret: String?, pendingSince: Date?,
        lastUsedStep: Int64
    ) {
        self.userID = userID
        self.sealedSecret = sealedSecret
        self.enabledAt = enabledAt
        self.sealedPendingSecret = sealedPendingSecret
        self.pendingSince = pendingSince
        self.lastUsedStep = lastUsedStep
    }
}

/// What a sign-in's second step is for.
public enum MFAChallengePurpose: String, Sendable, Codable {
    /// Enter a TOTP or recovery code.
    case verify
    /// Enrol a second factor first (the tenant requires one), then get tokens.
    case enrol
}

/// The state between a sign-in's password step and its second step, found by the hash of the
/// token the password step returned.
public struct MFAChallenge: Sendable, Equatable {
    /// The person signing in.
    public var userID: UserID
    /// The tenant the tokens will be for (`nil`: the person chooses later).
    public var tenantID: TenantID?
    /// Which second step.
    public var purpose: MFAChallengePurpose
    /// When the token stops working.
    public var expiresAt: Date
    /// Wrong codes so far.
    public var failures: Int

    /// Creates a value.
    public init(userID: UserID, tenantID: TenantID?, purpose: MFAChallengePurpose, expiresAt: Date, failures: Int) {
        self.userID = userID
        self.tenantID = tenantID
        self.purpose = purpose
        self.expiresAt = expiresAt
        self.failures = failures
    }
}

/// Second factors, recovery codes (stored as SHA-256), sign-in challenges and the sessions'
/// last fresh authentication. Global tables: a person's factor serves every tenant.
public protocol MultiFactorRepository: Sendable {
    /// The user's factor, if any row exists.
    func find(userID: UserID) async throws -> UserMFA?
    /// Stores a secret for enrolment, replacing any earlier pending one.
    func setPending(userID: UserID, sealedSecret: String, at: Date) async throws
    /// Makes the pending secret the user's factor, with the step its first code was accepted for;
    /// false when no pending secret is there (or it changed meanwhile).
    func confirmPending(userID: UserID, sealedSecret: String, step: Int64, at: Date) async throws -> Bool
    /// Removes the factor, the pending secret and every recovery code.
    func remove(userID: UserID) async throws
    /// Records that a code of `step` was accepted; false when that step or a later one was already
    /// used (a replay), also under concurrent attempts.
    func useStep(userID: UserID, step: Int64) async throws -> Bool
    /// Replaces the user's recovery codes.
    func replaceRecoveryCodes(userID: UserID, hashes: [String], at: Date) async throws
    /// Marks an unused recovery code used; false when there is no such unused code.
    func useRecoveryCode(userID: UserID, hash: String, at: Date) async throws -> Bool
    /// How many unused recovery codes the user has.
    func remainingRecoveryCodes(userID: UserID) async throws -> Int
    /// Stores a sign-in challenge.
    func addChallenge(hash: String, challenge: MFAChallenge, at: Date) async throws
    /// The unexpired, unconsumed challenge with this token hash.
    func challenge(hash: String, now: Date) async throws -> MFAChallenge?
    /// Counts a wrong code against the challenge; returns the failures so far.
    func failChallenge(hash: String) async throws -> Int
    /// Ends a challenge; false when it was already ended (so a token completes one sign-in).
    func consumeChallenge(hash: String, at: Date) async throws -> Bool
    /// When the session last authenticated afresh (sign-in or re-authentication).
    func lastAuthentication(sessionID: SessionID) async throws -> Date?
    /// Records a fresh authentication in the session.
    func markAuthenticated(sessionID: SessionID, at: Date) async throws
}
