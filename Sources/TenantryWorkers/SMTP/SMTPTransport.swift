import Foundation
public import Logging
public import NIOCore
import NIOPosix
import NIOSSL
public import TenantryCore

/// Delivers email through an SMTP server (RFC 5321), one connection per message. Chosen by an
/// `smtp://` or `smtps://` email URL (see ``SMTPConfiguration``).
///
/// A session reads the greeting, sends `EHLO`, upgrades with `STARTTLS` when configured (and
/// sends `EHLO` again), authenticates with `AUTH PLAIN` or, when only that is offered,
/// `AUTH LOGIN`, then sends `MAIL FROM`, `RCPT TO`, `DATA` and `QUIT`. Certificates are always
/// verified, against the system trust store or the configured CA file.
///
/// Failures are thrown as `EmailDeliveryError`: a 5xx reply is permanent; a 4xx reply, a
/// connection or TLS failure and a timeout are temporary. The reason names the stage and the
/// reply code, never the credentials or the message body.
public struct SMTPTransport: EmailTransport {
    /// Where the SMTP dialogue stands; named in every failure.
    enum Stage: String, Sendable {
        case connect
        case greeting
        case ehlo
        case startTLS = "starttls"
        case ehloAfterTLS = "ehlo after starttls"
        case auth
        case mailFrom = "mail from"
        case rcptTo = "rcpt to"
        case data
        case endOfData = "end of data"
    }

    /// The server and the sender.
    public let configuration: SMTPConfiguration
    private let logger: Logger
    private let group: any EventLoopGroup
    private let tlsContext: NIOSSLContext?

    /// Creates the transport on NIO's shared event loops. Throws `validation_failed` (for
    /// `TENANTRY_EMAIL_URL`) when the CA file cannot be read, so a bad setting stops start-up
    /// rather than every delivery.
    public init(configuration: SMTPConfiguration, logger: Logger) throws(TenantryError) {
        try self.init(configuration: configuration, logger: logger, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    }

    /// Creates the transport on the given event loops.
    public init(configuration: SMTPConfiguration, logger: Logger, eventLoopGroup: any EventLoopGroup) throws(TenantryError) {
        self.configuration = configuration
        self.group = eventLoopGroup
        var logger = logger
        logger[metadataKey: "smtp.server"] = "\(configuration.host):\(configuration.port)"
        self.logger = logger
        self.tlsContext = try Self.makeTLSContext(configuration)
    }

    /// The client TLS context: TLS 1.2 or later, full verification (chain and host name),
    /// trusting the CA file when one is configured and the system store otherwise.
    private static func makeTLSContext(_ configuration: SMTPConfiguration) throws(TenantryError) -> NIOSSLContext? {
        guard configuration.tls != .none else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = .fullVerification
        if let caFile = configuration.caFile {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw Validator.fail(
                    SMTPConfiguration.setting, "invalid_email_url", "The ca file cannot be read as PEM certificates.")
            }
            guard !certificates.isEmpty else {
                throw Validator.fail(SMTPConfiguration.setting, "invalid_email_url", "The ca file holds no certificate.")
            }
            tls.trustRoots = .certificates(certificates)
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw Validator.fail(SMTPConfiguration.setting, "invalid_email_url", "TLS cannot be set up with this configuration.")
        }
    }

    /// Delivers one message in its own SMTP session.
    public func send(_ message: EmailMessage) async throws {
        let domain = configuration.from.rawValue.split(separator: "@").last.map(String.init) ?? "localhost"
        let messageID = "<\(UUID().uuidString.lowercased())@\(domain)>"
        let rendered = try SMTPMessageFormat.render(
            message,
            from: configuration.from,
            fromName: configuration.fromName,
            date: Date(),
            messageID: messageID,
            boundary: "=_tenantry_\(UUID().uuidString.lowercased())"
        )
        let payload = SMTPMessageFormat.dataPayload(rendered)
        let timeout = TimeAmount(configuration.timeout)

        let connection: SMTPConnection
        do {
            connection = try await SMTPConnection.connect(
                host: configuration.host,
                port: configuration.port,
                timeout: timeout,
                implicitTLS: configuration.tls == .required ? tlsContext : nil,
                group: group
            )
        } catch {
            throw failure(.connect, error)
        }

        let accepted: SMTPReply
        do {
            accepted = try await withTaskCancellationHandler {
                try await converse(on: connection, to: message.to, payload: payload)
            } onCancel: {
                connection.channel.close(promise: nil)
            }
        } catch {
            await connection.close()
            try Task.checkCancellation()
            logger.debug("email not sent", metadata: ["email.message_id": "\(messageID)", "error": "\(error)"])
            throw error
        }
        await connection.close()
        logger.debug("email sent", metadata: ["email.message_id": "\(messageID)", "smtp.reply": "\(accepted.summary)"])
    }

