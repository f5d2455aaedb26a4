import Foundation
import Logging
import TenantryCore
import TenantryTestSupport
import Testing

@testable import TenantryWorkers

/// The SMTP transport against a real SMTP server (aiosmtpd, started per test by
/// `SMTPTestServer`): what arrives, TLS and its verification, AUTH, and how failures map to
/// temporary and permanent errors.
@Suite("SMTP transport", .serialized, .timeLimit(.minutes(3)))
struct SMTPTransportTests {
    static let logger = Logger(label: "smtp-test")

    static func transport(_ url: String) throws -> SMTPTransport {
        try SMTPTransport(configuration: SMTPConfiguration(url: url), logger: logger)
    }

    static func message(
        to: String = "ada@example.org",
        subject: String = "Verify your address",
        text: String = "Open https://tenantry.test/verify?t=abc",
        html: String? = nil
    ) throws -> EmailMessage {
        EmailMessage(to: try EmailAddress(to), subject: subject, textBody: text, htmlBody: html)
    }

    /// Sends and returns the delivery error, failing the test when the send succeeds.
    static func failure(sending message: EmailMessage, with transport: SMTPTransport) async -> EmailDeliveryError? {
        await #expect(throws: EmailDeliveryError.self) { try await transport.send(message) }
    }

    // MARK: - Delivery

    @Test("plain delivery (tls=none): headers, dot lines, non-ASCII subject and bodies arrive intact")
    func plainDelivery() async throws {
        try await SMTPTestServer.with { server in
            let transport = try Self.transport(
                "smtp://127.0.0.1:\(server.port)?tls=none&from=no-reply@tenantry.test&name=T%C3%A9nantry%20St%C3%B8tte&helo=worker.tenantry.test"
            )
            let subject = "Grüße, Ada — ваш код 123456 ☕ and a long tail that has to be folded over more than one line"
            let text = [
                "Hello Ada,",
                ".a line that starts with a dot",
                ".",
                "..two dots",
                "café = crème, 100% sûr\tand trailing spaces   ",
                String(repeating: "long line ", count: 20),
                "end",
            ].joined(separator: "\n")
            let html = "<p>Hello <b>Ada</b> — café</p>\n.<p>dot</p>\n."
            try await transport.send(Self.message(subject: subject, text: text, html: html))
            try await transport.send(Self.message(to: "grace@example.org", subject: "Plain ASCII", text: "Only text.\n."))

            let delivered = try server.delivered()
            try #require(delivered.count == 2, "server log:\n\(server.log)")
            let first = delivered[0]
            #expect(first.mailFrom == "no-reply@tenantry.test")
            #expect(first.rcptTos == ["ada@example.org"])
            #expect(first.tls == false)
            #expect(first.authLogin == nil)
            #expect(first.ehlo == "worker.tenantry.test")

            let parsed = first.message
            #expect(parsed.defects.isEmpty, "\(parsed.defects)")
            #expect(parsed.headers["Subject"] == subject)
            #expect(parsed.fromDisplayName == "Ténantry Støtte")
            #expect(parsed.fromAddress == "no-reply@tenantry.test")
            #expect(parsed.headers["To"] == "ada@example.org")
            #expect(parsed.headers["MIME-Version"] == "1.0")
            #expect(parsed.dateError == nil)
            let sentAt = try #require(parsed.dateIso.flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(abs(sentAt.timeIntervalSinceNow) < 60)
            let messageID = try #require(parsed.headers["Message-ID"])
            #expect(messageID.hasPrefix("<") && messageID.hasSuffix("@tenantry.test>"))
            #expect(parsed.contentType == "multipart/alternative")
            try #require(parsed.parts.count == 2)
            #expect(parsed.parts[0].contentType == "text/plain")
            #expect(parsed.parts[0].charset == "utf-8")
            #expect(parsed.parts[0].transferEncoding == "quoted-printable")
            #expect(parsed.parts[0].text == text)
            #expect(parsed.parts[1].contentType == "text/html")
            #expect(parsed.parts[1].text == html)

            // On the wire: 7-bit, CRLF only, short lines, the subject as encoded words.
            let raw = first.raw
            #expect(raw.allSatisfy { $0 < 0x80 })
            let rawText = String(decoding: raw, as: UTF8.self)
            #expect(!rawText.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
            #expect(!rawText.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
            let lines = rawText.components(separatedBy: "\r\n")
            #expect(lines.allSatisfy { $0.utf8.count <= 78 }, "\(lines.filter { $0.utf8.count > 78 })")
            #expect(rawText.contains("Subject: =?UTF-8?B?"))
            #expect(lines.contains(".a line that starts with a dot"))

            let second = delivered[1]
            #expect(second.rcptTos == ["grace@example.org"])
            #expect(second.message.headers["Subject"] == "Plain ASCII")
            #expect(second.message.contentType == "text/plain")
            #expect(second.message.parts.map(\.contentType) == ["text/plain"])
            #expect(second.message.parts.first?.text.hasPrefix("Only text.\n.") == true)
            #expect(second.message.headers["Message-ID"] != messageID)
        }
    }

