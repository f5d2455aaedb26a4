import Foundation
import TenantryCore
import Testing

@testable import TenantryWorkers

@Suite("SMTP message format and replies")
struct SMTPMessageFormatTests {
    // MARK: - Dot-stuffing

    @Test("DATA payload: lines starting with a dot get a second dot, then the terminator")
    func dotStuffing() {
        let payload = String(decoding: SMTPMessageFormat.dataPayload("A: b\r\n\r\n.\r\n..x\r\nx.y\r\n.end"), as: UTF8.self)
        #expect(payload == "A: b\r\n\r\n..\r\n...x\r\nx.y\r\n..end\r\n.\r\n")
        #expect(String(decoding: SMTPMessageFormat.dataPayload(".\r\n"), as: UTF8.self) == "..\r\n.\r\n")
    }

    // MARK: - Quoted-printable

    @Test("quoted-printable escapes non-ASCII, '=' and trailing blanks, and keeps lines within 76")
    func quotedPrintable() {
        #expect(SMTPMessageFormat.quotedPrintable("café = 1") == "caf=C3=A9 =3D 1")
        #expect(SMTPMessageFormat.quotedPrintable("end  \nnext\t") == "end =20\r\nnext=09")
        #expect(SMTPMessageFormat.quotedPrintable("a\r\nb\rc\n") == "a\r\nb\r\nc\r\n")
        let long = String(repeating: "é", count: 100) + " " + String(repeating: "x", count: 200)
        let encoded = SMTPMessageFormat.quotedPrintable(long)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.count > 4)
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") })
        // No escape is split by a soft break: within a line, every "=" but a final soft break
        // is followed by two hexadecimal digits.
        for line in lines {
            let body = Array((line.hasSuffix("=") ? String(line.dropLast()) : line).utf8)
            for (index, byte) in body.enumerated() where byte == UInt8(ascii: "=") {
                let escape = body.count > index + 2 ? Array(body[(index + 1)...(index + 2)]) : []
                #expect(
                    escape.count == 2 && escape.allSatisfy { Character(UnicodeScalar($0)).isHexDigit },
                    "escape cut short in \(line)")
            }
        }
        #expect(Self.decodeQuotedPrintable(encoded) == long)
    }

    static func decodeQuotedPrintable(_ text: String) -> String {
        let joined = Array(text.replacingOccurrences(of: "=\r\n", with: "").utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < joined.count {
            if joined[index] == UInt8(ascii: "="), index + 2 < joined.count,
                let value = UInt8(String(decoding: joined[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(joined[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Headers

    @Test("encoded words hold whole characters and decode back to the text")
    func encodedWords() throws {
        let text = String(repeating: "ваш код ☕ 👩‍💻 ", count: 8)
        let encoded = SMTPMessageFormat.encodedWords(text)
        var decoded: [UInt8] = []
        for word in encoded.components(separatedBy: "\r\n ") {
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            #expect(word.utf8.count <= 75)
            let base64 = String(word.dropFirst("=?UTF-8?B?".count).dropLast(2))
            let bytes = try #require(Data(base64Encoded: base64))
            #expect(String(validating: bytes, as: UTF8.self) != nil, "each word is valid UTF-8 on its own")
            decoded += bytes
        }
        #expect(String(decoding: decoded, as: UTF8.self) == text)
    }

    @Test("subjects: plain ASCII stays readable and is folded at spaces; anything else is encoded")
    func subjects() {
        #expect(SMTPMessageFormat.subjectHeader("Verify your address") == "Subject: Verify your address")
        let long = Array(repeating: "word", count: 40).joined(separator: " ")
        let folded = SMTPMessageFormat.subjectHeader(long)
        #expect(folded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(folded.replacingOccurrences(of: "\r\n", with: "") == "Subject: " + long)
        #expect(SMTPMessageFormat.subjectHeader("Grüße").hasPrefix("Subject: =?UTF-8?B?"))
        #expect(SMTPMessageFormat.subjectHeader("looks =?like?= a word").hasPrefix("Subject: =?UTF-8?B?"))
    }

    @Test("display names: atoms as they are, specials quoted, non-ASCII encoded")
    func displayNames() {
        #expect(SMTPMessageFormat.phrase("Tenantry Support") == "Tenantry Support")
        #expect(SMTPMessageFormat.phrase("Acme, Inc. \"HQ\"") == "\"Acme, Inc. \\\"HQ\\\"\"")
        #expect(SMTPMessageFormat.phrase("Ténantry").hasPrefix("=?UTF-8?B?"))
    }

    @Test("the Date header is RFC 5322 in UTC")
    func date() {
        #expect(SMTPMessageFormat.rfc5322Date(Date(timeIntervalSince1970: 1_751_360_703)) == "Tue, 01 Jul 2025 09:05:03 +0000")
        #expect(SMTPMessageFormat.rfc5322Date(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
    }

    @Test("a rendered message: headers, a single text part, CRLF everywhere")
    func renderTextOnly() throws {
        let rendered = try SMTPMessageFormat.render(
            EmailMessage(to: try EmailAddress("ada@example.org"), subject: "Hi", textBody: "Line 1\nLine 2"),
            from: try EmailAddress("no-reply@example.org"),
            fromName: "Tenantry",
            date: Date(timeIntervalSince1970: 0),
            messageID: "<id@example.org>",
            boundary: "=_b"
        )
        #expect(
            rendered
                == [
                    "From: Tenantry <no-reply@example.org>",
                    "To: ada@example.org",
                    "Subject: Hi",
                    "Date: Thu, 01 Jan 1970 00:00:00 +0000",
                    "Message-ID: <id@example.org>",
                    "MIME-Version: 1.0",
                    "Content-Type: text/plain; charset=utf-8",
                    "Content-Transfer-Encoding: quoted-printable",
                    "",
                    "Line 1",
                    "Line 2",
                    "",
                ].joined(separator: "\r\n")
        )
    }

    @Test("a rendered message with HTML is multipart/alternative, text first")
    func renderAlternative() throws {
        let rendered = try SMTPMessageFormat.render(
            EmailMessage(to: try EmailAddress("ada@example.org"), subject: "Hi", textBody: "Text", htmlBody: "<p>HTML</p>"),
            from: try EmailAddress("no-reply@example.org"),
            fromName: nil,
            date: Date(timeIntervalSince1970: 0),
            messageID: "<id@example.org>",
            boundary: "=_b"
        )
        #expect(rendered.hasPrefix("From: no-reply@example.org\r\n"))
        #expect(
            rendered.hasSuffix(
                [
                    "MIME-Version: 1.0",
                    "Content-Type: multipart/alternative;",
                    " boundary=\"=_b\"",
                    "",
                    "--=_b",
                    "Content-Type: text/plain; charset=utf-8",
                    "Content-Transfer-Encoding: quoted-printable",
                    "",
                    "Text",
                    "--=_b",
                    "Content-Type: text/html; charset=utf-8",
                    "Content-Transfer-Encoding: quoted-printable",
                    "",
                    "<p>HTML</p>",
                    "--=_b--",
                    "",
                ].joined(separator: "\r\n")
            )
        )
    }

    @Test(
        "header injection through the subject or the recipient is refused",
        arguments: ["A\r\nBcc: x@y.z", "A\nB", "A\rB", "A\u{0}B"])
    func injection(subject: String) throws {
        let error = #expect(throws: EmailDeliveryError.self) {
            try SMTPMessageFormat.render(
                EmailMessage(to: try EmailAddress("ada@example.org"), subject: subject, textBody: "x"),
                from: try EmailAddress("no-reply@example.org"),
                fromName: nil,
                date: Date(),
                messageID: "<id@example.org>",
                boundary: "=_b"
            )
        }
        #expect(error?.isPermanent == true)
        #expect(!SMTPMessageFormat.isSafeAddress("a>b@example.org"))
        #expect(!SMTPMessageFormat.isSafeAddress("ü@example.org"))
        #expect(SMTPMessageFormat.isSafeAddress("first.last+tag@example.org"))
    }

    // MARK: - Replies

    @Test("replies: single and multi-line, split anywhere across reads")
    func replies() throws {
        let bytes = Array(
            "220 smtp.test ESMTP\r\n250-smtp.test\r\n250-SIZE 100\r\n250-AUTH=LOGIN\r\n250-auth plain login\r\n250 STARTTLS\r\n"
                .utf8)
        for split in 0...bytes.count {
            var parser = SMTPReplyParser()
            let replies = try parser.feed(bytes[..<split]) + parser.feed(bytes[split...])
            #expect(replies.count == 2)
            #expect(replies.first == SMTPReply(code: 220, lines: ["smtp.test ESMTP"]))
            #expect(replies.last?.lines.count == 5)
            #expect(!parser.hasBufferedInput)
        }
        var parser = SMTPReplyParser()
        let ehlo = try #require(try parser.feed(bytes).last)
        let capabilities = SMTPCapabilities(ehlo: ehlo)
        #expect(capabilities.startTLS)
        #expect(capabilities.authMechanisms == ["LOGIN", "PLAIN"])
        #expect(capabilities.extensions["SIZE"] == ["100"])

        var partial = SMTPReplyParser()
        #expect(try partial.feed(Array("250-a\r\n".utf8)).isEmpty)
        #expect(partial.hasBufferedInput)
        #expect(try partial.feed(Array("250".utf8)).isEmpty)
        #expect(try partial.feed(Array("\n".utf8)) == [SMTPReply(code: 250, lines: ["a", ""])])
    }

    @Test(
        "replies that break the protocol are refused",
        arguments: ["hello\r\n", "25\r\n", "250x\r\n", "250-a\r\n251 b\r\n", "199 x\r\n"])
    func malformedReplies(text: String) {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPProtocolViolation.self) { try parser.feed(Array(text.utf8)) }
    }

    @Test("an endless reply line is refused")
    func endlessLine() {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPProtocolViolation.self) {
            try parser.feed(Array(repeating: UInt8(ascii: "2"), count: SMTPReplyParser.maximumLineLength + 1))
        }
    }

    @Test("reply summaries keep printable ASCII only and the auth stage shows only the code")
    func summaries() {
        let reply = SMTPReply(code: 535, lines: ["5.7.8 bad \u{1B}[31m credentials for mailer"])
        #expect(reply.summary == "535 5.7.8 bad ?[31m credentials for mailer")
        #expect(SMTPTransport.rejection(.auth, reply).reason == "auth: server replied 535")
        #expect(SMTPTransport.rejection(.rcptTo, SMTPReply(code: 450, lines: ["busy"])).isPermanent == false)
        #expect(SMTPTransport.rejection(.data, SMTPReply(code: 250, lines: ["odd"])).isPermanent == false)
        #expect(SMTPTransport.rejection(.endOfData, SMTPReply(code: 554, lines: ["no"])).isPermanent)
    }
}
