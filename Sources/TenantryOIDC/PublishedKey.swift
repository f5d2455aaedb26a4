import Foundation
import JWTKit
import TenantryCore

/// One key of a provider's JWKS, with the fields that say which tokens it may verify.
struct PublishedKey: Sendable {
    var keyID: String?
    var keyType: String
    var use: String?
    var algorithm: String?
    var curve: String?
    var jwk: JWK

    /// The keys of a JWKS document. Keys that cannot be read (an unknown `kty`, an encryption
    /// algorithm jwt-kit does not know) are skipped rather than failing the whole set.
    static func keySet(from data: Data) throws(OpenIDError) -> [PublishedKey] {
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let entries = document["keys"] as? [Any]
        else { throw .keysUnavailable }
        return entries.compactMap { entry -> PublishedKey? in
            guard let object = entry as? [String: Any],
                let bytes = try? JSONSerialization.data(withJSONObject: object),
                let fields = try? JSONDecoder().decode(Fields.self, from: bytes),
                let jwk = try? JSONDecoder().decode(JWK.self, from: bytes)
            else { return nil }
            return PublishedKey(
                keyID: fields.kid, keyType: fields.kty, use: fields.use, algorithm: fields.alg, curve: fields.crv,
                jwk: jwk)
        }
    }

    /// Whether this key can have made an `algorithm` signature: a signing key (`use` absent or
    /// `sig`), its `alg` absent or equal, its type (and curve) the algorithm's.
    func canVerify(_ algorithm: String) -> Bool {
        guard use == nil || use == "sig", self.algorithm == nil || self.algorithm == algorithm else { return false }
        switch algorithm {
        case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
            return keyType == "RSA"
        case "ES256":
            return keyType == "EC" && (curve == nil || curve == "P-256")
        case "ES384":
            return keyType == "EC" && (curve == nil || curve == "P-384")
        case "ES512":
            return keyType == "EC" && (curve == nil || curve == "P-521")
        case "EdDSA":
            return keyType == "OKP" && (curve == nil || curve == "Ed25519" || curve == "Ed448")
        default:
            return false
        }
    }

    private struct Fields: Decodable {
        var kid: String?
        var kty: String
        var use: String?
        var alg: String?
        var crv: String?
    }
}

/// A provider's key set as cached per `jwks_uri`.
struct CachedKeySet: Sendable {
    var keys: [PublishedKey]
    var expires: ContinuousClock.Instant
    /// When an unknown `kid` last caused a fetch: the next such fetch waits for the interval.
    var lastUnknownKeyRefetch: ContinuousClock.Instant?
}

/// Which key of a set verifies a token.
enum KeySelection {
    /// The key.
    case found(PublishedKey)
    /// No key has the token's `kid`, or (without `kid`) none is of the algorithm's type.
    case noMatch
    /// The key named by `kid` cannot have made a signature of the token's algorithm.
    case mismatched
    /// The token has no `kid` and several keys of the algorithm's type are published.
    case ambiguous

    static func select(for header: CompactJWS.Header, in keys: [PublishedKey]) -> KeySelection {
        if let keyID = header.keyID {
            guard let key = keys.first(where: { $0.keyID == keyID }) else { return .noMatch }
            return key.canVerify(header.algorithm) ? .found(key) : .mismatched
        }
        // Without a kid (oidc-provider-mock 0.3.4 sends none), only a single candidate is safe.
        let candidates = keys.filter { $0.canVerify(header.algorithm) }
        switch candidates.count {
        case 0: return .noMatch
        case 1: return .found(candidates[0])
        default: return .ambiguous
        }
    }
}

extension HTTPOpenIDConnectClient {
    /// The key that must have signed a token with `header`: from the cached set, or from a set
    /// fetched again when no key fits and the last such fetch for this `jwks_uri` is older than
    /// the refetch interval.
    func signingKey(for header: CompactJWS.Header, jwksURI: URL) async throws(OpenIDError) -> PublishedKey {
        let (keys, fromCache) = try await keySet(jwksURI, refresh: false)
        var selection = KeySelection.select(for: header, in: keys)
        // A set fetched just now for this token is as fresh as a refetch would be.
        if case .noMatch = selection, fromCache, reserveUnknownKeyRefetch(jwksURI) {
            let (fresh, _) = try await keySet(jwksURI, refresh: true)
            selection = KeySelection.select(for: header, in: fresh)
        }
        switch selection {
        case .found(let key): return key
        case .mismatched: throw .signatureInvalid
        case .noMatch, .ambiguous: throw .unknownKey
        }
    }

    /// The cached key set while it lives (and `refresh` is false), else a fetched one.
    private func keySet(_ url: URL, refresh: Bool) async throws(OpenIDError) -> (keys: [PublishedKey], fromCache: Bool) {
        let now = ContinuousClock.now
        if !refresh, let cached = keySets.withLock({ $0[url] }), cached.expires > now {
            return (cached.keys, true)
        }
        let keys = try await fetchKeySet(url)
        let expires = ContinuousClock.now + keysLifetime
        keySets.withLock { sets in
            let last = sets[url]?.lastUnknownKeyRefetch
            sets[url] = CachedKeySet(keys: keys, expires: expires, lastUnknownKeyRefetch: last)
        }
        return (keys, false)
    }

    /// Takes the right to one unknown-kid refetch of `url`, if the last one is old enough.
    /// Taken under the lock, so concurrent tokens with made-up kids cause one fetch, not many.
    private func reserveUnknownKeyRefetch(_ url: URL) -> Bool {
        let now = ContinuousClock.now
        return keySets.withLock { sets in
            guard var entry = sets[url] else { return false }
            if let last = entry.lastUnknownKeyRefetch, now - last < unknownKeyRefetchInterval { return false }
            entry.lastUnknownKeyRefetch = now
            sets[url] = entry
            return true
        }
    }
}