    @Test("STARTTLS then AUTH PLAIN, with the server verified against the configured CA")
    func startTLSAndPlainAuth() async throws {
        try await SMTPTestServer.with(["--auth", "mailer:s3cr@t:x%", "--require-starttls"], tls: true) { server in
            let transport = try Self.transport(
                "smtp://mailer:s3cr%40t%3Ax%25@localhost:\(server.port)?from=no-reply@tenantry.test&ca=\(server.caFile)"
            )
            try await transport.send(Self.message())
            let delivered = try server.delivered()
            try #require(delivered.count == 1, "server log:\n\(server.log)")
            #expect(delivered[0].tls)
            #expect(delivered[0].authLogin == "mailer")
            #expect(delivered[0].authMechanism == "PLAIN")
            #expect(delivered[0].message.parts.first?.text == "Open https://tenantry.test/verify?t=abc\n")
        }
    }

    @Test("AUTH LOGIN when the server offers only LOGIN")
    func loginAuth() async throws {
        try await SMTPTestServer.with(["--auth", "mailer:secret", "--auth-mechanisms", "LOGIN"], tls: true) { server in
            let transport = try Self.transport(
                "smtp://mailer:secret@127.0.0.1:\(server.port)?from=no-reply@tenantry.test&ca=\(server.caFile)"
            )
            try await transport.send(Self.message())
            let delivered = try server.delivered()
            try #require(delivered.count == 1, "server log:\n\(server.log)")
            #expect(delivered[0].authMechanism == "LOGIN")
            #expect(delivered[0].authLogin == "mailer")
        }
    }

    @Test("implicit TLS (smtps://) verifies the certificate's IP address entry")
    func implicitTLS() async throws {
        try await SMTPTestServer.with(["--implicit-tls"], tls: true) { server in
            let transport = try Self.transport("smtps://127.0.0.1:\(server.port)?from=no-reply@tenantry.test&ca=\(server.caFile)")
            try await transport.send(Self.message())
            let delivered = try server.delivered()
            try #require(delivered.count == 1, "server log:\n\(server.log)")
            #expect(delivered[0].tls)
        }
    }

    // MARK: - Failures

    @Test("a wrong password is a permanent failure (535) that does not reveal the password")
    func wrongPassword() async throws {
        try await SMTPTestServer.with(["--auth", "mailer:right-password"], tls: true) { server in
            let transport = try Self.transport(
                "smtp://mailer:wrong-password@localhost:\(server.port)?from=no-reply@tenantry.test&ca=\(server.caFile)"
            )
            let error = try #require(await Self.failure(sending: Self.message(), with: transport))
            #expect(error.isPermanent)
            #expect(error.reason.hasPrefix("auth:"))
            #expect(error.reason.contains("535"))
            #expect(!error.description.contains("wrong-password"))
            #expect(try server.delivered().isEmpty)
        }
    }

    @Test("a server that requires STARTTLS refuses a tls=none client, and nothing is delivered")
    func serverRequiresStartTLS() async throws {
        try await SMTPTestServer.with(["--require-starttls"], tls: true) { server in
            let transport = try Self.transport("smtp://127.0.0.1:\(server.port)?tls=none&from=no-reply@tenantry.test")
            let error = try #require(await Self.failure(sending: Self.message(), with: transport))
            #expect(error.reason.hasPrefix("mail from:"))
            #expect(error.reason.contains("530"))
            #expect(try server.delivered().isEmpty)
        }
    }

    @Test("tls=starttls never falls back to plain text when the server does not offer STARTTLS")
    func noSilentDowngrade() async throws {
        try await SMTPTestServer.with { server in
            let transport = try Self.transport("smtp://127.0.0.1:\(server.port)?from=no-reply@tenantry.test")
            let error = try #require(await Self.failure(sending: Self.message(), with: transport))
            #expect(!error.isPermanent)
            #expect(error.reason.hasPrefix("starttls:"))
            #expect(try server.delivered().isEmpty)
        }
    }

    @Test("a 4xx reply to RCPT TO is a temporary failure")
    func temporaryRecipientFailure() async throws {
        try await SMTPTestServer.with(["--rcpt-reply", "450 4.2.1 Mailbox busy, try later"]) { server in
            let transport = try Self.transport("smtp://127.0.0.1:\(server.port)?tls=none&from=no-reply@tenantry.test")
            let error = try #require(await Self.failure(sending: Self.message(), with: transport))
            #expect(!error.isPermanent)
            #expect(error.reason == "rcpt to: server replied 450 4.2.1 Mailbox busy, try later")
            #expect(try server.delivered().isEmpty)
        }
    }

    @Test("a 5xx reply to RCPT TO is a permanent failure")
    func permanentRecipientFailure() async throws {
        try await SMTPTestServer.with(["--rcpt-reply", "550 5.1.1 No such user"]) { server in
            let transport = try Self.transport("smtp://127.0.0.1:\(server.port)?tls=none&from=no-reply@tenantry.test")
            let error = try #require(await Self.failure(sending: Self.message(), with: transport))
            #expect(error.isPermanent)
            #expect(error.reason == "rcpt to: server replied 550 5.1.1 No such user")
            #expect(try server.delivered().isEmpty)
        }
    }

