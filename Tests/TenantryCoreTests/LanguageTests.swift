import Foundation
import TenantryCore
import Testing

@Suite("Languages")
struct LanguageTests {
    @Test("a person's tag comes first, then the tenant's, then English; only the primary subtag counts")
    func preference() throws {
        #expect(Language.preferred("pt-BR", "en") == .portuguese)
        #expect(Language.preferred("pt-PT") == .portuguese)
        #expect(Language.preferred("de-DE", "pt-BR") == .portuguese)
        #expect(Language.preferred(nil, "en-GB") == .english)
        #expect(Language.preferred("fr", nil) == .english)
        #expect(Language.preferred() == .english)
        #expect(throws: TenantryError.self) { try Language.validated("pt", field: "settings.default_language") }
        #expect(try Language.validated("pt-BR", field: "settings.default_language") == .portuguese)
    }

    @Test("durations in words agree in number in both languages")
    func durations() {
        #expect(Language.english.words(forSeconds: 60) == "1 minute")
        #expect(Language.english.words(forSeconds: 1800) == "30 minutes")
        #expect(Language.portuguese.words(forSeconds: 60) == "1 minuto")
        #expect(Language.portuguese.words(forSeconds: 3600) == "1 hora")
        #expect(Language.portuguese.words(forSeconds: 14 * 86_400) == "14 dias")
    }

    @Test("every email has a Portuguese version, rendered with the values escaped in HTML")
    func portugueseEmails() throws {
        let recipient = try EmailAddress("ana@example.com")
        for kind in EmailTemplates.Kind.allCases {
            let values = EmailTemplates.Values(
                name: "Ana <Souza>", tenantName: "Acme", link: "https://x.example/l", validFor: "24 horas", detail: "d")
            let english = try EmailTemplates.render(kind, to: recipient, language: .english, values: values)
            let portuguese = try EmailTemplates.render(kind, to: recipient, language: .portuguese, values: values)
            #expect(english.subject != portuguese.subject, "\(kind)")
            #expect(portuguese.textBody.contains("Olá"), "\(kind)")
            #expect(portuguese.htmlBody?.contains("<Souza>") == false, "\(kind): the HTML body must escape values")
        }
        let detail = EmailTemplates.webhookDisabledDetail(
            host: "h.example", endpoint: "e1", reason: "gone", language: .portuguese)
        #expect(detail == "h.example (endpoint de webhook e1): ele respondeu 410 Gone, que pede aos remetentes que parem.")
    }

    @Test("a branded email's HTML body shows the tenant's logo and colour; the text body is the same")
    func brandedEmails() throws {
        let recipient = try EmailAddress("ana@example.com")
        let values = EmailTemplates.Values(name: "Ana", tenantName: "Acme & Co", link: "https://x.example/l", validFor: "1 hour")
        let plain = try EmailTemplates.render(.resetPassword, to: recipient, values: values)
        let branded = try EmailTemplates.render(
            .resetPassword, to: recipient,
            branding: Branding(logoURL: "https://cdn.example/logo.png", primaryColor: "#0055AA"), values: values)
        #expect(branded.textBody == plain.textBody && branded.subject == plain.subject)
        let html = try #require(branded.htmlBody)
        #expect(html.contains("border-top:4px solid #0055AA"))
        #expect(html.contains(#"<img src="https://cdn.example/logo.png" alt="Acme &amp; Co""#), "\(html)")
        #expect(html.contains(try #require(plain.htmlBody)))
        #expect(
            try EmailTemplates.render(.resetPassword, to: recipient, branding: Branding(), values: values).htmlBody
                == plain.htmlBody)
    }
}
