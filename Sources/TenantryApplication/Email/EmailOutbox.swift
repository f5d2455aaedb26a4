import Foundation
public import TenantryCore

/// Queues emails as durable jobs: rendered now, in the recipient's language, sent by the email
/// worker.
public enum EmailOutbox {
    /// How an email to someone looks: the language to write in (their own preference,
    /// `users.locale`, then the tenant's default language, `settings.default_language`, then
    /// English) and the tenant's branding when its plan has `custom_branding`.
    public static func style(for user: User?, tenant: TenantID?, scope: any GlobalTransaction) async throws -> EmailStyle {
        let state = try await tenant.asyncFlatMap { tenant in try await EntitlementDirectory.load(tenant, from: scope) }
        var style = EmailStyle()
        if let locale = user?.locale, let language = Language.matching(locale) {
            style.language = language
        } else if let tenant, let language = try await scope.tenants.profile(id: tenant)?.settings.defaultLanguage {
            style.language = language
        }
        if let state, state.entitlements.features.contains(EmailStyle.brandingFeature) { style.branding = state.branding }
        return style
    }

    /// Queues an email to an address that may have no account yet, in `style`; `name` is
    /// the template's `name` (for an invitation: the inviter's). `tenant` is the tenant the
    /// email is sent for (counted in its usage once delivered).
    public static func enqueue(
        _ kind: EmailTemplates.Kind,
        to recipient: EmailAddress,
        name: String,
        style: EmailStyle,
        tenant: TenantID?,
        tenantName: String,
        link: String,
        validFor: String,
        detail: String = "",
        scope: any GlobalTransaction
    ) async throws {
        var message = try EmailTemplates.render(
            kind, to: recipient, language: style.language, branding: style.branding,
            values: .init(name: name, tenantName: tenantName, link: link, validFor: validFor, detail: detail)
        )
        message.tenantID = tenant
        let payload = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
        try await scope.jobs.enqueue(
            queue: EmailMessage.outboxQueue, payload: payload, maxAttempts: JobDefaults.maxAttempts, runAt: Date())
    }
}

/// The language and branding of one email (``EmailOutbox/style(for:tenant:scope:)``).
public struct EmailStyle: Sendable {
    /// The plan feature that puts a tenant's logo and colour in its emails.
    public static let brandingFeature = "custom_branding"

    public var language: Language = .english
    public var branding: Branding?

    /// English, unbranded.
    public init() {}
}
