import Foundation
import HTTPTypes
import HummingbirdTesting
import SQLKit
import TenantryCore
import TenantryTestSupport
import Testing

@Suite("Multi-factor authentication")
struct MultiFactorTests {
    @Test(
        "enrolment gives an otpauth URI and needs a first valid code; sign-in then asks for a TOTP code",
        arguments: TestDatabase.all)
    func enrolAndSignIn(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let before = try await client.json(.get, "/api/v1/me/mfa", token: owner.accessToken)
            #expect(before.body["totp_enabled"] as? Bool == false)
            let enrolment = try await client.json(.post, "/api/v1/me/mfa/totp", token: owner.accessToken)
            #expect(enrolment.status == .ok)
            let secret = try #require(enrolment.body["secret"] as? String)
            let uri = try #require(enrolment.body["otpauth_uri"] as? String)
            #expect(uri.hasPrefix("otpauth://totp/") && uri.contains("secret=\(secret)") && uri.contains("issuer=Tenantry"))
            // A wrong first code turns nothing on.
            let wrong = try await client.json(.post, "/api/v1/me/mfa/totp/confirm", ["code": "000000"], token: owner.accessToken)
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body["code"] as? String == "invalid_mfa_code")
            let confirmed = try await client.json(
                .post, "/api/v1/me/mfa/totp/confirm", ["code": try pyotpCode(secret)], token: owner.accessToken)
            #expect(confirmed.status == .ok)
            let codes = try #require(confirmed.body["recovery_codes"] as? [String])
            #expect(codes.count == 10 && Set(codes).count == 10)
            let after = try await client.json(.get, "/api/v1/me/mfa", token: owner.accessToken)
            #expect(after.body["totp_enabled"] as? Bool == true)
            #expect(after.body["recovery_codes_remaining"] as? Int == 10)
            // The secret is stored sealed, never as given.
            let stored = try await context.database.database.withGlobal { scope in
                try await scope.sql.raw("SELECT secret FROM user_mfa").first(decodingColumn: "secret", as: String.self)
            }
            #expect(stored != nil && stored?.contains(secret) == false)

