import Foundation
public import TenantryCore

/// Queues emails as durable jobs: rendered now, in the recipient's language, sent by the email
/// worker.
public enum EmailOutbox {
    /// The language to write to someone in: their own preference (`users.locale`), then the
    /// tenant's default language (`settings.default_language`), then English.
    public static func language(for user: User?, tenant: TenantID?, scope: any GlobalTransaction) async throws -> Language {
        if let locale = user?.locale, let language = Language.matching(locale) { return language }
        guard let tenant else { return .english }
        return try await scope.tenants.profile(id: tenant)?.settings.defaultLanguage ?? .english
    }

    /// Queues an email to an address that may have no account yet, in `language`; `name` is
    /// the template's `name` (for an invitation: the inviter's). `tenant` is the tenant the
    /// email is sent for (counted in its usage once delivered).
    public static func enqueue(
        _ kind: EmailTemplates.Kind,
        to recipient: EmailAddress,
        name: String,
        language: Language,
        tenant: TenantID?,
        tenantName: String,
        link: String,
        validFor: String,
        detail: String = "",
        scope: any GlobalTransaction
    ) async throws {
        var message = try EmailTemplates.render(
            kind, to: recipient, language: language,
            values: .init(name: name, tenantName: tenantName, link: link, validFor: validFor, detail: detail)
        )
        message.tenantID = tenant
        let payload = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
        try await scope.jobs.enqueue(
            queue: EmailMessage.outboxQueue, payload: payload, maxAttempts: JobDefaults.maxAttempts, runAt: Date())
    }
}
