import Crypto
public import Foundation

/// Whose key it is: the tenant the request acts in (none on public and tenant-less routes) and
/// the principal that sent it. A stored outcome is found only through the hash of scope and
/// key, so one caller can never reach another caller's outcome.
public struct IdempotencyScope: Sendable, Hashable {
    /// The tenant the request acts in, if any.
    public var tenantID: TenantID?
    /// `session:<id>` for a signed-in user (the session, so another device of the same user
    /// does not see it either), `api_key:<id>` for an API key, `anonymous` on public routes.
    public var principal: String

    /// A request made with the access token of `session`.
    public static func session(_ session: SessionID, tenant: TenantID?) -> Self {
        Self(tenantID: tenant, principal: "session:\(session)")
    }

    /// A request made with an API key.
    public static func apiKey(_ key: APIKeyID, tenant: TenantID) -> Self {
        Self(tenantID: tenant, principal: "api_key:\(key)")
    }

    /// A request on a public route. The principal is shared, so the request fingerprint carries
    /// the credentials the request presents (its body, its refresh cookie): only a caller that
    /// sends the very same secrets gets the outcome (decision record 0014).
    public static let anonymous = Self(tenantID: nil, principal: "anonymous")

    /// Whether this is the shared principal of public routes.
    public var isAnonymous: Bool { principal == Self.anonymous.principal }

    /// The record's primary key: SHA-256 (hex) of tenant, principal and key.
    public func hash(of key: IdempotencyKey) -> String {
        let text = "v1\n\(tenantID?.description ?? "-")\n\(principal)\n\(key.rawValue)"
        return FastFormatting.hex(SHA256.hash(data: Data(text.utf8)))
    }
}

/// What makes two requests "the same" for one key: the method, the target (path and query), the
/// SHA-256 of the body and, on public routes, the credential presented outside the body.
public struct IdempotencyFingerprint: Sendable, Equatable {
    /// The fingerprint, SHA-256 in hex.
    public let value: String

    /// Fingerprints a request.
    public init(method: String, target: String, body: Data, credential: String?) {
        var hasher = SHA256()
        hasher.update(data: Data("v1\n\(method)\n\(target)\n".utf8))
        hasher.update(data: Data(FastFormatting.hex(SHA256.hash(data: body)).utf8))
        if let credential {
            hasher.update(data: Data("\n".utf8))
            hasher.update(data: Data(FastFormatting.hex(SHA256.hash(data: Data(credential.utf8))).utf8))
        }
        value = FastFormatting.hex(hasher.finalize())
    }

    init(value: String) {
        self.value = value
    }

    /// Compares in time independent of where the two differ.
    public func matches(_ other: IdempotencyFingerprint) -> Bool {
        let left = Array(value.utf8)
        let right = Array(other.value.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}

/// A response kept for replay: status, the headers worth replaying, and the body.
public struct StoredResponse: Codable, Sendable, Equatable {
    /// The status code.
    public var status: Int
    /// Header names and values, in order (a name may repeat, e.g. `Set-Cookie`).
    public var headers: [[String]]
    /// The body bytes.
    public var body: Data

    /// Creates a stored response.
    public init(status: Int, headers: [[String]], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Seals what an idempotency record holds with the master key. Responses may hold secrets (a
/// new API key's secret, tokens from sign-in), and a fingerprint of a sign-in body in clear
/// would let anyone with a dump test guessed passwords, so both are encrypted. Each sealed value
/// names the record's scope hash inside the ciphertext; opening it under another scope fails,
/// so a value copied to another row behind the server's back is refused.
public struct IdempotencySeal: Sendable {
    let masterKey: MasterKey

    /// Creates a seal around the master key.
    public init(masterKey: MasterKey) {
        self.masterKey = masterKey
    }

    private struct Envelope<Content: Codable>: Codable {
        var scope: String
        var content: Content
    }

    /// Seals a request fingerprint for the record `scopeHash`.
    public func seal(_ fingerprint: IdempotencyFingerprint, scope scopeHash: String) throws -> String {
        try sealEnvelope(fingerprint.value, scope: scopeHash)
    }

    /// Opens a sealed fingerprint of the record `scopeHash`.
    public func openFingerprint(_ sealed: String, scope scopeHash: String) throws -> IdempotencyFingerprint {
        IdempotencyFingerprint(value: try openEnvelope(sealed, as: String.self, scope: scopeHash))
    }

    /// Seals a response for the record `scopeHash`.
    public func seal(_ response: StoredResponse, scope scopeHash: String) throws -> String {
        try sealEnvelope(response, scope: scopeHash)
    }

    /// Opens a sealed response of the record `scopeHash`.
    public func openResponse(_ sealed: String, scope scopeHash: String) throws -> StoredResponse {
        try openEnvelope(sealed, as: StoredResponse.self, scope: scopeHash)
    }

    private func sealEnvelope<Content: Codable>(_ content: Content, scope scopeHash: String) throws -> String {
        try masterKey.seal(JSONEncoder().encode(Envelope(scope: scopeHash, content: content)))
    }

    private func openEnvelope<Content: Codable>(_ sealed: String, as _: Content.Type, scope scopeHash: String) throws -> Content {
        let envelope = try JSONDecoder().decode(Envelope<Content>.self, from: masterKey.open(sealed))
        guard envelope.scope == scopeHash else {
            throw TenantryError(.internalError, "A stored idempotency record belongs to another scope.")
        }
        return envelope.content
    }
}