            // Password alone no longer gives tokens.
            let first = try await client.json(.post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password])
            #expect(first.status == .accepted)
            #expect(first.body["status"] as? String == "mfa_required")
            #expect(first.body["tokens"] == nil)
            let mfaToken = try #require(first.body["mfa_token"] as? String)
            let code = try await pyotpCode(secret, offset: 1)
            let signedIn = try await client.json(.post, "/api/v1/auth/mfa/verify", ["mfa_token": mfaToken, "code": code])
            #expect(signedIn.status == .ok, "\(signedIn.raw)")
            let access = try #require((signedIn.body["tokens"] as? [String: Any])?["access_token"] as? String)
            #expect(try await client.meStatus(access) == .ok)
            // The token completed one sign-in; the same code is refused on a new sign-in (replay).
            let again = try await client.json(.post, "/api/v1/auth/mfa/verify", ["mfa_token": mfaToken, "code": code])
            #expect(again.body["code"] as? String == "invalid_mfa_token")
            let second = try await client.json(.post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password])
            let secondToken = try #require(second.body["mfa_token"] as? String)
            let replay = try await client.json(.post, "/api/v1/auth/mfa/verify", ["mfa_token": secondToken, "code": code])
            #expect(replay.status == .unauthorized)
            #expect(replay.body["code"] as? String == "invalid_mfa_code")
            // A recovery code works once.
            let recovered = try await client.json(.post, "/api/v1/auth/mfa/verify", ["mfa_token": secondToken, "code": codes[0]])
            #expect(recovered.status == .ok)
            let third = try await client.json(.post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password])
            let reused = try await client.json(
                .post, "/api/v1/auth/mfa/verify",
                ["mfa_token": try #require(third.body["mfa_token"] as? String), "code": codes[0]])
            #expect(reused.body["code"] as? String == "invalid_mfa_code")
            let remaining = try await client.json(.get, "/api/v1/me/mfa", token: owner.accessToken)
            #expect(remaining.body["recovery_codes_remaining"] as? Int == 9)
            // Every step is in the tenant's audit trail.
            let audit = try await client.json(.get, "/api/v1/audit-events?limit=100", token: access)
            let actions = Set(((audit.body["items"] as? [[String: Any]]) ?? []).compactMap { $0["action"] as? String })
            for action in ["user.mfa_enabled", "auth.mfa_failed", "auth.recovery_code_used", "auth.login_succeeded"] {
                #expect(actions.contains(action), "\(action) audited")
            }
        }
    }

    @Test("a second-step token stops working after five wrong codes", arguments: TestDatabase.all)
    func secondStepTokenUsedUp(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let (secret, _) = try await client.enableTOTP(token: owner.accessToken)
            let login = try await client.json(.post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password])
            let token = try #require(login.body["mfa_token"] as? String)
            for _ in 0..<5 {
                let wrong = try await client.json(.post, "/api/v1/auth/mfa/verify", ["mfa_token": token, "code": "123456"])
                #expect(wrong.status == .unauthorized)
            }
            let right = try await client.json(
                .post, "/api/v1/auth/mfa/verify", ["mfa_token": token, "code": try pyotpCode(secret, offset: 1)])
            #expect(right.body["code"] as? String == "invalid_mfa_token")
            let unknown = try await client.json(.post, "/api/v1/auth/mfa/verify", ["mfa_token": "nope", "code": "123456"])
            #expect(unknown.body["code"] as? String == "invalid_mfa_token")
            let missing = try await client.json(.post, "/api/v1/auth/mfa/verify", ["mfa_token": token])
            #expect(missing.status == .unprocessableContent)
        }
    }

    @Test("a tenant that requires MFA sends a member without it to enrolment before any token", arguments: TestDatabase.all)
    func tenantEnforcement(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let f = try await client.accessFixture(context)
            let policy = try await client.json(
                .patch, "/api/v1/tenant", ["settings": ["mfa_policy": "admins"]], token: f.ownerToken)
            #expect(policy.status == .ok, "\(policy.raw)")
            #expect((policy.body["settings"] as? [String: Any])?["mfa_policy"] as? String == "admins")
            let invalid = try await client.json(
                .patch, "/api/v1/tenant", ["settings": ["mfa_policy": "sometimes"]], token: f.ownerToken)
            #expect(invalid.status == .unprocessableContent)
            // A viewer is not concerned by "admins"; an admin is.
            #expect(try await client.login(email: f.viewer.email, password: "pass phrase for viewer").status == .ok)
            let admin = try await client.json(
                .post, "/api/v1/auth/login", ["email": f.admin.email, "password": "pass phrase for admin"])
            #expect(admin.status == .accepted)
            #expect(admin.body["status"] as? String == "mfa_enrolment_required")
            let token = try #require(admin.body["mfa_token"] as? String)
            // The enrolment token is not a verification token.
            let crossed = try await client.json(.post, "/api/v1/auth/mfa/verify", ["mfa_token": token, "code": "123456"])
            #expect(crossed.body["code"] as? String == "invalid_mfa_token")
            let enrolment = try await client.json(.post, "/api/v1/auth/mfa/enrol", ["mfa_token": token])
            #expect(enrolment.status == .ok)
            let secret = try #require(enrolment.body["secret"] as? String)
            let done = try await client.json(
                .post, "/api/v1/auth/mfa/enrol/confirm", ["mfa_token": token, "code": try pyotpCode(secret)])
            #expect(done.status == .ok, "\(done.raw)")
            #expect((done.body["recovery_codes"] as? [String])?.count == 10)
            #expect(done.body["role"] as? String == "admin")
            // From now on the admin signs in with a code.
            let next = try await client.json(
                .post, "/api/v1/auth/login", ["email": f.admin.email, "password": "pass phrase for admin"])
            #expect(next.body["status"] as? String == "mfa_required")

            // "everyone": a member of two tenants cannot switch into this one without a factor.
            _ = try await client.json(.patch, "/api/v1/tenant", ["settings": ["mfa_policy": "everyone"]], token: f.ownerToken)
            let other = try await client.register()
            let added = try await client.json(
                .post, "/api/v1/members", ["email": other.email, "role": "member"], token: f.ownerToken)
            #expect(added.status == .created)
            let both = try await client.login(email: other.email, password: other.password)
            let tenantless = try #require(both.accessToken)
            let switched = try await client.json(
                .post, "/api/v1/auth/switch-tenant", ["tenant_slug": f.owner.tenantSlug], token: tenantless)
            #expect(switched.status == .forbidden)
            #expect(switched.body["code"] as? String == "mfa_enrolment_required")
            _ = try await client.enableTOTP(token: tenantless)
            let allowed = try await client.json(
                .post, "/api/v1/auth/switch-tenant", ["tenant_slug": f.owner.tenantSlug], token: tenantless)
            #expect(allowed.status == .ok)
        }
    }

    @Test(
        "turning MFA off or replacing recovery codes needs an authentication of the last five minutes",
        arguments: TestDatabase.all)
    func freshAuthentication(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let (secret, _) = try await client.enableTOTP(token: owner.accessToken)
            // The sign-in was six minutes ago.
            try await context.database.database.withGlobal { scope in
                try await scope.sql.raw(
                    "UPDATE sessions SET created_at = \(bind: Date().addingTimeInterval(-360)) WHERE id = \(bind: try #require(UUID(uuidString: owner.sessionID)))"
                ).run()
            }
            for (method, path) in [
                (HTTPRequest.Method.delete, "/api/v1/me/mfa/totp"), (.post, "/api/v1/me/mfa/recovery-codes"),
                (.post, "/api/v1/me/mfa/totp"),
            ] {
                let refused = try await client.json(method, path, token: owner.accessToken)
                #expect(refused.status == .forbidden, "\(path)")
                #expect(refused.body["code"] as? String == "reauthentication_required", "\(path)")
            }
            let wrongPassword = try await client.json(
                .post, "/api/v1/auth/reauthenticate", ["password": "not it at all"], token: owner.accessToken)
            #expect(wrongPassword.status == .unprocessableContent)
            let neither = try await client.json(.post, "/api/v1/auth/reauthenticate", [:], token: owner.accessToken)
            #expect(neither.status == .unprocessableContent)
            let byCode = try await client.json(
                .post, "/api/v1/auth/reauthenticate", ["code": try pyotpCode(secret, offset: 1)], token: owner.accessToken)
            #expect(byCode.status == .noContent)
            let regenerated = try await client.json(.post, "/api/v1/me/mfa/recovery-codes", token: owner.accessToken)
            #expect(regenerated.status == .ok)
            let codes = try #require(regenerated.body["recovery_codes"] as? [String])
            // A password reset leaves the factor on.
            _ = try await client.json(.post, "/api/v1/auth/forgot-password", ["email": owner.email])
            let reset = try #require(try await queuedEmails(context).last { $0.subject.contains("Reset") })
            let done = try await client.json(
                .post, "/api/v1/auth/reset-password",
                ["token": try #require(linkToken(in: reset)), "password": "a brand new pass phrase"])
            #expect(done.status == .ok)
            let login = try await client.json(
                .post, "/api/v1/auth/login", ["email": owner.email, "password": "a brand new pass phrase"])
            #expect(login.body["status"] as? String == "mfa_required")
            let signedIn = try await client.json(
                .post, "/api/v1/auth/mfa/verify",
                ["mfa_token": try #require(login.body["mfa_token"] as? String), "code": codes[1]])
            let access = try #require((signedIn.body["tokens"] as? [String: Any])?["access_token"] as? String)
            // A fresh sign-in may turn the factor off; then the password alone is enough again.
            #expect(try await client.json(.delete, "/api/v1/me/mfa/totp", token: access).status == .noContent)
            #expect(try await client.login(email: owner.email, password: "a brand new pass phrase").status == .ok)
            #expect(try await client.json(.delete, "/api/v1/me/mfa/totp", token: access).status == .conflict)
        }
    }
}
