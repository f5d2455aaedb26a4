import Foundation
public import TenantryCore

/// Queues emails as durable jobs: rendered now, sent by the email worker.
public enum EmailOutbox {
    /// Queues an email to a user.
    public static func enqueue(
        _ kind: EmailTemplates.Kind,
        to user: User,
        tenant: TenantID?,
        tenantName: String,
        link: String,
        validFor: String,
        scope: any GlobalTransaction
    ) async throws {
        try await enqueue(
            kind, to: user.email, name: user.name, tenant: tenant, tenantName: tenantName, link: link, validFor: validFor,
            scope: scope)
    }

    /// Queues an email to an address that may have no account yet; `name` is the template's
    /// `name` (for an invitation: the inviter's). `tenant` is the tenant the email is sent for
    /// (counted in its usage once delivered).
    public static func enqueue(
        _ kind: EmailTemplates.Kind,
        to recipient: EmailAddress,
        name: String,
        tenant: TenantID?,
        tenantName: String,
        link: String,
        validFor: String,
        detail: String = "",
        scope: any GlobalTransaction
    ) async throws {
        var message = try EmailTemplates.render(
            kind, to: recipient,
            values: .init(name: name, tenantName: tenantName, link: link, validFor: validFor, detail: detail)
        )
        message.tenantID = tenant
        let payload = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
        try await scope.jobs.enqueue(
            queue: EmailMessage.outboxQueue, payload: payload, maxAttempts: JobDefaults.maxAttempts, runAt: Date())
    }
}
