import Foundation
import TenantryApplication
import TenantryCore
import Testing

@Suite("Invitations")
struct InvitationServiceTests {
    let seeded: SeededTenant
    let authority: AccessTokenAuthority
    let invitations: InvitationService
    let invitee: EmailAddress

    init() async throws {
        seeded = try SeededTenant()
        authority = try await TestIdentity.authority()
        invitations = InvitationService(
            database: seeded.store, authority: authority, hashing: TestIdentity.hashing,
            emailedTokens: TestIdentity.emailedTokens)
        invitee = try EmailAddress("ivy@acme.example")
    }

    /// Invites ``invitee`` as a member and returns the invitation with the token its email carries.
    func invite() async throws -> (Invitation, token: String) {
        let invitation = try await invitations.create(
            seeded.asAdmin, email: invitee, role: .builtIn(.member), origin: SeededTenant.origin)
        let email = try #require(try seeded.emails().last)
        return (invitation, try #require(linkToken(in: email.textBody)))
    }

    func acceptAsNewcomer(_ token: String) async throws -> InvitationService.Acceptance {
        try await invitations.accept(
            token: token, acceptor: .init(name: "Ivy Invitee", password: "violet harbour lantern 42"),
            origin: SeededTenant.origin)
    }

    @Test("creating an invitation emails a link and records invitation.created")
    func create() async throws {
        let (invitation, token) = try await invite()

        #expect(seeded.store.state.invitations[invitation.id] == invitation)
        #expect(seeded.store.state.invitationTokens[SecretToken.digest(token)] == invitation.id)
        #expect(invitation.invitedBy == seeded.admin.id)
        let email = try #require(try seeded.emails().only)
        #expect(email.to == invitee)
        #expect(email.textBody.contains("https://tenantry.example/accept-invitation?token=\(token)"))
        let event = try #require(seeded.events.only)
        #expect(event.type == .invitationCreated)
        #expect(event.target?.id == invitation.id.description)
        #expect(event.after("email") == invitee.rawValue)
        #expect(event.after("role") == "member")
        #expect(event.after("status") == "pending")
    }

    @Test("an admin cannot invite someone as an owner")
    func adminCannotInviteOwner() async throws {
        let code = await errorCode {
            _ = try await invitations.create(
                seeded.asAdmin, email: invitee, role: .builtIn(.owner), origin: SeededTenant.origin)
        }
        #expect(code == .forbidden)
        #expect(seeded.store.state.invitations.isEmpty)
        #expect(try seeded.emails().isEmpty)
        #expect(seeded.events.isEmpty)
    }

    @Test("a new person accepting gets an account, a membership and a signed-in session")
    func acceptByNewPerson() async throws {
        let (invitation, token) = try await invite()

        let acceptance = try await acceptAsNewcomer(token)

        let state = seeded.store.state
        let user = try #require(state.users[acceptance.user.id])
        #expect(user.email == invitee)
        #expect(user.name == "Ivy Invitee")
        let hash = try #require(state.passwordHashes[user.id])
        #expect(try await TestIdentity.hashing.verify("violet harbour lantern 42", against: hash))
        #expect(seeded.membership(of: user)?.role == .member)
        #expect(state.invitations[invitation.id]?.acceptedBy == user.id)

        let tokens = try #require(acceptance.tokens)
        let session = try #require(state.sessions[tokens.sessionID])
        #expect(session.userID == user.id)
        #expect(session.activeTenantID == seeded.tenant.id)
        let refreshToken = try #require(tokens.refreshToken)
        #expect(state.refreshTokens[SecretToken.digest(refreshToken)]?.sessionID == session.id)
        let identity = try await authority.verify(tokens.accessToken)
        #expect(identity.userID == user.id)
        #expect(identity.sessionID == session.id)
        #expect(identity.tenantID == seeded.tenant.id)
        #expect(identity.roles == ["member"])

        #expect(seeded.events.map(\.type) == [.invitationCreated, .invitationAccepted])
        let accepted = try #require(seeded.events.last)
        #expect(accepted.actor == .user(user.id))
        #expect(accepted.after("member") == user.id.description)
        #expect(accepted.after("status") == "accepted")
    }

    @Test("an expired invitation is refused")
    func expiredRefused() async throws {
        let (invitation, token) = try await invite()
        seeded.store.seed { $0.invitations[invitation.id]?.expiresAt = Date().addingTimeInterval(-1) }

        let code = await errorCode { _ = try await acceptAsNewcomer(token) }
        #expect(code == .invalidInvitation)
        #expect(seeded.store.state.users.values.allSatisfy { $0.email != invitee })
        #expect(seeded.store.state.sessions.isEmpty)
        #expect(seeded.events.map(\.type) == [.invitationCreated])
    }

    @Test("a revoked invitation is refused, and the revocation is recorded")
    func revokedRefused() async throws {
        let (invitation, token) = try await invite()
        try await invitations.revoke(seeded.asAdmin, id: invitation.id, origin: SeededTenant.origin)

        let code = await errorCode { _ = try await acceptAsNewcomer(token) }
        #expect(code == .invalidInvitation)
        #expect(seeded.store.state.users.values.allSatisfy { $0.email != invitee })
        #expect(seeded.store.state.sessions.isEmpty)
        #expect(seeded.events.map(\.type) == [.invitationCreated, .invitationRevoked])
        #expect(seeded.events.last?.after("status") == "revoked")
    }
}
