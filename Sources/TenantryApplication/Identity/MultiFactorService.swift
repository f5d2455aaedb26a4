public import Foundation
import HummingbirdOTP
public import TenantryCore

/// TOTP codes (RFC 6238: HMAC-SHA1, six digits, 30-second steps): `HummingbirdOTP` computes
/// them; the window (one step either side) and the once-only rule (``MultiFactorRepository/useStep(userID:step:)``)
/// are ours.
enum TOTPCodes {
    static let period: Int64 = 30

    /// A new secret: 32 random letters and digits, whose bytes are the HMAC key (authenticator
    /// apps get them in base32 in the `otpauth://` URI).
    static func newSecret() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    /// The `otpauth://totp/…` URI authenticator apps read (usually from a QR code).
    static func uri(secret: String, account: String) -> String {
        TOTP(secret: secret).createAuthenticatorURL(label: "Tenantry:\(account)", issuer: "Tenantry")
    }

    /// The base32 form of the secret, for typing into an authenticator by hand.
    static func base32(ofURI uri: String) -> String {
        URLComponents(string: uri)?.queryItems?.first { $0.name == "secret" }?.value ?? ""
    }

    /// The time step the code belongs to, within one step of `now`; `nil` when it matches none.
    static func matchingStep(code: String, secret: String, now: Date) -> Int64? {
        guard code.count == 6, code.allSatisfy(\.isASCIIDigit) else { return nil }
        let current = Int64(now.timeIntervalSince1970) / period
        let totp = TOTP(secret: secret)
        var found: Int64?
        // Every candidate is computed and compared in full, whichever matches.
        for step in [current + 1, current, current - 1] {
            let expected = String(format: "%06d", totp.compute(date: Date(timeIntervalSince1970: Double(step * period))))
            if constantTimeEqual(expected, code), found == nil { found = step }
        }
        return found
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// Recovery codes: ten per person, 80 random bits each, shown once as `xxxx-xxxx-xxxx-xxxx`
/// and stored as SHA-256 of their normalised form; each works once.
enum RecoveryCodes {
    static let count = 10
    private static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")

    static func generate() -> [String] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in
            let characters = (0..<16).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] }
            return stride(from: 0, to: 16, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
        }
    }

    /// The form a code is stored and compared in: lower case, without separators.
    static func normalised(_ code: String) -> String {
        code.lowercased().filter { $0 != "-" && $0 != " " }
    }

    static func digest(_ code: String) -> String {
        SecretToken.digest(normalised(code))
    }

    /// Whether the text has the shape of a recovery code (not of a TOTP code).
    static func looksLikeRecoveryCode(_ code: String) -> Bool {
        normalised(code).count == 16
    }
}

