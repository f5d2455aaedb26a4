import Crypto
public import Foundation
import JWTKit
import Synchronization

/// One token signing key as stored: the public half in clear, the private half sealed with the
/// master key.
public struct SigningKeyRecord: Sendable, Equatable {
    /// The `kid`.
    public var kid: String
    /// Always `EdDSA` (Ed25519) today.
    public var algorithm: String
    /// The raw 32-byte Ed25519 public key, URL-safe base64.
    public var publicKey: String
    /// The private key, sealed by ``MasterKey``.
    public var sealedPrivateKey: String
    /// When it was created, which is when it is first published.
    public var createdAt: Date
    /// When it starts signing (after the publication overlap).
    public var signsFrom: Date

    /// Creates a record.
    public init(kid: String, algorithm: String, publicKey: String, sealedPrivateKey: String, createdAt: Date, signsFrom: Date) {
        self.kid = kid
        self.algorithm = algorithm
        self.publicKey = publicKey
        self.sealedPrivateKey = sealedPrivateKey
        self.createdAt = createdAt
        self.signsFrom = signsFrom
    }

    /// A new Ed25519 key, published now and signing from `signsFrom`.
    public static func generate(masterKey: MasterKey, now: Date, signsFrom: Date) throws -> SigningKeyRecord {
        let key = Curve25519.Signing.PrivateKey()
        return SigningKeyRecord(
            kid: "k" + SecretToken.generate(bytes: 9),
            algorithm: "EdDSA",
            publicKey: SecretToken.base64URL(key.publicKey.rawRepresentation),
            sealedPrivateKey: try masterKey.seal(key.rawRepresentation),
            createdAt: now,
            signsFrom: signsFrom
        )
    }
}

/// Which keys sign and which are published, at a point in time. A key is published from its
/// creation; it signs from `signsFrom` until a newer key starts signing; it stays published
/// until the last token it signed has expired (token lifetime plus clock skew after that).
public struct SigningKeySchedule: Sendable {
    /// All stored keys.
    public let keys: [SigningKeyRecord]
    /// Token lifetime and skew.
    public let policy: SessionPolicy

    /// Creates a schedule.
    public init(keys: [SigningKeyRecord], policy: SessionPolicy) {
        self.keys = keys.sorted { ($0.signsFrom, $0.kid) < ($1.signsFrom, $1.kid) }
        self.policy = policy
    }

    /// The key that signs at `now`: the newest whose `signsFrom` has passed.
    public func signingKey(at now: Date) -> SigningKeyRecord? {
        keys.last { $0.signsFrom <= now }
    }

    /// When `key` stopped (or will stop) signing: when the next key starts.
    public func retiredAt(_ key: SigningKeyRecord) -> Date? {
        guard let index = keys.firstIndex(of: key), index + 1 < keys.count else { return nil }
        return keys[index + 1].signsFrom
    }

    /// The keys a verifier must know at `now`.
    public func publishedKeys(at now: Date) -> [SigningKeyRecord] {
        keys.filter { key in
            guard let retired = retiredAt(key), retired <= now else { return true }
            return now < retired.addingTimeInterval(policy.accessTokenLifetime + policy.clockSkew)
        }
    }

    /// Keys no longer needed by anyone at `now` (safe to delete).
    public func expiredKeys(at now: Date) -> [SigningKeyRecord] {
        let published = Set(publishedKeys(at: now).map(\.kid))
        return keys.filter { !published.contains($0.kid) }
    }
}

/// A JSON Web Key Set document as served at `/.well-known/jwks.json`.
public struct JWKSDocument: Codable, Sendable, Equatable {
    /// One public key.
    public struct Key: Codable, Sendable, Equatable {
        public var kty: String
        public var crv: String
        public var x: String
        public var kid: String
        public var alg: String
        public var use: String
    }

    /// The keys.
    public var keys: [Key]

    /// The document for a set of keys.
    public init(keys records: [SigningKeyRecord]) {
        self.keys = records.map { Key(kty: "OKP", crv: "Ed25519", x: $0.publicKey, kid: $0.kid, alg: "EdDSA", use: "sig") }
    }
}

/// Signs and verifies access tokens with the current key schedule. Holds the decrypted signing
/// key and the published public keys in memory; ``reload(_:)`` swaps in a new schedule.
public final class AccessTokenAuthority: Sendable {
    /// Token settings.
    public let settings: TokenSettings
    private let masterKey: MasterKey
    private let state = Mutex<Loaded?>(nil)
    /// Tokens already verified, by SHA-256, until they expire: a client reuses its access token
    /// for minutes, and this spares the signature check and parsing on every request.
    private let verified = Mutex<[String: AccessTokenIdentity]>([:])
    private static let verifiedCacheLimit = 50_000

    private struct Loaded: Sendable {
        let schedule: SigningKeySchedule
        let signers: JWTKeyCollection
        let verifiers: JWTKeyCollection
        let published: Set<String>
        let signingKeys: [(signsFrom: Date, kid: String)]
    }

    /// Creates an authority; call ``reload(_:)`` before use.
    public init(settings: TokenSettings, masterKey: MasterKey) {
        self.settings = settings
        self.masterKey = masterKey
    }

