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

@Suite("Invitation flows")
struct InvitationFlowTests {
    static let invalidDetail = "The invitation is invalid, expired, revoked or already used."

    @Test("a new person is emailed a link, accepts with a password, signs in and sees the members", arguments: TestDatabase.all)
    func newPerson(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register(tenantName: "Invite Corp")
            let invited = try await client.invite(" New.Person@Example.com ", role: "member", token: owner.accessToken)
            #expect(invited.status == .created, "\(invited.raw)")
            #expect(invited.body["email"] as? String == "new.person@example.com")
            #expect(invited.body["status"] as? String == "pending")
            #expect(invited.body["role"] as? String == "member")
            #expect(invited.body["invited_by"] as? String == owner.userID)
            let id = try #require(invited.body["id"] as? String)

            let email = try #require(try await queuedEmails(context).last)
            #expect(email.to.rawValue == "new.person@example.com")
            #expect(email.subject.contains("Invite Corp"))
            #expect(email.textBody.contains("Owner invited you"))
            #expect(email.textBody.contains("\(context.configuration.resolvedPublicURL)/accept-invitation?token="))
            let token = try #require(linkToken(in: email))
            #expect(!invited.raw.contains(token))

            // A new person must choose a name and a password.
            let incomplete = try await client.json(.post, "/api/v1/invitations/accept", ["token": token])
            #expect(incomplete.status == .unprocessableContent)
            let fields = Set(((incomplete.body["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["name", "password"])
            let weak = try await client.acceptAsNewPerson(token, password: "short")
            #expect(weak.status == .unprocessableContent)

            let accepted = try await client.acceptAsNewPerson(token, name: "New Person", password: "a fine long passphrase")
            #expect(accepted.status == .created, "\(accepted.raw)")
            #expect(!accepted.raw.contains(token))
            #expect(accepted.body["role"] as? String == "member")
            #expect((accepted.body["tenant"] as? [String: Any])?["id"] as? String == owner.tenantID)
            let user = try #require(accepted.body["user"] as? [String: Any])
            #expect(user["email_verified"] as? Bool == true)
            let newID = try #require(user["id"] as? String)
            let access = try #require((accepted.body["tokens"] as? [String: Any])?["access_token"] as? String)
            let members = try await client.json(.get, "/api/v1/members", token: access)
            #expect(members.status == .ok)
            let memberIDs = Set(((members.body["items"] as? [[String: Any]]) ?? []).compactMap { $0["user_id"] as? String })
            #expect(memberIDs == [owner.userID, newID])

            let login = try await client.login(email: "new.person@example.com", password: "a fine long passphrase")
            #expect(login.status == .ok)
            let signedIn = try #require(login.accessToken)
            #expect(try await client.json(.get, "/api/v1/members", token: signedIn).status == .ok)

            // Used once: a second acceptance is 410.
            let again = try await client.acceptAsNewPerson(token)
            #expect(again.status == .gone)
            #expect(problemCode(again.body) == "invitation_invalid")

            let list = try await client.json(.get, "/api/v1/invitations", token: owner.accessToken)
            let item = try #require((list.body["items"] as? [[String: Any]])?.first { $0["id"] as? String == id })
            #expect(item["status"] as? String == "accepted")
            #expect(item["accepted_by"] as? String == newID)

            let created = try await auditEvents("invitation.created", in: owner.tenantID, context)
            #expect(created.first?.changes["email"] == .init(before: nil, after: "new.person@example.com"))
            #expect(created.first?.changes["role"] == .init(before: nil, after: "member"))
            let acceptedEvents = try await auditEvents("invitation.accepted", in: owner.tenantID, context)
            #expect(acceptedEvents.count == 1)
            let newUserID = try #require(UserID(newID))
            #expect(acceptedEvents.first?.actor == .user(newUserID))
            #expect(acceptedEvents.first?.changes["member"] == .init(before: nil, after: newID))
            // The token is in no audit event and stored only as its hash.
            let all = try await context.database.database.withTenant(try #require(TenantID(owner.tenantID))) { scope in
                try await scope.auditEvents.list(PageRequest(limit: 200)).items
            }
            #expect(!String(describing: all).contains(token))
            let stored = try await context.database.database.withTenant(try #require(TenantID(owner.tenantID))) { scope in
                try await scope.sql.raw(
                    "SELECT token_hash FROM invitations WHERE tenant_id = \(bind: try #require(UUID(uuidString: owner.tenantID)))"
                ).all().map { try $0.decode(column: "token_hash", as: String.self) }
            }
            #expect(stored == [SecretToken.digest(token)])
        }
    }

    @Test("a person with an account must be signed in as the invited address", arguments: TestDatabase.all)
    func existingPerson(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let invitee = try await client.register(email: "invitee@example.org")
            let bystander = try await client.register(email: "bystander@example.org")
            #expect(try await client.invite("invitee@example.org", role: "viewer", token: owner.accessToken).status == .created)
            let token = try #require(try await invitationToken(to: "invitee@example.org", context))

            let anonymous = try await client.acceptAsNewPerson(token)
            #expect(anonymous.status == .unauthorized)
            #expect(problemCode(anonymous.body) == "unauthenticated")
            let wrongUser = try await client.json(
                .post, "/api/v1/invitations/accept", ["token": token], token: bystander.accessToken)
            #expect(wrongUser.status == .forbidden)
            let badToken = try await client.json(.post, "/api/v1/invitations/accept", ["token": token], token: "not-a-jwt")
            #expect(badToken.status == .unauthorized)
            // None of the refusals used the invitation up.
            let accepted = try await client.json(
                .post, "/api/v1/invitations/accept", ["token": token], token: invitee.accessToken)
            #expect(accepted.status == .ok, "\(accepted.raw)")
            #expect(accepted.body["tokens"] == nil)
            #expect(accepted.body["role"] as? String == "viewer")
            #expect((accepted.body["user"] as? [String: Any])?["id"] as? String == invitee.userID)
            #expect((accepted.body["user"] as? [String: Any])?["email_verified"] as? Bool == true)

            let switched = try await client.json(
                .post, "/api/v1/auth/switch-tenant", ["tenant_slug": owner.tenantSlug], token: invitee.accessToken)
            #expect(switched.status == .ok, "\(switched.raw)")
            #expect(switched.body["role"] as? String == "viewer")
            let access = try #require(switched.body["access_token"] as? String)
            let members = try await client.json(.get, "/api/v1/members", token: access)
            let ids = Set(((members.body["items"] as? [[String: Any]]) ?? []).compactMap { $0["user_id"] as? String })
            #expect(ids == [owner.userID, invitee.userID])
            // The invitee's own tenant is untouched, and the bystander joined nothing.
            #expect(
                try await client.json(.get, "/api/v1/members/\(bystander.userID)", token: owner.accessToken).status
                    == .notFound)
        }
    }

    @Test("expired, revoked, used and unknown invitations all get the same 410", arguments: TestDatabase.all)
    func invalidInvitations(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let tenantUUID = try #require(UUID(uuidString: owner.tenantID))

            let expired = try await client.invite("expired@example.org", role: "member", token: owner.accessToken)
            let expiredText = try #require(expired.body["id"] as? String)
            let expiredID = try #require(UUID(uuidString: expiredText))
            try await context.database.database.withTenant(try #require(TenantID(owner.tenantID))) { scope in
                try await scope.sql.raw(
                    """
                    UPDATE invitations SET expires_at = \(bind: Date().addingTimeInterval(-60))
                    WHERE tenant_id = \(bind: tenantUUID) AND id = \(bind: expiredID)
                    """
                ).run()
            }
            let expiredToken = try #require(try await invitationToken(to: "expired@example.org", context))

            let revoked = try await client.invite("revoked@example.org", role: "member", token: owner.accessToken)
            let revokedID = try #require(revoked.body["id"] as? String)
            let revokedToken = try #require(try await invitationToken(to: "revoked@example.org", context))
            #expect(
                try await client.json(.delete, "/api/v1/invitations/\(revokedID)", token: owner.accessToken).status == .noContent)
            #expect(
                try await client.json(.delete, "/api/v1/invitations/\(revokedID)", token: owner.accessToken).status == .noContent)
            #expect(try await auditEvents("invitation.revoked", in: owner.tenantID, context).count == 1)

