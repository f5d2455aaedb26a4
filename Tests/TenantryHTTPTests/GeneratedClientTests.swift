import Foundation
import HummingbirdTesting
import OpenAPIRuntime
import TenantryClient
import TenantryTestSupport
import Testing

/// The generated `TenantryClient` against a live server: the contract file describes the
/// server exactly enough for a client generated from it to sign up, sign in, create an API key
/// and use it, and to read the server's problem documents.
@Suite("Generated client")
struct GeneratedClientTests {
    @Test(
        "register, sign in, create an API key and list members with it, through TenantryClient only",
        arguments: TestDatabase.all)
    func signUpToMembers(engine: TestDatabase) async throws {
        try await withTestApplication(engine, testing: .live) { client, _ in
            let port = try #require(client.port)
            let serverURL = try #require(URL(string: "http://127.0.0.1:\(port)"))
            let anonymous = Client(serverURL: serverURL, credential: nil)
            let email = "ada-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let password = "a long and uncommon passphrase"

            let registered = try await anonymous.register(
                headers: .init(idempotencyKey: UUID().uuidString),
                body: .json(.init(email: email, name: "Ada Lovelace", password: password, tenantName: "Analytical Engines"))
            )
            let signup = try registered.created.body.json
            #expect(signup.user.email == email)
            #expect(signup.role == .owner)
            #expect(signup.tenant.slug == "analytical-engines")
            #expect(!(try registered.created.headers.xRequestID).isEmpty)

            let wrong = try await anonymous.login(body: .json(.init(email: email, password: "not the password")))
            #expect(try wrong.unauthorized.body.applicationProblemJson.code == "invalid_credentials")

            let login = try await anonymous.login(
                body: .json(.init(email: email, password: password, tenantSlug: signup.tenant.slug)))
            let session = try login.ok.body.json
            #expect(session.tenant?.id == signup.tenant.id)
            #expect(session.tokens.tokenType == .bearer)

            let owner = Client(serverURL: serverURL, credential: .accessToken(session.tokens.accessToken))
            let created = try await owner.createAPIKey(
                headers: .init(idempotencyKey: UUID().uuidString),
                body: .json(.init(name: "directory sync", scopes: [.membersRead]))
            )
            let key = try created.created.body.json
            #expect(key.key.scopes == ["members:read"])
            #expect(key.secret.hasPrefix("tnty_"))

            let withKey = Client(serverURL: serverURL, credential: .apiKey(key.secret))
            let members = try await withKey.listMembers(query: .init(limit: 10))
            let page = try members.ok.body.json
            #expect(page.items.map(\.email) == [email])
            #expect(page.items.first?.role == "owner")
            #expect(page.items.first?.userId == signup.user.id)
            #expect(page.nextCursor == nil)

            // The key reads members but may not add one: a documented 403 problem.
            let refused = try await withKey.addMember(
                headers: .init(idempotencyKey: UUID().uuidString),
                body: .json(.init(email: "grace@example.com", name: "Grace Hopper", role: "member"))
            )
            #expect(try refused.forbidden.body.applicationProblemJson.code == "forbidden")
        }
    }
}