    /// The dialogue after connecting; returns the server's acceptance of the message.
    private func converse(on connection: SMTPConnection, to recipient: EmailAddress, payload: [UInt8]) async throws -> SMTPReply {
        try await step(.greeting, expecting: [220]) { try await connection.readReply() }
        var capabilities = SMTPCapabilities(
            ehlo: try await step(.ehlo, expecting: [250]) { try await connection.command("EHLO \(configuration.heloName)") }
        )

        if configuration.tls == .startTLS {
            guard capabilities.startTLS, let tlsContext else {
                throw EmailDeliveryError(
                    isPermanent: false,
                    reason: "starttls: the server does not offer STARTTLS, which tls=starttls requires"
                )
            }
            try await step(.startTLS, expecting: [220]) { try await connection.command("STARTTLS") }
            do {
                try await connection.startTLS(context: tlsContext, host: configuration.host)
            } catch {
                throw failure(.startTLS, error)
            }
            capabilities = SMTPCapabilities(
                ehlo: try await step(.ehloAfterTLS, expecting: [250]) {
                    try await connection.command("EHLO \(configuration.heloName)")
                }
            )
        }

        if let credentials = configuration.credentials {
            try await authenticate(credentials, capabilities: capabilities, on: connection)
        }

        try await step(.mailFrom, expecting: [250]) { try await connection.command("MAIL FROM:<\(configuration.from.rawValue)>") }
        try await step(.rcptTo, expecting: [250, 251]) { try await connection.command("RCPT TO:<\(recipient.rawValue)>") }
        try await step(.data, expecting: [354]) { try await connection.command("DATA") }
        let accepted = try await step(.endOfData, expecting: [250]) { try await connection.data(payload) }
        // The message is accepted; a missing reply to QUIT changes nothing.
        _ = try? await connection.command("QUIT")
        return accepted
    }

    /// `AUTH PLAIN` (RFC 4616) when offered, else `AUTH LOGIN`.
    private func authenticate(
        _ credentials: SMTPConfiguration.Credentials,
        capabilities: SMTPCapabilities,
        on connection: SMTPConnection
    ) async throws {
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        let mechanisms = capabilities.authMechanisms
        if mechanisms.contains("PLAIN") {
            let token = base64("\0\(credentials.username)\0\(credentials.password)")
            try await step(.auth, expecting: [235]) { try await connection.command("AUTH PLAIN \(token)") }
        } else if mechanisms.contains("LOGIN") {
            try await step(.auth, expecting: [334]) { try await connection.command("AUTH LOGIN") }
            try await step(.auth, expecting: [334]) { try await connection.command(base64(credentials.username)) }
            try await step(.auth, expecting: [235]) { try await connection.command(base64(credentials.password)) }
        } else {
            let offered = mechanisms.isEmpty ? "none" : mechanisms.sorted().joined(separator: " ")
            throw EmailDeliveryError(
                isPermanent: true,
                reason: "auth: the server offers no supported mechanism (PLAIN, LOGIN); offered: \(offered)"
            )
        }
    }

    /// Runs one exchange and checks its reply code.
    @discardableResult
    private func step(
        _ stage: Stage,
        expecting codes: Set<Int>,
        _ exchange: () async throws -> SMTPReply
    ) async throws -> SMTPReply {
        let reply: SMTPReply
        do {
            reply = try await exchange()
        } catch {
            throw failure(stage, error)
        }
        guard codes.contains(reply.code) else {
            throw Self.rejection(stage, reply)
        }
        return reply
    }

    /// A reply other than the expected one: permanent for 5xx, temporary otherwise. At the
    /// `auth` stage only the code is kept, since servers may echo what they were sent.
    static func rejection(_ stage: Stage, _ reply: SMTPReply) -> EmailDeliveryError {
        let shown = stage == .auth ? "\(reply.code)" : reply.summary
        return EmailDeliveryError(
            isPermanent: (500...599).contains(reply.code), reason: "\(stage.rawValue): server replied \(shown)")
    }

    /// A TLS error in a few words: BoringSSL's reason names (`CERTIFICATE_VERIFY_FAILED`)
    /// rather than its full error strings with source paths.
    static func tlsSummary(_ error: any Error) -> String {
        guard case NIOSSLError.handshakeFailed(.sslError(let stack)) = error, !stack.isEmpty else {
            return "\(error)"
        }
        let reasons = stack.map { entry in
            let text = "\(entry)".components(separatedBy: " at ").first ?? "\(entry)"
            return text.split(separator: ":").last.map(String.init) ?? text
        }
        return "handshake failed (\(reasons.joined(separator: ", ")))"
    }

    /// A failure below SMTP replies (connection, TLS, timeout): always temporary.
    private func failure(_ stage: Stage, _ error: any Error) -> EmailDeliveryError {
        if let error = error as? EmailDeliveryError { return error }
        let what: String
        switch error {
        case SMTPConnectionError.timedOut:
            what = "no reply within \(configuration.timeout)"
        case ChannelError.connectTimeout:
            what = "no connection within \(configuration.timeout)"
        case let error as NIOConnectionError:
            what = error.connectionErrors.first.map { "\($0.error)" } ?? "the host name does not resolve"
        case let error as SMTPConnectionError:
            what = error.description
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError:
            what = "TLS failure: \(Self.tlsSummary(error))"
        default:
            what = "\(error)"
        }
        let place = stage == .connect ? "connect to \(configuration.host):\(configuration.port)" : stage.rawValue
        return EmailDeliveryError(isPermanent: false, reason: "\(place): \(what)")
    }
}
