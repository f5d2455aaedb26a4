import Foundation
import TenantryCore
import Testing

@Suite("Emailed tokens")
struct EmailedTokenTests {
    @Test("each purpose has its lifetime, words, page, email and storage")
    func purposes() {
        let expected: [(EmailedToken.Purpose, TimeInterval, String, String, String, EmailTemplates.Kind, UserTokenPurpose?)] = [
            (.verifyEmail, 86_400, "24 hours", "24 horas", "/verify-email", .verifyEmail, .verifyEmail),
            (.resetPassword, 3600, "1 hour", "1 hora", "/reset-password", .resetPassword, .resetPassword),
            (.setPassword, 72 * 3600, "72 hours", "72 horas", "/reset-password", .memberAdded, .resetPassword),
            (.invitation, 7 * 86_400, "7 days", "7 dias", "/accept-invitation", .invitation, nil),
        ]
        #expect(expected.count == EmailedToken.Purpose.allCases.count)
        for (purpose, lifetime, words, palavras, path, email, stored) in expected {
            #expect(purpose.lifetime == lifetime)
            #expect(purpose.lifetimeInWords(.english) == words)
            #expect(purpose.lifetimeInWords(.portuguese) == palavras)
            #expect(purpose.linkPath == path)
            #expect(purpose.email == email)
            #expect(purpose.userTokenPurpose == stored)
        }
        #expect(Invitation.lifetime == EmailedToken.Purpose.invitation.lifetime)
    }

    @Test("a minted token is random, stored as its SHA-256, expires after its lifetime and links to its page")
    func mint() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let token = EmailedToken.mint(.resetPassword, now: now)
        let other = EmailedToken.mint(.resetPassword, now: now)
        #expect(token.secret != other.secret)
        #expect(token.secret.count == 43)
        #expect(token.hash == SecretToken.digest(token.secret))
        #expect(token.hash == EmailedToken.hash(of: token.secret))
        #expect(token.hash != token.secret)
        #expect(token.expiresAt == now.addingTimeInterval(3600))
        #expect(token.link(publicURL: "https://example.test") == "https://example.test/reset-password?token=\(token.secret)")
    }
}