    /// Replaces the key schedule.
    public func reload(_ keys: [SigningKeyRecord]) async throws {
        let schedule = SigningKeySchedule(keys: keys, policy: settings.policy)
        let signers = JWTKeyCollection()
        let verifiers = JWTKeyCollection()
        for record in schedule.keys {
            let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: try masterKey.open(record.sealedPrivateKey))
            await signers.add(eddsa: EdDSA.PrivateKey(backing: privateKey), kid: JWKIdentifier(string: record.kid))
            await verifiers.add(eddsa: EdDSA.PublicKey(backing: privateKey.publicKey), kid: JWKIdentifier(string: record.kid))
        }
        let loaded = Loaded(
            schedule: schedule,
            signers: signers,
            verifiers: verifiers,
            published: Set(schedule.keys.map(\.kid)),
            signingKeys: schedule.keys.map { ($0.signsFrom, $0.kid) }
        )
        state.withLock { $0 = loaded }
        // A key may have left the published set: verify everything afresh.
        verified.withLock { $0.removeAll() }
    }

    /// The JWKS document at `now`.
    public func jwks(at now: Date = Date()) -> JWKSDocument {
        guard let loaded = state.withLock({ $0 }) else { return JWKSDocument(keys: []) }
        return JWKSDocument(keys: loaded.schedule.publishedKeys(at: now))
    }

    /// Signs an access token for a session.
    public func issue(
        userID: UserID,
        sessionID: SessionID,
        tenantID: TenantID?,
        roles: [String],
        now: Date = Date()
    ) async throws -> (token: String, expiresAt: Date) {
        guard let loaded = state.withLock({ $0 }), let kid = loaded.signingKeys.last(where: { $0.signsFrom <= now })?.kid else {
            throw TenantryError(.unavailable, "No signing key is active yet.")
        }
        // Whole seconds: NumericDate values every verifier reads the same way.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let expiresAt = now.addingTimeInterval(settings.policy.accessTokenLifetime)
        let claims = AccessTokenClaims(
            iss: IssuerClaim(value: settings.issuer),
            aud: AudienceClaim(value: settings.audience),
            sub: SubjectClaim(value: userID.description),
            tid: tenantID?.description,
            sid: sessionID.description,
            roles: roles,
            iat: IssuedAtClaim(value: now),
            nbf: NotBeforeClaim(value: now),
            exp: ExpirationClaim(value: expiresAt),
            jti: IDClaim(value: UUID.version7().uuidString.lowercased())
        )
        var header = JWTHeader()
        header.typ = "at+jwt"
        header.alg = "EdDSA"
        let token = try await loaded.signers.sign(claims, kid: JWKIdentifier(string: kid), header: header)
        return (token, expiresAt)
    }

    /// Verifies an access token: the header must say `alg: EdDSA`, `typ: at+jwt` and a published
    /// `kid`; then the signature, `iss`, `aud`, `nbf` and `exp` (with the configured skew).
    /// Every failure is the same `invalid_token` error; the reason stays on the server.
    public func verify(_ token: String, now: Date = Date()) async throws -> AccessTokenIdentity {
        func invalid(_ reason: String) -> TenantryError {
            TenantryError(.invalidToken, "The access token is invalid or expired.", cause: InvalidTokenReason(reason: reason))
        }
        guard token.utf8.count <= 4096 else { throw invalid("malformed") }
        let digest = SecretToken.digest(token)
        if let cached = verified.withLock({ $0[digest] }) {
            guard cached.expiresAt.addingTimeInterval(settings.policy.clockSkew) > now else { throw invalid("expired") }
            return cached
        }
        guard let header = CompactJWS.header(of: token) else { throw invalid("malformed") }
        guard header.alg == "EdDSA" else { throw invalid("algorithm not allowed") }
        guard header.typ?.lowercased() == "at+jwt" else { throw invalid("wrong typ") }
        guard let kid = header.kid, let loaded = state.withLock({ $0 }), loaded.published.contains(kid) else {
            throw invalid("unknown kid")
        }
        let claims: AccessTokenClaims
        do {
            claims = try await loaded.verifiers.verify(token, as: AccessTokenClaims.self)
        } catch {
            throw invalid("signature or payload")
        }
        let skew = settings.policy.clockSkew
        guard claims.iss.value == settings.issuer else { throw invalid("issuer") }
        guard claims.aud.value.contains(settings.audience) else { throw invalid("audience") }
        guard claims.exp.value.addingTimeInterval(skew) > now else { throw invalid("expired") }
        guard claims.nbf.value.addingTimeInterval(-skew) <= now else { throw invalid("not yet valid") }
        guard let userID = UserID(claims.sub.value), let sessionID = SessionID(claims.sid) else {
            throw invalid("identifiers")
        }
        var tenantID: TenantID?
        if let tid = claims.tid {
            guard let parsed = TenantID(tid) else { throw invalid("tenant") }
            tenantID = parsed
        }
        let identity = AccessTokenIdentity(
            userID: userID,
            sessionID: sessionID,
            tenantID: tenantID,
            roles: claims.roles,
            expiresAt: claims.exp.value
        )
        // Only tokens already valid now are remembered (a not-yet-valid one is refused above).
        verified.withLock { cache in
            if cache.count >= Self.verifiedCacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[digest] = identity
        }
        return identity
    }

    /// Whether `kid` is currently published (a verifier that does not know a `kid` may reload).
    public func knows(kid: String) -> Bool {
        state.withLock { $0?.published.contains(kid) ?? false }
    }
}

/// Why a token was refused; kept as the error's cause for the server's logs only.
public struct InvalidTokenReason: Error, Sendable, CustomStringConvertible {
    /// Creates a reason.
    public init(reason: String) { self.reason = reason }

    /// The reason.
    public let reason: String
    public var description: String { "invalid token: \(reason)" }
}
