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

/// A person who joined a tenant by accepting an invitation.
struct Joined: Sendable {
    let email: String
    let password: String
    let userID: String
    let accessToken: String
}

extension TestClientProtocol {
    /// Invites `email` with `role` as the holder of `token`; returns the parsed response.
    @discardableResult
    func invite(_ email: String, role: String, token: String) async throws -> (
        status: HTTPResponse.Status, headers: HTTPFields, body: [String: Any], raw: String
    ) {
        try await json(.post, "/api/v1/invitations", ["email": email, "role": role], token: token)
    }

    /// Accepts an invitation token as a new person.
    @discardableResult
    func acceptAsNewPerson(_ invitationToken: String, name: String = "Invitee", password: String = "a fine long passphrase")
        async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: [String: Any], raw: String)
    {
        try await json(.post, "/api/v1/invitations/accept", ["token": invitationToken, "name": name, "password": password])
    }

    /// Adds a new person to the owner's tenant with `role` through an invitation, and returns
    /// them signed in there.
    func join(
        _ owner: Registered, role: String, context: TestApplicationContext,
        email: String = "member-\(UUID().uuidString.prefix(8).lowercased())@example.com"
    ) async throws -> Joined {
        let invited = try await invite(email, role: role, token: owner.accessToken)
        #expect(invited.status == .created, "invite: \(invited.raw)")
        let token = try #require(try await invitationToken(to: email, context))
        let password = "a fine long passphrase"
        let accepted = try await acceptAsNewPerson(token, password: password)
        #expect(accepted.status == .created, "accept: \(accepted.raw)")
        let tokens = try #require(accepted.body["tokens"] as? [String: Any])
        let user = try #require(accepted.body["user"] as? [String: Any])
        return Joined(
            email: email, password: password, userID: try #require(user["id"] as? String),
            accessToken: try #require(tokens["access_token"] as? String))
    }
}

/// The token of the newest invitation email to `email`.
func invitationToken(to email: String, _ context: TestApplicationContext) async throws -> String? {
    try await queuedEmails(context).last { $0.to.rawValue == email && $0.textBody.contains("/accept-invitation?token=") }
        .flatMap(linkToken)
}

/// The tenant's audit events with `action`, oldest first.
func auditEvents(_ action: String, in tenant: String, _ context: TestApplicationContext) async throws -> [AuditEvent] {
    try await context.database.database.withTenant(try #require(TenantID(tenant))) { scope in
        try await scope.auditEvents.list(PageRequest(limit: 200)).items.filter { $0.action == action }
    }
}

/// The problem code of a parsed problem+json body.
func problemCode(_ body: [String: Any]) -> String? {
    body["code"] as? String
}
