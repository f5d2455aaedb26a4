import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

/// Builds compact JWS tokens by hand, to present exactly the forgeries a verifier must refuse.
struct TokenForge {
    let privateKey: Curve25519.Signing.PrivateKey
    let kid: String
    let issuer: String
    let audience: String

    static func base64URL(_ data: Data) -> String { SecretToken.base64URL(data) }

    static func make(_ context: TestApplicationContext) async throws -> TokenForge {
        let keys = try await context.database.database.withGlobal { scope in try await scope.signingKeys.all() }
        let key = try #require(keys.first)
        let raw = try context.identity.masterKey.open(key.sealedPrivateKey)
        return TokenForge(
            privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: raw),
            kid: key.kid,
            issuer: context.identity.authority.settings.issuer,
            audience: context.identity.authority.settings.audience
        )
    }

    /// Claims of a valid token for `owner`, to alter.
    func claims(for owner: Registered, now: Date = Date()) -> [String: Any] {
        let seconds = Int(now.timeIntervalSince1970)
        return [
            "iss": issuer, "aud": audience, "sub": owner.userID, "tid": owner.tenantID, "sid": owner.sessionID,
            "roles": ["owner"], "iat": seconds, "nbf": seconds, "exp": seconds + 300, "jti": UUID().uuidString,
        ]
    }

    func sign(header: [String: Any], claims: [String: Any]) throws -> String {
        let head = Self.base64URL(try JSONSerialization.data(withJSONObject: header))
        let body = Self.base64URL(try JSONSerialization.data(withJSONObject: claims))
        let signature = try privateKey.signature(for: Data("\(head).\(body)".utf8))
        return "\(head).\(body).\(Self.base64URL(signature))"
    }

    func valid(_ claims: [String: Any]) throws -> String {
        try sign(header: ["alg": "EdDSA", "typ": "at+jwt", "kid": kid], claims: claims)
    }
}

