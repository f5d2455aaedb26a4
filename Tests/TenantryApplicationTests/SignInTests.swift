import Foundation
import TenantryApplication
import TenantryCore
import Testing

@Suite("Sign-in")
struct SignInTests {
    static let password = "copper kettle morning 7"

    let seeded: SeededTenant
    let authority: AccessTokenAuthority
    let identity: SignInService

    /// The owner of `seeded` has ``password``; two failed sign-ins per account are allowed.
    init(tenantStatus: Tenant.Status = .active) async throws {
        seeded = try SeededTenant(status: tenantStatus)
        authority = try await TestIdentity.authority()
        var limits = AttemptLimits()
        limits.failedSignInsPerAccountPerHour = 2
        identity = SignInService(
            database: seeded.store, authority: authority, hashing: TestIdentity.hashing, limiters: AttemptLimiters(limits))
        let hash = try await TestIdentity.hashing.hash(Self.password)
        let ownerID = seeded.owner.id
        seeded.store.seed { $0.passwordHashes[ownerID] = hash }
    }

    init() async throws {
        try await self.init(tenantStatus: .active)
    }

    func signIn(_ password: String, email: String? = nil) async throws -> SignInService.Result {
        let outcome = try await identity.signIn(
            email: email ?? seeded.owner.email.rawValue, password: password, tenantSlug: nil, origin: SeededTenant.origin)
        guard case .signedIn(let result) = outcome else {
            Issue.record("a second step was asked of a person without a second factor")
            throw CancellationError()
        }
        return result
    }

    @Test("the right password gives tokens for the member's tenant and a session")
    func rightPassword() async throws {
        let result = try await signIn(Self.password)

        #expect(result.user.id == seeded.owner.id)
        #expect(result.tenant?.tenant.id == seeded.tenant.id)
        #expect(result.tenant?.role == .owner)
        let state = seeded.store.state
        let session = try #require(state.sessions[result.tokens.sessionID])
        #expect(session.userID == seeded.owner.id)
        #expect(session.activeTenantID == seeded.tenant.id)
        let refreshToken = try #require(result.tokens.refreshToken)
        #expect(state.refreshTokens[SecretToken.digest(refreshToken)]?.sessionID == session.id)
        let claims = try await authority.verify(result.tokens.accessToken)
        #expect(claims.userID == seeded.owner.id)
        #expect(claims.sessionID == session.id)
        #expect(claims.tenantID == seeded.tenant.id)
        #expect(claims.roles == ["owner"])

        let event = try #require(seeded.events.only)
        #expect(event.type == .authLoginSucceeded)
        #expect(event.target?.id == session.id.description)
    }

    @Test("a wrong password is invalid_credentials, recorded, and counted until the limiter refuses")
    func wrongPassword() async throws {
        for _ in 0..<2 {
            let code = await errorCode { _ = try await signIn("not the password at all") }
            #expect(code == .invalidCredentials)
        }
        #expect(seeded.events.map(\.type) == [.authLoginFailed, .authLoginFailed])
        #expect(seeded.events.allSatisfy { $0.actor == .user(seeded.owner.id) })

        let code = await errorCode { _ = try await signIn(Self.password) }
        #expect(code == .rateLimited)
        #expect(seeded.store.state.sessions.isEmpty)
    }

    @Test("an unknown email is invalid_credentials, like a wrong password")
    func unknownEmail() async throws {
        let code = await errorCode { _ = try await signIn(Self.password, email: "nobody@acme.example") }
        #expect(code == .invalidCredentials)
        #expect(seeded.store.state.sessions.isEmpty)
        #expect(seeded.events.isEmpty)
    }

    @Test("a member of a suspended tenant cannot sign in to it")
    func suspendedTenant() async throws {
        let suspended = try await SignInTests(tenantStatus: .suspended)

        let code = await errorCode { _ = try await suspended.signIn(Self.password) }
        #expect(code == .tenantSuspended)
        #expect(suspended.seeded.store.state.sessions.isEmpty)
        #expect(suspended.seeded.events.isEmpty)
    }

    @Test("a disabled user cannot sign in, even with the right password")
    func disabledUser() async throws {
        let ownerID = seeded.owner.id
        seeded.store.seed { $0.users[ownerID]?.status = .disabled }

        let code = await errorCode { _ = try await signIn(Self.password) }
        #expect(code == .forbidden)
        #expect(seeded.store.state.sessions.isEmpty)
        #expect(seeded.events.isEmpty)
    }
}
