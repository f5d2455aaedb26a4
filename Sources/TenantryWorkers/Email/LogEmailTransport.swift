public import Logging
public import TenantryCore

/// The development transport: writes each message (recipient, subject and text body, where
/// links live) to the log instead of sending it. Chosen by the email URL `log:`.
public struct LogEmailTransport: EmailTransport {
    let logger: Logger

    /// Creates the transport.
    public init(logger: Logger) {
        self.logger = logger
    }

    public func send(_ message: EmailMessage) async throws {
        logger.notice(
            "email (log transport)",
            metadata: [
                "email.to": .string(message.to.rawValue),
                "email.subject": .string(message.subject),
                "email.body": .string(message.textBody),
            ]
        )
    }
}
