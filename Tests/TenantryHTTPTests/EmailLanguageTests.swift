import Foundation
import TenantryCore
import TenantryTestSupport
import Testing

/// Emails are written in the recipient's language: their own preference, then their tenant's
/// default language, then English.
@Suite("Email languages")
struct EmailLanguageTests {
    @Test(
        "a tenant's default language writes its invitations in Portuguese; a member's own preference wins over it",
        arguments: TestDatabase.all)
    func languageOfEmails(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let refused = try await client.json(
                .patch, "/api/v1/tenant", ["settings": ["default_language": "pt"]], token: owner.accessToken)
            #expect(refused.status == .unprocessableContent, "\(refused.raw)")
            #expect(refused.raw.contains("settings.default_language"))
            let changed = try await client.json(
                .patch, "/api/v1/tenant", ["settings": ["default_language": "pt-BR"]], token: owner.accessToken)
            #expect(changed.status == .ok, "\(changed.raw)")
            #expect((changed.body["settings"] as? [String: Any])?["default_language"] as? String == "pt-BR", "\(changed.raw)")

            let invited = try await client.json(
                .post, "/api/v1/invitations", ["email": "convidada@example.com", "role": "member"], token: owner.accessToken)
            #expect(invited.status == .created, "\(invited.raw)")
            let invitation = try #require(
                try await queuedEmails(context).last { $0.to.description == "convidada@example.com" })
            #expect(invitation.subject.hasPrefix("Você foi convidado para"), "\(invitation.subject)")
            #expect(invitation.textBody.contains("O convite vale por 7 dias"), "\(invitation.textBody)")

            // The owner prefers English: their own reset email is in English.
            _ = try await client.json(.patch, "/api/v1/me", ["locale": "en-GB"], token: owner.accessToken)
            let forgot = try await client.json(.post, "/api/v1/auth/forgot-password", ["email": owner.email])
            #expect(forgot.status == .accepted || forgot.status == .noContent || forgot.status == .ok, "\(forgot.raw)")
            let reset = try #require(
                try await queuedEmails(context).last {
                    $0.to.description == owner.email.lowercased() && $0.subject.contains("password")
                },
                "no reset email")
            #expect(reset.textBody.contains("The link works for 1 hour"), "\(reset.textBody)")

            // Cleared, the tenant writes in English again.
            let cleared = try await client.json(
                .patch, "/api/v1/tenant", ["settings": ["default_language": NSNull()]], token: owner.accessToken)
            #expect((cleared.body["settings"] as? [String: Any])?["default_language"] == nil, "\(cleared.raw)")
        }
    }

    @Test(
        "a tenant whose plan has custom branding sends emails with its logo and colour; one without does not",
        arguments: TestDatabase.all)
    func brandedEmails(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let superAdmin = try await client.signedInOperator(context.identity)
            func invite(_ email: String) async throws -> String? {
                _ = try await client.json(
                    .post, "/api/v1/invitations", ["email": email, "role": "member"], token: owner.accessToken)
                return try await queuedEmails(context).last { $0.to.description == email }?.htmlBody
            }
            #expect(try await invite("before@example.com")?.contains("border-top") == false)
            let moved = try await client.json(
                .put, "/api/v1/platform/tenants/\(owner.tenantID)/plan", ["plan": "pro"], token: superAdmin.token)
            #expect(moved.status == .ok, "\(moved.raw)")
            let branded = try await client.json(
                .patch, "/api/v1/tenant",
                ["branding": ["logo_url": "https://cdn.example/acme.png", "primary_color": "#112233"]], token: owner.accessToken)
            #expect(branded.status == .ok, "\(branded.raw)")
            let html = try #require(try await invite("after@example.com"))
            #expect(html.contains("border-top:4px solid #112233") && html.contains("https://cdn.example/acme.png"), "\(html)")
        }
    }
}
