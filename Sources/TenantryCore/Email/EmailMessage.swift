/// One email to send: a single recipient, a subject, a plain-text body and an optional HTML body.
public struct EmailMessage: Sendable, Equatable, Codable {
    /// The job queue the outbox writes messages to and the email worker drains.
    public static let outboxQueue = "email"

    /// The recipient.
    public var to: EmailAddress
    /// The subject line (one line; no control characters).
    public var subject: String
    /// The plain-text body.
    public var textBody: String
    /// An HTML alternative of the body, if any.
    public var htmlBody: String?
    /// The tenant the email is sent for (its usage counts it), if any.
    public var tenantID: TenantID?

    /// Creates a message.
    public init(to: EmailAddress, subject: String, textBody: String, htmlBody: String? = nil, tenantID: TenantID? = nil) {
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.tenantID = tenantID
    }
}

/// Something that delivers email: the log (development) or an SMTP server.
public protocol EmailTransport: Sendable {
    /// Delivers one message. Throws ``EmailDeliveryError`` when delivery failed; its
    /// `isPermanent` tells whether retrying could help.
    func send(_ message: EmailMessage) async throws
}

/// Why a message was not delivered.
public struct EmailDeliveryError: Error, Sendable, CustomStringConvertible {
    /// True when retrying cannot help (e.g. the server rejected the recipient with a 5xx reply).
    public var isPermanent: Bool
    /// What happened, safe to log (never contains credentials or the message body).
    public var reason: String

    /// Creates an error.
    public init(isPermanent: Bool, reason: String) {
        self.isPermanent = isPermanent
        self.reason = reason
    }

    public var description: String { (isPermanent ? "permanent" : "temporary") + " email delivery failure: \(reason)" }
}
