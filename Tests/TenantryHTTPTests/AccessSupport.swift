import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryTestSupport
import Testing

/// A tenant with one signed-in person per built-in role, for access tests.
struct AccessFixture: Sendable {
    struct Person: Sendable {
        let userID: String
        let email: String
        let token: String
        var refreshToken: String? = nil
    }

    let owner: Registered
    let admin: Person
    let member: Person
    let viewer: Person

    var ownerToken: String { owner.accessToken }
}

extension TestClientProtocol {
    /// Adds a person with `role` through `POST /members`, sets their password through the
    /// emailed link, and signs them in to the tenant.
    func addSignedInMember(
        _ context: TestApplicationContext, adminToken: String, tenantSlug: String, role: String, name: String = "Person"
    ) async throws -> AccessFixture.Person {
        let email = "\(role)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        let added = try await json(.post, "/api/v1/members", ["email": email, "name": name, "role": role], token: adminToken)
        #expect(added.status == .created, "add member: \(added.raw)")
        let userID = try #require(added.body["user_id"] as? String)
        let message = try #require(try await queuedEmails(context).last { $0.to.rawValue == email })
        let token = try #require(linkToken(in: message))
        let password = "pass phrase for \(role)"
        let reset = try await json(.post, "/api/v1/auth/reset-password", ["token": token, "password": password])
        #expect(reset.status == .ok, "set password: \(reset.raw)")
        let login = try await self.login(email: email, password: password, tenantSlug: tenantSlug)
        return AccessFixture.Person(
            userID: userID, email: email, token: try #require(login.accessToken), refreshToken: login.refreshToken)
    }

    /// A registered owner with an admin, a member and a viewer.
    func accessFixture(_ context: TestApplicationContext) async throws -> AccessFixture {
        let owner = try await register()
        return AccessFixture(
            owner: owner,
            admin: try await addSignedInMember(
                context, adminToken: owner.accessToken, tenantSlug: owner.tenantSlug, role: "admin"),
            member: try await addSignedInMember(
                context, adminToken: owner.accessToken, tenantSlug: owner.tenantSlug, role: "member"),
            viewer: try await addSignedInMember(
                context, adminToken: owner.accessToken, tenantSlug: owner.tenantSlug, role: "viewer")
        )
    }

    /// Creates an API key; returns its id and secret.
    func createKey(token: String, scopes: [String], name: String = "key", extra: [String: Any] = [:]) async throws -> (
        id: String, secret: String
    ) {
        var body: [String: Any] = ["name": name, "scopes": scopes]
        body.merge(extra) { _, new in new }
        let created = try await json(.post, "/api/v1/api-keys", body, token: token)
        #expect(created.status == .created, "create key: \(created.raw)")
        let key = try #require(created.body["key"] as? [String: Any])
        return (try #require(key["id"] as? String), try #require(created.body["secret"] as? String))
    }
}