/// Multi-factor authentication: enrolment of a TOTP factor, recovery codes, the second step of
/// a sign-in (and enrolment during sign-in where the tenant requires a factor), and the fresh
/// authentication that sensitive changes need.
public struct MultiFactorService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Seals TOTP secrets.
    public let masterKey: MasterKey
    /// Verifies the password for a re-authentication.
    public let hashing: PasswordHashingPool
    /// Wrong codes are throttled per person like wrong passwords.
    public let limiters: AttemptLimiters
    /// Issues the tokens once the second step succeeds.
    public let signIn: SignInService
    /// The security events.
    public let events: UserEvents

    /// How long a sign-in or re-authentication counts as fresh for sensitive changes.
    public static let freshness: TimeInterval = 300
    /// Wrong codes after which a sign-in's second-step token stops working.
    public static let challengeAttempts = 5

    /// Creates the use case from its dependencies.
    public init(
        database: any DataStore, masterKey: MasterKey, hashing: PasswordHashingPool, limiters: AttemptLimiters,
        signIn: SignInService
    ) {
        self.database = database
        self.masterKey = masterKey
        self.hashing = hashing
        self.limiters = limiters
        self.signIn = signIn
        self.events = UserEvents(database: database)
    }

    /// A person's second factor as they may see it.
    public struct Status: Sendable {
        /// Whether sign-in asks for a TOTP code.
        public var totpEnabled: Bool
        /// When TOTP was turned on.
        public var enabledAt: Date?
        /// Unused recovery codes.
        public var recoveryCodesRemaining: Int
    }

    /// A TOTP secret handed out for enrolment.
    public struct Enrolment: Sendable {
        /// The secret in base32, for typing into an authenticator.
        public var secret: String
        /// The `otpauth://` URI, for a QR code.
        public var uri: String
    }

    // MARK: The signed-in person's factor

    /// The caller's second factor.
    public func status(of caller: AuthenticatedCaller) async throws -> Status {
        try await database.readGlobal { scope in
            let factor = try await scope.multiFactor.find(userID: caller.userID)
            return Status(
                totpEnabled: factor?.isEnabled ?? false, enabledAt: factor?.enabledAt,
                recoveryCodesRemaining: try await scope.multiFactor.remainingRecoveryCodes(userID: caller.userID))
        }
    }

    /// Hands out a new TOTP secret to enrol (fresh authentication needed); it takes effect
    /// once a first code from it is confirmed.
    public func beginEnrolment(_ caller: AuthenticatedCaller) async throws -> Enrolment {
        try await requireFreshAuthentication(caller)
        return try await enrolment(for: caller.userID)
    }

    /// Confirms the enrolment with a first code from the new secret; returns the recovery codes
    /// (shown once).
    public func confirmEnrolment(_ caller: AuthenticatedCaller, code: String, origin: AuditEvent.Origin) async throws
        -> [String]
    {
        try await requireFreshAuthentication(caller)
        let codes = try await confirm(userID: caller.userID, code: code)
        try await events.record(.userMFAEnabled, about: caller.userID, origin: origin, in: nil)
        return codes
    }

    /// Turns the factor off and removes the recovery codes (fresh authentication needed).
    public func disable(_ caller: AuthenticatedCaller, origin: AuditEvent.Origin) async throws {
        try await requireFreshAuthentication(caller)
        let removed = try await database.withGlobal { scope -> Bool in
            guard try await scope.multiFactor.find(userID: caller.userID)?.isEnabled == true else { return false }
            try await scope.multiFactor.remove(userID: caller.userID)
            return true
        }
        guard removed else { throw Self.notEnabled }
        try await events.record(.userMFADisabled, about: caller.userID, origin: origin, in: nil)
    }

    /// Replaces the recovery codes (fresh authentication needed); returns the new ones.
    public func regenerateRecoveryCodes(_ caller: AuthenticatedCaller, origin: AuditEvent.Origin) async throws -> [String] {
        try await requireFreshAuthentication(caller)
        let codes = RecoveryCodes.generate()
        let replaced = try await database.withGlobal { scope -> Bool in
            guard try await scope.multiFactor.find(userID: caller.userID)?.isEnabled == true else { return false }
            try await scope.multiFactor.replaceRecoveryCodes(
                userID: caller.userID, hashes: codes.map(RecoveryCodes.digest), at: Date())
            return true
        }
        guard replaced else { throw Self.notEnabled }
        try await events.record(.userRecoveryCodesRegenerated, about: caller.userID, origin: origin, in: nil)
        return codes
    }

    // MARK: Fresh authentication

    /// Confirms the caller's identity again with the password or a second-factor code; sensitive
    /// changes are then allowed for ``freshness``.
    public func reauthenticate(
        _ caller: AuthenticatedCaller, password: String?, code: String?, origin: AuditEvent.Origin
    ) async throws {
        if let password {
            let accountKey = "reauth:\(caller.userID)"
            try limiters.failedSignInsPerAccount.check([accountKey])
            let credentials = try await database.readGlobal { scope in try await scope.users.find(id: caller.userID) }
                .asyncFlatMap { user in
                    try await database.readGlobal { scope in try await scope.users.credentials(email: user.email) }
                }
            guard let hash = credentials?.passwordHash, try await hashing.verify(password, against: hash) else {
                limiters.failedSignInsPerAccount.record(accountKey)
                throw Validator.fail("password", "incorrect", "The password is incorrect.")
            }
            limiters.failedSignInsPerAccount.reset(accountKey)
        } else if let code {
            try await verify(code: code, userID: caller.userID, origin: origin, tenantID: caller.tenantID)
        } else {
            throw Validator.fail("password", "required", "Send the password, or a second-factor code as `code`.")
        }
        let now = Date()
        try await database.withGlobal { scope in
            try await scope.multiFactor.markAuthenticated(sessionID: caller.sessionID, at: now)
        }
        try await events.record(
            .authReauthenticated, about: caller.userID, origin: origin, in: caller.tenantID, sessionID: caller.sessionID)
    }

    /// Throws `reauthentication_required` unless the caller's session signed in or
    /// re-authenticated within ``freshness``.
    public func requireFreshAuthentication(_ caller: AuthenticatedCaller, now: Date = Date()) async throws {
        let last = try await database.readGlobal { scope in
            try await scope.multiFactor.lastAuthentication(sessionID: caller.sessionID)
        }
        guard let last, now.timeIntervalSince(last) <= Self.freshness else {
            throw TenantryError(
                .reauthenticationRequired,
                "Confirm it is you first: POST /api/v1/auth/reauthenticate with your password or a code, then retry within 5 minutes."
            )
        }
    }

    // MARK: A sign-in's second step

    /// The second step of a sign-in: a TOTP or recovery code for the token the password step
    /// returned; then the tokens.
    public func verifySignIn(token: String, code: String, origin: AuditEvent.Origin) async throws -> SignInService.Result {
        let hash = SecretToken.digest(token)
        let challenge = try await liveChallenge(hash: hash, purpose: .verify)
        do {
            try await verify(code: code, userID: challenge.userID, origin: origin, tenantID: challenge.tenantID)
        } catch let error as TenantryError where error.code == .invalidMFACode {
            try await countFailure(hash: hash)
            throw error
        }
        try await consume(hash: hash)
        return try await signIn.completeSignIn(userID: challenge.userID, tenantID: challenge.tenantID, origin: origin)
    }

    /// Enrolment during a sign-in where the tenant requires a factor: hands out a secret.
    public func beginSignInEnrolment(token: String) async throws -> Enrolment {
        let challenge = try await liveChallenge(hash: SecretToken.digest(token), purpose: .enrol)
        return try await enrolment(for: challenge.userID)
    }

    /// Confirms the enrolment during a sign-in with a first code; then the tokens, with the
    /// recovery codes (shown once).
    public func confirmSignInEnrolment(token: String, code: String, origin: AuditEvent.Origin) async throws -> (
        result: SignInService.Result, recoveryCodes: [String]
    ) {
        let hash = SecretToken.digest(token)
        let challenge = try await liveChallenge(hash: hash, purpose: .enrol)
        let codes: [String]
        do {
            codes = try await confirm(userID: challenge.userID, code: code)
        } catch let error as TenantryError where error.code == .invalidMFACode {
            try await countFailure(hash: hash)
            throw error
        }
        try await consume(hash: hash)
        try await events.record(.userMFAEnabled, about: challenge.userID, origin: origin, in: challenge.tenantID)
        let result = try await signIn.completeSignIn(userID: challenge.userID, tenantID: challenge.tenantID, origin: origin)
        return (result, codes)
    }

    /// Whether a member with `role` in a tenant with `settings` may act there without a factor:
    /// throws `mfa_enrolment_required` when the tenant requires one they lack (tenant switch).
    public static func requireFactorIfDemanded(
        userID: UserID, role: TenantRole, settings: TenantSettings, repository: some MultiFactorRepository
    ) async throws {
        guard settings.mfaPolicy.requires(role) else { return }
        guard try await repository.find(userID: userID)?.isEnabled == true else {
            throw TenantryError(
                .mfaEnrolmentRequired,
                "This tenant requires a second factor: enrol one with POST /api/v1/me/mfa/totp first.")
        }
    }

    // MARK: Internals

    private func enrolment(for userID: UserID) async throws -> Enrolment {
        guard let user = try await database.readGlobal({ scope in try await scope.users.find(id: userID) }) else {
            throw TenantryError(.invalidMFAToken, "The sign-in can no longer be completed; sign in again.")
        }
        let existing = try await database.readGlobal { scope in try await scope.multiFactor.find(userID: userID) }
        guard existing?.isEnabled != true else {
            throw TenantryError(.conflict, "A second factor is already enabled; turn it off first to replace it.")
        }
        let secret = TOTPCodes.newSecret()
        let sealed = try masterKey.seal(Data(secret.utf8))
        try await database.withGlobal { scope in
            try await scope.multiFactor.setPending(userID: userID, sealedSecret: sealed, at: Date())
        }
        let uri = TOTPCodes.uri(secret: secret, account: user.email.rawValue)
        return Enrolment(secret: TOTPCodes.base32(ofURI: uri), uri: uri)
    }

    /// Checks a first code against the pending secret and makes it the factor, with new
    /// recovery codes.
    private func confirm(userID: UserID, code: String) async throws -> [String] {
        let key = "mfa:\(userID)"
        try limiters.failedSignInsPerAccount.check([key])
        let factor = try await database.readGlobal { scope in try await scope.multiFactor.find(userID: userID) }
        guard let factor, !factor.isEnabled, let sealed = factor.sealedPendingSecret else {
            throw TenantryError(.conflict, "There is no enrolment to confirm; start one first.")
        }
        let secret = String(decoding: try masterKey.open(sealed), as: UTF8.self)
        guard let step = TOTPCodes.matchingStep(code: code, secret: secret, now: Date()) else {
            limiters.failedSignInsPerAccount.record(key)
            throw Self.invalidCode
        }
        let codes = RecoveryCodes.generate()
        let confirmed = try await database.withGlobal { scope -> Bool in
            guard try await scope.multiFactor.confirmPending(userID: userID, sealedSecret: sealed, step: step, at: Date())
            else { return false }
            try await scope.multiFactor.replaceRecoveryCodes(userID: userID, hashes: codes.map(RecoveryCodes.digest), at: Date())
            return true
        }
        guard confirmed else { throw TenantryError(.conflict, "The enrolment changed meanwhile; start it again.") }
        limiters.failedSignInsPerAccount.reset(key)
        return codes
    }

    /// Verifies a TOTP code (each step once) or an unused recovery code of the user's factor.
    private func verify(code: String, userID: UserID, origin: AuditEvent.Origin, tenantID: TenantID?) async throws {
        let key = "mfa:\(userID)"
        try limiters.failedSignInsPerAccount.check([key])
        let factor = try await database.readGlobal { scope in try await scope.multiFactor.find(userID: userID) }
        guard let factor, let sealed = factor.sealedSecret else {
            throw TenantryError(.invalidMFACode, "No second factor is enabled; use the password.")
        }
        let trimmed = code.trimmingCharacters(in: .whitespaces)
        let accepted: Bool
        var usedRecoveryCode = false
        if RecoveryCodes.looksLikeRecoveryCode(trimmed) {
            accepted = try await database.withGlobal { scope in
                try await scope.multiFactor.useRecoveryCode(userID: userID, hash: RecoveryCodes.digest(trimmed), at: Date())
            }
            usedRecoveryCode = accepted
        } else {
            let secret = String(decoding: try masterKey.open(sealed), as: UTF8.self)
            if let step = TOTPCodes.matchingStep(code: trimmed, secret: secret, now: Date()) {
                accepted = try await database.withGlobal { scope in
                    try await scope.multiFactor.useStep(userID: userID, step: step)
                }
            } else {
                accepted = false
            }
        }
        guard accepted else {
            limiters.failedSignInsPerAccount.record(key)
            try await events.record(.authMFAFailed, about: userID, origin: origin, in: tenantID)
            throw Self.invalidCode
        }
        limiters.failedSignInsPerAccount.reset(key)
        if usedRecoveryCode {
            try await events.record(.authRecoveryCodeUsed, about: userID, origin: origin, in: tenantID)
        }
    }

    private func liveChallenge(hash: String, purpose: MFAChallengePurpose) async throws -> MFAChallenge {
        let challenge = try await database.readGlobal { scope in try await scope.multiFactor.challenge(hash: hash, now: Date()) }
        guard let challenge, challenge.purpose == purpose else {
            throw TenantryError(
                .invalidMFAToken, "The sign-in step token is unknown, expired, used, or for another step; sign in again.")
        }
        return challenge
    }

    private func countFailure(hash: String) async throws {
        try await database.withGlobal { scope in
            if try await scope.multiFactor.failChallenge(hash: hash) >= Self.challengeAttempts {
                _ = try await scope.multiFactor.consumeChallenge(hash: hash, at: Date())
            }
        }
    }

    private func consume(hash: String) async throws {
        let consumed = try await database.withGlobal { scope in
            try await scope.multiFactor.consumeChallenge(hash: hash, at: Date())
        }
        guard consumed else {
            throw TenantryError(.invalidMFAToken, "This sign-in step was already completed; sign in again.")
        }
    }

    private static var invalidCode: TenantryError {
        TenantryError(.invalidMFACode, "The code is incorrect or was already used.")
    }

    private static var notEnabled: TenantryError {
        TenantryError(.conflict, "No second factor is enabled.")
    }
}
