import Foundation
public import Logging
public import TenantryApplication
public import TenantryCore

/// Sends the emails queued by the outbox (queue `email`; payload: an ``EmailMessage`` as JSON).
public struct EmailDeliveryJob: JobHandler {
    /// The queue name the outbox writes to.
    public static let queueName = EmailMessage.outboxQueue

    let transport: any EmailTransport
    let usage: UsageMeter?

    /// Creates the handler; each email delivered for a tenant is counted in `usage`.
    public init(transport: any EmailTransport, usage: UsageMeter? = nil) {
        self.transport = transport
        self.usage = usage
    }

    public var queue: String { Self.queueName }

    public func handle(payload: String) async throws {
        let message: EmailMessage
        do {
            message = try JSONDecoder().decode(EmailMessage.self, from: Data(payload.utf8))
        } catch {
            throw JobFailure(permanent: true, reason: "unreadable email payload")
        }
        do {
            try await transport.send(message)
        } catch let error as EmailDeliveryError {
            throw JobFailure(permanent: error.isPermanent, reason: error.reason)
        }
        if let tenantID = message.tenantID { usage?.recordEmailSent(in: tenantID) }
    }

    /// Keeps the recipient and subject, drops the body (it holds single-use links).
    public func redactedPayload(_ payload: String) -> String? {
        guard let message = try? JSONDecoder().decode(EmailMessage.self, from: Data(payload.utf8)) else { return "{}" }
        let summary = ["to": message.to.rawValue, "subject": message.subject, "body": "(sent; removed)"]
        return (try? JSONEncoder().encode(summary)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Picks the email transport for `TENANTRY_EMAIL_URL`.
public enum EmailTransports {
    /// `log:` → the log; `smtp://…` or `smtps://…` → an SMTP server.
    public static func make(url: String, logger: Logger) throws -> any EmailTransport {
        if url == "log:" || url == "log" {
            return LogEmailTransport(logger: logger)
        }
        if url.hasPrefix("smtp://") || url.hasPrefix("smtps://") {
            return try SMTPTransport(configuration: try SMTPConfiguration(url: url), logger: logger)
        }
        throw Validator.fail("TENANTRY_EMAIL_URL", "invalid_email_url", "Use log: or an smtp:// or smtps:// URL.")
    }
}