    @Test(
        "a certificate the client does not trust stops the session before anything is sent",
        arguments: [false, true]
    )
    func untrustedCertificate(trustingUnrelatedCA: Bool) async throws {
        try await SMTPTestServer.with(["--auth", "mailer:secret"], tls: true) { server in
            let ca = trustingUnrelatedCA ? "&ca=\(server.unrelatedCAFile)" : ""
            let transport = try Self.transport("smtp://mailer:secret@localhost:\(server.port)?from=no-reply@tenantry.test\(ca)")
            let error = try #require(await Self.failure(sending: Self.message(), with: transport))
            #expect(!error.isPermanent)
            #expect(error.reason == "ehlo after starttls: TLS failure: handshake failed (CERTIFICATE_VERIFY_FAILED)")
            #expect(!error.description.contains("secret"))
            #expect(try server.delivered().isEmpty)
        }
    }

    #if os(Linux)
        // All of 127.0.0.0/8 is loopback on Linux, so the server can listen on an address that
        // its certificate (localhost, 127.0.0.1, ::1) does not name.
        @Test("a certificate from the trusted CA but for another host is refused")
        func wrongHostName() async throws {
            try await SMTPTestServer.with(["--host", "127.0.0.2"], tls: true) { server in
                let transport = try Self.transport(
                    "smtp://127.0.0.2:\(server.port)?from=no-reply@tenantry.test&ca=\(server.caFile)")
                let error = try #require(await Self.failure(sending: Self.message(), with: transport))
                #expect(!error.isPermanent)
                #expect(error.reason.hasPrefix("ehlo after starttls: TLS failure"), "\(error.reason)")
                #expect(error.reason.contains("failedToValidateHostname"), "\(error.reason)")
                #expect(try server.delivered().isEmpty)
            }
        }
    #endif

    @Test("implicit TLS with an untrusted certificate fails at the greeting")
    func untrustedImplicitTLS() async throws {
        try await SMTPTestServer.with(["--implicit-tls"], tls: true) { server in
            let transport = try Self.transport("smtps://localhost:\(server.port)?from=no-reply@tenantry.test")
            let error = try #require(await Self.failure(sending: Self.message(), with: transport))
            #expect(!error.isPermanent)
            #expect(error.reason == "greeting: TLS failure: handshake failed (CERTIFICATE_VERIFY_FAILED)")
            #expect(try server.delivered().isEmpty)
        }
    }

    @Test("a server that never answers times out as a temporary failure")
    func silentServer() async throws {
        try await SMTPTestServer.with(["--silent"]) { server in
            // The budget covers connecting too; on a loaded machine half a second may not even
            // connect, so it is generous. The elapsed-time bound only guards against a hang.
            let transport = try Self.transport("smtp://127.0.0.1:\(server.port)?tls=none&timeout=3&from=no-reply@tenantry.test")
            let started = ContinuousClock.now
            let error = try #require(await Self.failure(sending: Self.message(), with: transport))
            #expect(ContinuousClock.now - started < .seconds(60))
            #expect(!error.isPermanent)
            #expect(error.reason.hasPrefix("greeting: no reply within"), "\(error.reason)")
        }
    }

    @Test("a refused connection is a temporary failure")
    func connectionRefused() async throws {
        // Start a server only to learn a free port, then stop it so that nothing listens there.
        let port = try await SMTPTestServer.with { server in server.port }
        let transport = try Self.transport("smtp://127.0.0.1:\(port)?tls=none&timeout=2&from=no-reply@tenantry.test")
        let error = try #require(await Self.failure(sending: Self.message(), with: transport))
        #expect(!error.isPermanent)
        #expect(error.reason.hasPrefix("connect to 127.0.0.1:\(port):"), "\(error.reason)")
    }

    @Test("a line break in the subject is refused before connecting (header injection)")
    func headerInjection() async throws {
        try await SMTPTestServer.with { server in
            let transport = try Self.transport("smtp://127.0.0.1:\(server.port)?tls=none&from=no-reply@tenantry.test")
            for subject in ["Hello\r\nBcc: victim@example.org", "Hello\nBcc: victim@example.org", "Hello\rX: y"] {
                let error = try #require(await Self.failure(sending: Self.message(subject: subject), with: transport))
                #expect(error.isPermanent)
                #expect(error.reason.contains("subject"))
            }
            let address = try Self.message(to: "a>b@example.org")
            let error = try #require(await Self.failure(sending: address, with: transport))
            #expect(error.isPermanent)
            #expect(try server.delivered().isEmpty)
        }
    }

    @Test("an unreadable CA file is a configuration error when the transport is made")
    func unreadableCAFile() throws {
        let configuration = try SMTPConfiguration(url: "smtp://localhost?from=a@example.org&ca=/nonexistent/ca.pem")
        let error = #expect(throws: TenantryError.self) {
            try SMTPTransport(configuration: configuration, logger: Self.logger)
        }
        #expect(error?.fieldErrors.first?.field == "TENANTRY_EMAIL_URL")
        #expect(error?.fieldErrors.first?.code == "invalid_email_url")
    }
}