            _ = try await client.join(owner, role: "member", context: context, email: "used@example.org")
            let usedToken = try #require(try await invitationToken(to: "used@example.org", context))

            for token in [expiredToken, revokedToken, usedToken, SecretToken.generate(), ""] {
                let response = try await client.acceptAsNewPerson(token)
                #expect(response.status == .gone, "\(response.raw)")
                #expect(problemCode(response.body) == "invitation_invalid")
                #expect(response.body["detail"] as? String == Self.invalidDetail)
            }
            let list = try await client.json(.get, "/api/v1/invitations", token: owner.accessToken)
            let statuses = Dictionary(
                uniqueKeysWithValues: ((list.body["items"] as? [[String: Any]]) ?? []).compactMap { item in
                    (item["email"] as? String).map { ($0, item["status"] as? String ?? "") }
                })
            #expect(
                statuses == ["expired@example.org": "expired", "revoked@example.org": "revoked", "used@example.org": "accepted"])
            // Nobody joined through the dead links.
            let members = try await client.json(.get, "/api/v1/members", token: owner.accessToken)
            #expect((members.body["items"] as? [[String: Any]])?.count == 2)
            // A revoked invitation cannot be resent; an accepted one can be neither resent nor revoked.
            let resendRevoked = try await client.json(.post, "/api/v1/invitations/\(revokedID)/resend", token: owner.accessToken)
            #expect(resendRevoked.status == .gone)
            let usedID = try #require(
                ((list.body["items"] as? [[String: Any]]) ?? []).first { $0["email"] as? String == "used@example.org" }?["id"]
                    as? String)
            #expect(
                try await client.json(.post, "/api/v1/invitations/\(usedID)/resend", token: owner.accessToken).status == .conflict
            )
            #expect(try await client.json(.delete, "/api/v1/invitations/\(usedID)", token: owner.accessToken).status == .conflict)
        }
    }

    @Test("resending replaces the link and restarts the expiry, also for a lapsed invitation", arguments: TestDatabase.all)
    func resend(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let invited = try await client.invite("again@example.org", role: "member", token: owner.accessToken)
            let id = try #require(invited.body["id"] as? String)
            let firstToken = try #require(try await invitationToken(to: "again@example.org", context))
            try await context.database.database.withTenant(try #require(TenantID(owner.tenantID))) { scope in
                try await scope.sql.raw(
                    """
                    UPDATE invitations SET expires_at = \(bind: Date().addingTimeInterval(-60))
                    WHERE tenant_id = \(bind: try #require(UUID(uuidString: owner.tenantID)))
                        AND id = \(bind: try #require(UUID(uuidString: id)))
                    """
                ).run()
            }
            // While it has lapsed, a second invitation may be sent; the lapsed one then cannot be revived.
            let second = try await client.invite("again@example.org", role: "viewer", token: owner.accessToken)
            #expect(second.status == .created)
            let secondID = try #require(second.body["id"] as? String)
            let blocked = try await client.json(.post, "/api/v1/invitations/\(id)/resend", token: owner.accessToken)
            #expect(blocked.status == .conflict)
            #expect(
                try await client.json(.delete, "/api/v1/invitations/\(secondID)", token: owner.accessToken).status == .noContent)
            let resent = try await client.json(.post, "/api/v1/invitations/\(id)/resend", token: owner.accessToken)
            #expect(resent.status == .ok, "\(resent.raw)")
            #expect(resent.body["status"] as? String == "pending")
            let expiresAt = try #require(resent.body["expires_at"] as? String)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let expiry = try #require(formatter.date(from: expiresAt))
            #expect(expiry > Date().addingTimeInterval(Invitation.lifetime - 120))
            let secondToken = try #require(try await invitationToken(to: "again@example.org", context))  // the resent one
            #expect(secondToken != firstToken)
            #expect(try await queuedEmails(context).filter { $0.to.rawValue == "again@example.org" }.count == 3)
            #expect(!resent.raw.contains(secondToken))

            let old = try await client.acceptAsNewPerson(firstToken)
            #expect(old.status == .gone)
            let new = try await client.acceptAsNewPerson(secondToken)
            #expect(new.status == .created, "\(new.raw)")
            let events = try await auditEvents("invitation.resent", in: owner.tenantID, context)
            #expect(events.count == 1)
            #expect(events.first?.changes["expires_at"]?.after == expiresAt)
            #expect(events.first?.changes["expires_at"]?.before != expiresAt)
        }
    }

    @Test("who may invite whom: grant rules, members, duplicates, validation and read access", arguments: TestDatabase.all)
    func rules(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let admin = try await client.join(owner, role: "admin", context: context)
            let member = try await client.join(owner, role: "member", context: context)
            let viewer = try await client.join(owner, role: "viewer", context: context)

            let adminInvitesOwner = try await client.invite("boss@example.org", role: "owner", token: admin.accessToken)
            #expect(adminInvitesOwner.status == .forbidden)
            #expect(try await client.invite("boss@example.org", role: "owner", token: owner.accessToken).status == .created)
            #expect(try await client.invite("helper@example.org", role: "admin", token: admin.accessToken).status == .created)

            let existingMember = try await client.invite(member.email.uppercased(), role: "viewer", token: owner.accessToken)
            #expect(existingMember.status == .conflict)
            #expect((existingMember.body["errors"] as? [[String: Any]])?.first?["code"] as? String == "member")
            let duplicate = try await client.invite("helper@example.org", role: "viewer", token: owner.accessToken)
            #expect(duplicate.status == .conflict)
            #expect((duplicate.body["errors"] as? [[String: Any]])?.first?["code"] as? String == "invited")

            let invalid = try await client.invite("not-an-email", role: "emperor", token: owner.accessToken)
            #expect(invalid.status == .unprocessableContent)
            let fields = Set(((invalid.body["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["email", "role"])
            let unknownRole = try await client.invite("x@example.org", role: UUID().uuidString, token: owner.accessToken)
            #expect(unknownRole.status == .unprocessableContent)

            // A member reads invitations but cannot manage them; a viewer can do neither.
            #expect(try await client.json(.get, "/api/v1/invitations", token: member.accessToken).status == .ok)
            #expect(try await client.invite("y@example.org", role: "viewer", token: member.accessToken).status == .forbidden)
            #expect(try await client.json(.get, "/api/v1/invitations", token: viewer.accessToken).status == .forbidden)
            let listed = try await client.json(.get, "/api/v1/invitations", token: owner.accessToken)
            let pendingID = try #require(
                ((listed.body["items"] as? [[String: Any]]) ?? []).first { $0["email"] as? String == "boss@example.org" }?["id"]
                    as? String)
            for (method, path) in [
                (HTTPRequest.Method.post, "/api/v1/invitations/\(pendingID)/resend"),
                (.delete, "/api/v1/invitations/\(pendingID)"),
            ] {
                #expect(try await client.json(method, path, token: viewer.accessToken).status == .forbidden)
                #expect(try await client.json(method, path, token: member.accessToken).status == .forbidden)
            }
            // Resending an owner invitation needs the right to make owners.
            let adminResends = try await client.json(.post, "/api/v1/invitations/\(pendingID)/resend", token: admin.accessToken)
            #expect(adminResends.status == .forbidden)
            #expect(try await client.json(.get, "/api/v1/invitations").status == .unauthorized)
        }
    }

    @Test(
        "another tenant's invitation is 404 and stays usable; a deleted custom role is 409 at acceptance",
        arguments: TestDatabase.all)
    func isolationAndRoles(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let ownerA = try await client.register()
            let ownerB = try await client.register()
            let invited = try await client.invite("shared@example.org", role: "member", token: ownerA.accessToken)
            let id = try #require(invited.body["id"] as? String)
            let token = try #require(try await invitationToken(to: "shared@example.org", context))
            #expect(
                try await client.json(.post, "/api/v1/invitations/\(id)/resend", token: ownerB.accessToken).status == .notFound)
            #expect(try await client.json(.delete, "/api/v1/invitations/\(id)", token: ownerB.accessToken).status == .notFound)
            #expect(
                try await client.json(.delete, "/api/v1/invitations/not-a-uuid", token: ownerA.accessToken).status == .notFound)
            let listB = try await client.json(.get, "/api/v1/invitations", token: ownerB.accessToken)
            #expect((listB.body["items"] as? [[String: Any]])?.isEmpty == true)
            #expect(try await invitationToken(to: "shared@example.org", context) == token)

            // A custom role deleted after the invitation was sent.
            let tenantID = try #require(TenantID(ownerA.tenantID))
            let now = Date()
            let role = CustomRole(
                tenantID: tenantID, id: .generate(), name: "Auditor", description: nil, baseRole: .viewer,
                permissions: [.invitationsRead], createdAt: now, updatedAt: now)
            try await context.database.database.withTenant(tenantID) { scope in try await scope.roles.create(role) }
            let custom = try await client.invite("auditor@example.org", role: role.id.description, token: ownerA.accessToken)
            #expect(custom.status == .created, "\(custom.raw)")
            #expect(custom.body["role"] as? String == role.id.description)
            let customToken = try #require(try await invitationToken(to: "auditor@example.org", context))
            try await context.database.database.withTenant(tenantID) { scope in try await scope.roles.delete(id: role.id) }
            let refused = try await client.acceptAsNewPerson(customToken)
            #expect(refused.status == .conflict, "\(refused.raw)")
            let login = try await client.login(email: "auditor@example.org", password: "a fine long passphrase")
            #expect(login.status == .unauthorized)

            // The first invitation still works after B's attempts.
            #expect(try await client.acceptAsNewPerson(token).status == .created)
        }
    }
}