@Suite("Access tokens")
struct AccessTokenTests {
    @Test("a hand-built token with the right key and claims is accepted (the forge itself is sound)", arguments: TestDatabase.all)
    func forgeBaseline(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let forge = try await TokenForge.make(context)
            #expect(try await client.meStatus(try forge.valid(forge.claims(for: owner))) == .ok)
        }
    }

    @Test(
        "forged, expired, early, misdirected and mistyped tokens are refused with 401 invalid_token",
        arguments: TestDatabase.all
    )
    func refusals(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let forge = try await TokenForge.make(context)
            let base = forge.claims(for: owner)
            let now = Int(Date().timeIntervalSince1970)
            var cases: [(String, String)] = []

            let head = TokenForge.base64URL(
                try JSONSerialization.data(withJSONObject: ["alg": "none", "typ": "at+jwt", "kid": forge.kid]))
            let body = TokenForge.base64URL(try JSONSerialization.data(withJSONObject: base))
            cases.append(("alg none", "\(head).\(body)."))

            // HS256 "signed" with the public key: the classic algorithm confusion attack.
            let hsHead = TokenForge.base64URL(
                try JSONSerialization.data(withJSONObject: ["alg": "HS256", "typ": "at+jwt", "kid": forge.kid]))
            let publicKey = SymmetricKey(data: forge.privateKey.publicKey.rawRepresentation)
            let mac = HMAC<SHA256>.authenticationCode(for: Data("\(hsHead).\(body)".utf8), using: publicKey)
            cases.append(("HS256 with public key", "\(hsHead).\(body).\(TokenForge.base64URL(Data(mac)))"))
            let jwkX = context.identity.authority.jwks().keys.first?.x ?? ""
            let macX = HMAC<SHA256>.authenticationCode(
                for: Data("\(hsHead).\(body)".utf8), using: SymmetricKey(data: Data(jwkX.utf8)))
            cases.append(("HS256 with JWK x", "\(hsHead).\(body).\(TokenForge.base64URL(Data(macX)))"))

            let stranger = TokenForge(
                privateKey: Curve25519.Signing.PrivateKey(), kid: "unknown-kid", issuer: forge.issuer, audience: forge.audience)
            cases.append(("unknown kid", try stranger.valid(base)))
            let impostor = TokenForge(
                privateKey: Curve25519.Signing.PrivateKey(), kid: forge.kid, issuer: forge.issuer, audience: forge.audience)
            cases.append(("known kid, other key", try impostor.valid(base)))

            var expired = base
            expired["exp"] = now - 120
            expired["iat"] = now - 420
            expired["nbf"] = now - 420
            cases.append(("expired beyond skew", try forge.valid(expired)))
            var early = base
            early["nbf"] = now + 600
            cases.append(("nbf in the future", try forge.valid(early)))
            var audience = base
            audience["aud"] = "someone-else"
            cases.append(("wrong aud", try forge.valid(audience)))
            var issuer = base
            issuer["iss"] = "https://evil.example"
            cases.append(("wrong iss", try forge.valid(issuer)))
            cases.append(("typ JWT", try forge.sign(header: ["alg": "EdDSA", "typ": "JWT", "kid": forge.kid], claims: base)))
            cases.append(("no typ", try forge.sign(header: ["alg": "EdDSA", "kid": forge.kid], claims: base)))
            var tampered = try forge.valid(base).split(separator: ".").map(String.init)
            var other = base
            other["roles"] = ["owner", "superadmin"]
            tampered[1] = TokenForge.base64URL(try JSONSerialization.data(withJSONObject: other))
            cases.append(("payload swapped", tampered.joined(separator: ".")))
            cases.append(("refresh token as access token", owner.refreshToken))
            cases.append(("empty", ""))

            for (name, token) in cases {
                let response = try await client.json(.get, "/api/v1/me", headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .unauthorized, "\(name)")
                #expect(["invalid_token", "unauthenticated"].contains(response.body["code"] as? String ?? ""), "\(name)")
            }
            // A small skew is tolerated.
            var slightlyExpired = base
            slightlyExpired["exp"] = now - 10
            #expect(try await client.meStatus(try forge.valid(slightlyExpired)) == .ok)
        }
    }

    @Test("Tenantry's tokens verify with PyJWT given only the JWKS document", arguments: TestDatabase.all)
    func thirdPartyVerification(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let jwks = try await client.execute(uri: "/.well-known/jwks.json", method: .get) { response in
                #expect(response.headers[.contentType] == "application/jwk-set+json")
                #expect(response.headers[.cacheControl]?.contains("max-age=") == true)
                return String(buffer: response.body)
            }
            let discovery = try await client.json(.get, "/.well-known/openid-configuration")
            let issuer = try #require(discovery.body["issuer"] as? String)
            #expect((discovery.body["jwks_uri"] as? String)?.hasSuffix("/.well-known/jwks.json") == true)
            #expect(discovery.body["id_token_signing_alg_values_supported"] as? [String] == ["EdDSA"])

            let result = try await PyJWT.verify(
                jwks: jwks, token: owner.accessToken, issuer: issuer, audience: context.configuration.tokenAudience)
            #expect(result.status == 0, "\(result.output)")
            let claims = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
            #expect(claims["sub"] as? String == owner.userID)
            #expect(claims["tid"] as? String == owner.tenantID)
            #expect(claims["sid"] as? String == owner.sessionID)

            // The same verifier refuses a token for another audience.
            let wrongAudience = try await PyJWT.verify(jwks: jwks, token: owner.accessToken, issuer: issuer, audience: "other")
            #expect(wrongAudience.status != 0)
        }
    }

    @Test(
        "after a rotation the new key is published before it signs, and old tokens verify until they expire",
        arguments: TestDatabase.all)
    func keyRotation(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let authority = context.identity.authority
            let oldKid = try #require(authority.jwks().keys.first?.kid)
            let manager = SigningKeyManager(
                database: context.identity.database, masterKey: context.identity.masterKey, settings: authority.settings
            )
            let now = Date()
            let newKey = try await manager.rotate(now: now)
            try await context.identity.reloadKeys()
            #expect(newKey.signsFrom >= now.addingTimeInterval(authority.settings.jwksCacheLifetime))
            // Published at once…
            #expect(Set(authority.jwks(at: now).keys.map(\.kid)) == [oldKid, newKey.kid])
            let served = try await client.json(.get, "/.well-known/jwks.json")
            #expect(((served.body["keys"] as? [[String: Any]]) ?? []).compactMap { $0["kid"] as? String }.contains(newKey.kid))
            // …but not signing yet.
            let userID = try #require(UserID(owner.userID)), sessionID = try #require(SessionID(owner.sessionID))
            let before = try await authority.issue(userID: userID, sessionID: sessionID, tenantID: nil, roles: [], now: now)
            #expect(kid(of: before.token) == oldKid)
            // Once the overlap has passed the new key signs, and the old key's tokens still verify.
            let later = newKey.signsFrom.addingTimeInterval(1)
            let after = try await authority.issue(userID: userID, sessionID: sessionID, tenantID: nil, roles: [], now: later)
            #expect(kid(of: after.token) == newKey.kid)
            _ = try await authority.verify(before.token, now: now.addingTimeInterval(60))
            _ = try await authority.verify(after.token, now: later)
            #expect(try await client.meStatus(owner.accessToken) == .ok)
            // When the last token of the old key has expired, the old key leaves the JWKS.
            let gone = later.addingTimeInterval(
                authority.settings.policy.accessTokenLifetime + authority.settings.policy.clockSkew + 1)
            #expect(authority.jwks(at: gone).keys.map(\.kid) == [newKey.kid])
        }
    }

    private func kid(of token: String) -> String? {
        guard let head = token.split(separator: ".").first else { return nil }
        var base64 = head.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        guard let data = Data(base64Encoded: base64),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["kid"] as? String
    }
}

/// Runs scripts/test-peers/verify_jwt.py.
enum PyJWT {
    static func verify(jwks: String, token: String, issuer: String, audience: String) async throws -> (
        status: Int32, output: String
    ) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json")
        try Data(jwks.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await CommandRunner.run([
            "python3", root.appendingPathComponent("scripts/test-peers/verify_jwt.py").path, file.path, token, issuer, audience,
        ])
    }
}
