import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Identity flows")
struct IdentityFlowTests {
    @Test("register creates tenant, owner and session, and queues a verification email", arguments: TestDatabase.all)
    func register(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register(email: "ada@example.org", tenantName: "Acme Corp.")
            #expect(owner.tenantSlug == "acme-corp")
            let me = try await client.json(.get, "/api/v1/me", token: owner.accessToken)
            #expect(me.status == .ok)
            #expect(me.body["role"] as? String == "owner")
            #expect((me.body["user"] as? [String: Any])?["email"] as? String == "ada@example.org")
            #expect((me.body["user"] as? [String: Any])?["email_verified"] as? Bool == false)
            let emails = try await queuedEmails(context)
            #expect(emails.count == 1)
            #expect(emails.first?.to.rawValue == "ada@example.org")
            #expect(emails.first?.subject.contains("Acme Corp.") == true)
            #expect(linkToken(in: try #require(emails.first)) != nil)
            let audit = try await context.database.database.withTenant(try #require(TenantID(owner.tenantID))) { scope in
                try await scope.auditEvents.list(PageRequest()).items.map(\.action)
            }
            #expect(audit.contains("auth.registered"))
        }
    }

    @Test("a taken email or slug is 409 naming the field; invalid input is 422 naming every field", arguments: TestDatabase.all)
    func registerRejections(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register(email: "taken@example.org", tenantName: "Taken Inc")
            let sameEmail = try await client.json(
                .post, "/api/v1/auth/register",
                ["email": "TAKEN@example.org", "password": "another long passphrase", "name": "B", "tenant_name": "Other"]
            )
            #expect(sameEmail.status == .conflict)
            #expect(((sameEmail.body["errors"] as? [[String: Any]])?.first?["field"] as? String) == "email")
            let sameSlug = try await client.json(
                .post, "/api/v1/auth/register",
                [
                    "email": "new@example.org", "password": "another long passphrase", "name": "B", "tenant_name": "X",
                    "tenant_slug": owner.tenantSlug,
                ]
            )
            #expect(sameSlug.status == .conflict)
            #expect(((sameSlug.body["errors"] as? [[String: Any]])?.first?["field"] as? String) == "tenant_slug")

            let invalid = try await client.json(
                .post, "/api/v1/auth/register",
                ["email": "not-an-email", "password": "password1", "name": " ", "tenant_name": "Y", "tenant_slug": "Bad Slug"]
            )
            #expect(invalid.status == .unprocessableContent)
            let fields = Set(((invalid.body["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["email", "password", "name", "tenant_slug"])
            let short = try await client.json(
                .post, "/api/v1/auth/register",
                ["email": "s@example.org", "password": "short", "name": "S", "tenant_name": "Short"]
            )
            #expect(((short.body["errors"] as? [[String: Any]])?.first?["code"] as? String) == "too_short")

            // No slug given: one is derived from the name, accents dropped, or generated when
            // the name has nothing to derive one from.
            let accented = try await client.json(
                .post, "/api/v1/auth/register",
                ["email": "sp@example.org", "password": "another long passphrase", "name": "S", "tenant_name": "São Paulo"])
            #expect(accented.status == .created)
            #expect((accented.body["tenant"] as? [String: Any])?["slug"] as? String == "sao-paulo")
            let symbols = try await client.json(
                .post, "/api/v1/auth/register",
                ["email": "sym@example.org", "password": "another long passphrase", "name": "S", "tenant_name": "!!!"])
            #expect(symbols.status == .created)
            let generated = try #require((symbols.body["tenant"] as? [String: Any])?["slug"] as? String)
            #expect(generated.hasPrefix("tenant-"))
        }
    }

    @Test("passwords are never truncated: a 128-character password differs from its prefix", arguments: TestDatabase.all)
    func longPasswords(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let long = String(repeating: "ä", count: 100) + String(repeating: "x", count: 28)
            let owner = try await client.register(email: "long@example.org", password: long)
            #expect(try await client.login(email: owner.email, password: long).status == .ok)
            #expect(try await client.login(email: owner.email, password: String(long.dropLast())).status == .unauthorized)
            let tooLong = try await client.json(
                .post, "/api/v1/auth/register",
                ["email": "l2@example.org", "password": long + "y", "name": "L", "tenant_name": "Long"]
            )
            #expect(((tooLong.body["errors"] as? [[String: Any]])?.first?["code"] as? String) == "too_long")
        }
    }

    @Test("unknown email and wrong password get the same answer", arguments: TestDatabase.all)
    func noEnumerationOnLogin(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let wrong = try await client.json(
                .post, "/api/v1/auth/login", ["email": owner.email, "password": "not the password"])
            let unknown = try await client.json(
                .post, "/api/v1/auth/login", ["email": "nobody@example.org", "password": "not the password"])
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == wrong.status)
            var a = wrong.body, b = unknown.body
            a["request_id"] = nil
            b["request_id"] = nil
            #expect(NSDictionary(dictionary: a).isEqual(to: b))
            #expect(a["code"] as? String == "invalid_credentials")
        }
    }

    @Test(
        "refresh rotates; a replay inside the grace window works once, after that the session is revoked",
        arguments: TestDatabase.all)
    func rotationAndReuse(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let first = try await client.refresh(owner.refreshToken)
            #expect(first.status == .ok)
            let rotated = try #require(first.refreshToken)
            #expect(rotated != owner.refreshToken)

            // The response was "lost": the client retries with the old token inside the window.
            let retry = try await client.refresh(owner.refreshToken)
            #expect(retry.status == .ok)
            let current = try #require(retry.refreshToken)
            // The pair handed out before the retry no longer renews: only one family lives.
            #expect(try await liveRefreshTokens(context, session: owner.sessionID) == 1)

            // A second replay of the original token is theft: the whole session ends.
            let replay = try await client.refresh(owner.refreshToken)
            #expect(replay.status == .unauthorized)
            #expect(replay.body["code"] as? String == "invalid_refresh_token")
            #expect(try await client.refresh(current).status == .unauthorized)
            #expect(try await client.meStatus(try #require(retry.accessToken)) == .unauthorized)
            let audit = try await context.database.database.withTenant(try #require(TenantID(owner.tenantID))) { scope in
                try await scope.auditEvents.list(PageRequest(limit: 200)).items.map(\.action)
            }
            #expect(audit.contains("auth.refresh_token_reused"))
        }
    }

    @Test("with a zero grace period any reuse revokes the session", arguments: TestDatabase.all)
    func strictReuse(engine: TestDatabase) async throws {
        try await withTestApplication(engine, configure: { $0.refreshGracePeriod = 0 }) { client, _ in
            let owner = try await client.register()
            let next = try await client.refresh(owner.refreshToken)
            #expect(next.status == .ok)
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await client.refresh(owner.refreshToken).status == .unauthorized)
            #expect(try await client.refresh(try #require(next.refreshToken)).status == .unauthorized)
        }
    }

    @Test("concurrent refreshes with one token never leave two live tokens", arguments: TestDatabase.all)
    func concurrentRefresh(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<4 { group.addTask { try await client.refresh(owner.refreshToken).status } }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.contains(.ok))
            let live = try await liveRefreshTokens(context, session: owner.sessionID)
            // Either one family lives on, or (more than one replay) the session was revoked.
            let revoked = try await sessionRevoked(context, session: owner.sessionID)
            #expect(live == 1 || revoked, "live tokens: \(live)")
            #expect(live <= 1)
        }
    }

    @Test("logout rejects the access token on the next request and ends the refresh token", arguments: TestDatabase.all)
    func logout(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            #expect(try await client.meStatus(owner.accessToken) == .ok)
            let out = try await client.json(.post, "/api/v1/auth/logout", token: owner.accessToken)
            #expect(out.status == .noContent)
            let after = try await client.json(.get, "/api/v1/me", token: owner.accessToken)
            #expect(after.status == .unauthorized)
            #expect(after.body["code"] as? String == "invalid_token")
            #expect(after.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            #expect(try await client.refresh(owner.refreshToken).status == .unauthorized)
        }
    }

    @Test("logout-all ends every session of the user", arguments: TestDatabase.all)
    func logoutAll(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let second = try await client.login(email: owner.email, password: owner.password)
            let token2 = try #require(second.accessToken)
            #expect(try await client.json(.post, "/api/v1/auth/logout-all", token: owner.accessToken).status == .noContent)
            #expect(try await client.meStatus(owner.accessToken) == .unauthorized)
            #expect(try await client.meStatus(token2) == .unauthorized)
            #expect(try await client.refresh(try #require(second.refreshToken)).status == .unauthorized)
        }
    }

    @Test("a password change ends other sessions but not the current one", arguments: TestDatabase.all)
    func passwordChange(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let other = try await client.login(email: owner.email, password: owner.password)
            let wrong = try await client.json(
                .post, "/api/v1/me/password", ["current_password": "nope nope nope", "new_password": "a brand new passphrase"],
                token: owner.accessToken
            )
            #expect(wrong.status == .unprocessableContent)
            #expect(((wrong.body["errors"] as? [[String: Any]])?.first?["field"] as? String) == "current_password")
            let changed = try await client.json(
                .post, "/api/v1/me/password", ["current_password": owner.password, "new_password": "a brand new passphrase"],
                token: owner.accessToken
            )
            #expect(changed.status == .noContent)
            #expect(try await client.meStatus(owner.accessToken) == .ok)
            #expect(try await client.meStatus(try #require(other.accessToken)) == .unauthorized)
            #expect(try await client.login(email: owner.email, password: owner.password).status == .unauthorized)
            #expect(try await client.login(email: owner.email, password: "a brand new passphrase").status == .ok)
        }
    }

    @Test("sessions are listed with the current one marked, and one can be revoked", arguments: TestDatabase.all)
    func sessions(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let other = try await client.login(email: owner.email, password: owner.password)
            let list = try await client.json(.get, "/api/v1/me/sessions", token: owner.accessToken)
            let items = try #require(list.body["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(items.filter { $0["current"] as? Bool == true }.map { $0["id"] as? String } == [owner.sessionID])
            let otherID = try #require(items.first { $0["current"] as? Bool == false }?["id"] as? String)
            #expect(
                try await client.json(.delete, "/api/v1/me/sessions/\(otherID)", token: owner.accessToken).status == .noContent)
            #expect(try await client.meStatus(try #require(other.accessToken)) == .unauthorized)
            #expect(
                try await client.json(.delete, "/api/v1/me/sessions/\(otherID)", token: owner.accessToken).status == .notFound)

            // Another user's session id is not found, never revoked.
            let stranger = try await client.register()
            let attempt = try await client.json(.delete, "/api/v1/me/sessions/\(stranger.sessionID)", token: owner.accessToken)
            #expect(attempt.status == .notFound)
            #expect(try await client.meStatus(stranger.accessToken) == .ok)
            #expect(
                try await client.json(.delete, "/api/v1/me/sessions/not-a-uuid", token: owner.accessToken).status == .notFound)
        }
    }

    @Test("PATCH /me changes name and locale, validating both", arguments: TestDatabase.all)
    func profile(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let updated = try await client.json(
                .patch, "/api/v1/me", ["name": "Ada L.", "locale": "pt-BR"], token: owner.accessToken)
            #expect(updated.status == .ok)
            #expect(updated.body["name"] as? String == "Ada L.")
            #expect(updated.body["locale"] as? String == "pt-BR")
            let cleared = try await client.json(.patch, "/api/v1/me", ["locale": NSNull()], token: owner.accessToken)
            #expect(cleared.body["locale"] == nil)
            let bad = try await client.json(
                .patch, "/api/v1/me", ["name": "", "locale": "not a locale"], token: owner.accessToken)
            #expect(bad.status == .unprocessableContent)
            #expect(
                Set(((bad.body["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String }) == ["name", "locale"])
        }
    }

    @Test(
        "a user of several tenants gets a tenant-less token, then switches tenant in the same session",
        arguments: TestDatabase.all)
    func multiTenant(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let second = try Fixtures.tenant(name: "Second")
            let userID = try #require(UserID(owner.userID))
            try await context.database.database.withTenant(second.id) { scope in
                try await scope.tenants.create(second)
                _ = try await scope.memberships.create(userID: userID, role: .viewer, at: Date())
            }
            let login = try await client.login(email: owner.email, password: owner.password)
            #expect(login.status == .ok)
            #expect(login.body["tenant"] == nil)
            #expect((login.body["tenants"] as? [[String: Any]])?.count == 2)
            let tenantless = try #require(login.accessToken)
            let me = try await client.json(.get, "/api/v1/me", token: tenantless)
            #expect(me.body["tenant"] == nil)

            let switched = try await client.json(
                .post, "/api/v1/auth/switch-tenant", ["tenant_slug": second.slug.rawValue], token: tenantless)
            #expect(switched.status == .ok)
            #expect(switched.body["role"] as? String == "viewer")
            let token = try #require(switched.body["access_token"] as? String)
            let meAfter = try await client.json(.get, "/api/v1/me", token: token)
            #expect((meAfter.body["tenant"] as? [String: Any])?["id"] as? String == second.id.description)
            #expect(meAfter.body["session_id"] as? String == me.body["session_id"] as? String)
            // The session now refreshes into the chosen tenant.
            let refreshed = try await client.refresh(try #require(login.refreshToken))
            #expect((refreshed.body["tenant"] as? [String: Any])?["id"] as? String == second.id.description)

            let direct = try await client.login(email: owner.email, password: owner.password, tenantSlug: owner.tenantSlug)
            #expect((direct.body["tenant"] as? [String: Any])?["id"] as? String == owner.tenantID)
            let notMine = try await client.json(
                .post, "/api/v1/auth/switch-tenant", ["tenant_slug": "no-such-tenant"], token: token)
            #expect(notMine.status == .notFound)
        }
    }

    @Test("the emailed link verifies the address once", arguments: TestDatabase.all)
    func verifyEmail(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let token = try #require(try await queuedEmails(context).first.flatMap(linkToken))
            #expect(try await client.json(.post, "/api/v1/auth/verify-email", ["token": token]).status == .ok)
            let me = try await client.json(.get, "/api/v1/me", token: owner.accessToken)
            #expect((me.body["user"] as? [String: Any])?["email_verified"] as? Bool == true)
            let again = try await client.json(.post, "/api/v1/auth/verify-email", ["token": token])
            #expect(again.status == .badRequest)
            #expect(again.body["code"] as? String == "invalid_or_expired_token")
            #expect(try await client.json(.post, "/api/v1/auth/verify-email", ["token": "made-up"]).status == .badRequest)
        }
    }

    @Test("forgot-password and resend answer the same for known and unknown emails", arguments: TestDatabase.all)
    func noEnumerationOnRecovery(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            for path in ["/api/v1/auth/forgot-password", "/api/v1/auth/verify-email/resend"] {
                let known = try await client.json(.post, path, ["email": owner.email])
                let unknown = try await client.json(.post, path, ["email": "ghost@example.org"])
                #expect(known.status == .accepted)
                #expect(known.status == unknown.status)
                #expect(known.raw == unknown.raw, "\(path)")
                let malformed = try await client.json(.post, path, ["email": "not an address"])
                #expect(malformed.status == .unprocessableContent, "\(path)")
                #expect((malformed.body["errors"] as? [[String: Any]])?.first?["field"] as? String == "email")
            }
            let emails = try await queuedEmails(context)
            #expect(emails.map(\.to.rawValue).allSatisfy { $0 == owner.email.lowercased() })
            #expect(emails.count == 3)
        }
    }

    @Test(
        "forgot-password does the same work for a registered and an unknown address before answering, and takes as long",
        arguments: TestDatabase.all)
    func recoveryTimingTellsNothing(engine: TestDatabase) async throws {
        var limits = AttemptLimits()
        limits.registrationsPerIPPerHour = 10_000
        try await withTestApplication(engine, limits: limits) { client, context in
            var known: [String] = []
            for _ in 0..<20 { known.append(try await client.register().email) }
            // Drop the sign-up emails, so that only what the recovery requests queue is counted.
            _ = try await queuedEmails(context)
            try await context.database.database.withGlobal { scope in
                try await scope.sql.raw("DELETE FROM jobs WHERE queue = 'email'").run()
            }
            let clock = ContinuousClock()
            var knownTimes: [Duration] = []
            var unknownTimes: [Duration] = []
            // Interleaved, so that whatever else the machine does weighs on both alike; each known
            // address asked once (before the per-account limit), as an outsider probing would.
            for (index, email) in known.enumerated() {
                // Which goes first alternates, so that neither kind always follows the other.
                let pair = [(email, true), ("nobody-\(index)@example.org", false)]
                for (address, isKnown) in index.isMultiple(of: 2) ? pair : pair.reversed() {
                    let start = clock.now
                    let answer = try await client.json(.post, "/api/v1/auth/forgot-password", ["email": address])
                    let took = start.duration(to: clock.now)
                    #expect(answer.status == .accepted)
                    if isKnown { knownTimes.append(took) } else { unknownTimes.append(took) }
                }
                // Nothing is sent before the answer, for either address.
                let sentBeforeJobs = try await context.database.database.withGlobal { scope in
                    try await scope.sql.raw("SELECT COUNT(*) AS n FROM jobs WHERE queue = 'email'").first(
                        decodingColumn: "n", as: Int.self)
                }
                #expect(sentBeforeJobs == 0)
            }
            let queued = try await context.database.database.withGlobal { scope in
                try await scope.sql.raw("SELECT COUNT(*) AS n FROM jobs WHERE queue = 'account_recovery'").first(
                    decodingColumn: "n", as: Int.self)
            }
            #expect(queued == known.count * 2)
            // The queued requests then send one email per registered address, none for the others.
            let emails = try await queuedEmails(context)
            #expect(Set(emails.map(\.to.rawValue)) == Set(known.map { $0.lowercased() }))
            // The same work takes the same time. Before the lookup moved off the request path, a
            // registered address took 2 to 3 times as long. Each known request is compared with
            // the unknown one sent right next to it, so both met the same load (other suites run
            // at the same time), and the median of those ratios is taken: one stall on either side
            // moves it little.
            func seconds(_ time: Duration) -> Double {
                Double(time.components.seconds) + Double(time.components.attoseconds) / 1e18
            }
            let ratios = zip(knownTimes, unknownTimes).map { seconds($0) / seconds($1) }.sorted()
            let ratio = ratios[ratios.count / 2]
            #expect(ratio > 0.5 && ratio < 2.0, "median known/unknown ratio \(ratio) of \(ratios)")
        }
    }

    @Test("a reset link sets a new password once and ends every session", arguments: TestDatabase.all)
    func resetPassword(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            _ = try await client.json(.post, "/api/v1/auth/forgot-password", ["email": owner.email])
            let reset = try #require(try await queuedEmails(context).last)
            #expect(reset.subject.contains("Reset"))
            let token = try #require(linkToken(in: reset))
            let weak = try await client.json(.post, "/api/v1/auth/reset-password", ["token": token, "password": "password123"])
            #expect(weak.status == .unprocessableContent)
            let done = try await client.json(
                .post, "/api/v1/auth/reset-password", ["token": token, "password": "a fresh long passphrase"])
            #expect(done.status == .ok)
            #expect(try await client.meStatus(owner.accessToken) == .unauthorized)
            #expect(try await client.login(email: owner.email, password: "a fresh long passphrase").status == .ok)
            #expect(
                try await client.json(
                    .post, "/api/v1/auth/reset-password", ["token": token, "password": "yet another passphrase"]
                ).status == .badRequest)
        }
    }

    @Test("failed sign-ins are throttled per account with 429 and Retry-After", arguments: TestDatabase.all)
    func throttling(engine: TestDatabase) async throws {
        var limits = AttemptLimits()
        limits.failedSignInsPerAccountPerHour = 3
        try await withTestApplication(engine, limits: limits) { client, _ in
            let owner = try await client.register()
            for _ in 0..<3 {
                #expect(try await client.login(email: owner.email, password: "wrong password!").status == .unauthorized)
            }
            let blocked = try await client.json(.post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password])
            #expect(blocked.status == .tooManyRequests)
            #expect(blocked.body["code"] as? String == "rate_limited")
            #expect(Int(blocked.headers[.retryAfter] ?? "") ?? 0 > 0)
        }
    }

    @Test("browser mode keeps the refresh token in an httpOnly cookie guarded by a CSRF token", arguments: TestDatabase.all)
    func cookieMode(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let login = try await client.json(
                .post, "/api/v1/auth/login",
                ["email": owner.email, "password": owner.password, "refresh_token_delivery": "cookie"]
            )
            #expect(login.status == .ok)
            #expect((login.body["tokens"] as? [String: Any])?["refresh_token"] == nil)
            let cookies = login.headers[values: .setCookie]
            let refreshCookie = try #require(cookies.first { $0.hasPrefix("tenantry_refresh=") })
            #expect(refreshCookie.contains("HttpOnly"))
            #expect(refreshCookie.contains("SameSite=Strict"))
            #expect(refreshCookie.contains("Path=/api/v1/auth"))
            let refreshValue = String(refreshCookie.dropFirst("tenantry_refresh=".count).prefix { $0 != ";" })
            let csrfCookie = try #require(cookies.first { $0.hasPrefix("tenantry_csrf=") })
            #expect(!csrfCookie.contains("HttpOnly"))
            let csrf = String(csrfCookie.dropFirst("tenantry_csrf=".count).prefix { $0 != ";" })

            let cookieHeader = "tenantry_refresh=\(refreshValue); tenantry_csrf=\(csrf)"
            let missingCSRF = try await client.json(.post, "/api/v1/auth/refresh", headers: [.cookie: cookieHeader])
            #expect(missingCSRF.status == .forbidden)
            let wrongCSRF = try await client.json(
                .post, "/api/v1/auth/refresh", headers: [.cookie: cookieHeader, AuthControllerHeaders.csrf: "guess"]
            )
            #expect(wrongCSRF.status == .forbidden)
            let refreshed = try await client.json(
                .post, "/api/v1/auth/refresh", headers: [.cookie: cookieHeader, AuthControllerHeaders.csrf: csrf]
            )
            #expect(refreshed.status == .ok, "\(refreshed.raw)")
            #expect((refreshed.body["tokens"] as? [String: Any])?["refresh_token"] == nil)
            #expect(
                refreshed.headers[values: .setCookie].contains {
                    $0.hasPrefix("tenantry_refresh=") && !$0.hasPrefix("tenantry_refresh=;")
                })
        }
    }

    @Test("requests without a valid bearer token are 401 with WWW-Authenticate", arguments: TestDatabase.all)
    func unauthenticated(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let missing = try await client.json(.get, "/api/v1/me")
            #expect(missing.status == .unauthorized)
            #expect(missing.body["code"] as? String == "unauthenticated")
            #expect(missing.headers[.wwwAuthenticate] != nil)
            let basic = try await client.json(.get, "/api/v1/me", headers: [.authorization: "Basic YTpi"])
            #expect(basic.status == .unauthorized)
            let garbage = try await client.json(.get, "/api/v1/me", token: "not.a.jwt")
            #expect(garbage.status == .unauthorized)
            #expect(garbage.body["code"] as? String == "invalid_token")
        }
    }

    private func liveRefreshTokens(_ context: TestApplicationContext, session: String) async throws -> Int {
        let id = try #require(UUID(uuidString: session))
        return try await context.database.database.withGlobal { scope in
            try await scope.sql.raw(
                "SELECT count(*) AS n FROM refresh_tokens WHERE session_id = \(bind: id) AND rotated_at IS NULL"
            ).first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    private func sessionRevoked(_ context: TestApplicationContext, session: String) async throws -> Bool {
        let id = try #require(SessionID(session))
        return try await context.database.database.withGlobal { scope in
            try await scope.sessions.find(id: id)?.revokedAt != nil
        }
    }
}

enum AuthControllerHeaders {
    static let csrf = HTTPField.Name("X-CSRF-Token")!
}

@Suite("Disabled users")
struct DisabledUserTests {
    @Test("disabling a user rejects their live access tokens at once and refuses sign-in", arguments: TestDatabase.all)
    func disable(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            #expect(try await client.meStatus(owner.accessToken) == .ok)
            let service = UseCases(context.identity).platform
            try await service.setUserStatus(try #require(UserID(owner.userID)), to: .disabled, actor: .system, origin: .none)
            #expect(try await client.meStatus(owner.accessToken) == .unauthorized)
            #expect(try await client.refresh(owner.refreshToken).status == .unauthorized)
            let login = try await client.json(.post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password])
            #expect(login.status == .forbidden)
            try await service.setUserStatus(try #require(UserID(owner.userID)), to: .active, actor: .system, origin: .none)
            #expect(try await client.login(email: owner.email, password: owner.password).status == .ok)
        }
    }
}
