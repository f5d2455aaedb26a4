import Foundation
import TenantryCore

/// Renders an ``EmailMessage`` as the RFC 5322 / MIME text sent after `DATA`, and holds the
/// encodings that takes: RFC 2047 encoded words for non-ASCII headers, quoted-printable bodies
/// and SMTP dot-stuffing.
///
/// Every line of the output ends with CRLF and is at most 78 characters long, apart from a
/// header that holds one unbreakable word; bodies are 7-bit clean, so no SMTP extension
/// (8BITMIME, SMTPUTF8) is needed.
enum SMTPMessageFormat {
    /// The headers and parts of one message, rendered.
    ///
    /// - Parameters:
    ///   - messageID: the value of `Message-ID`, angle brackets included.
    ///   - boundary: the multipart boundary; must not occur in quoted-printable text (the
    ///     default `=_…` cannot, because `=` only starts an escape there).
    static func render(
        _ message: EmailMessage,
        from: EmailAddress,
        fromName: String?,
        date: Date,
        messageID: String,
        boundary: String
    ) throws(EmailDeliveryError) -> String {
        guard isSafeAddress(message.to.rawValue) else {
            throw EmailDeliveryError(
                isPermanent: true,
                reason: "message: the recipient address cannot be sent over SMTP (non-ASCII or <, >, quotes, commas)"
            )
        }
        guard !message.subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw EmailDeliveryError(isPermanent: true, reason: "message: the subject contains a line break or control character")
        }

        var headers: [String] = []
        if let fromName, !fromName.isEmpty {
            let display = phrase(fromName)
            let line = "From: \(display) <\(from.rawValue)>"
            headers.append(!display.contains("\r\n") && line.utf8.count <= 78 ? line : "From: \(display)\r\n <\(from.rawValue)>")
        } else {
            headers.append("From: \(from.rawValue)")
        }
        headers.append("To: \(message.to.rawValue)")
        headers.append(subjectHeader(message.subject))
        headers.append("Date: \(rfc5322Date(date))")
        headers.append("Message-ID: \(messageID)")
        headers.append("MIME-Version: 1.0")

        var lines = headers
        if let html = message.htmlBody {
            lines.append("Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"")
            lines.append("")
            lines.append("--\(boundary)")
            lines.append(contentsOf: part(message.textBody, subtype: "plain"))
            lines.append("--\(boundary)")
            lines.append(contentsOf: part(html, subtype: "html"))
            lines.append("--\(boundary)--")
        } else {
            lines.append(contentsOf: part(message.textBody, subtype: "plain"))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// One text part's headers, a blank line and its quoted-printable body.
    private static func part(_ text: String, subtype: String) -> [String] {
        [
            "Content-Type: text/\(subtype); charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            quotedPrintable(text),
        ]
    }

    /// Whether an address can go into `MAIL FROM:<…>`, `RCPT TO:<…>` and a header as it is:
    /// printable ASCII with none of the characters that end or split an address.
    static func isSafeAddress(_ address: String) -> Bool {
        !address.isEmpty
            && address.unicodeScalars.allSatisfy { scalar in
                scalar.value > 0x20 && scalar.value < 0x7F && !"<>\"(),;:[]\\".unicodeScalars.contains(scalar)
            }
    }

    // MARK: - Headers

    /// `Subject: …`: printable ASCII as it is (folded at spaces), anything else as encoded words.
    static func subjectHeader(_ subject: String) -> String {
        let name = "Subject: "
        let plain = subject.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        // "=?" could be taken for the start of an encoded word, so such subjects are encoded too.
        if plain, !subject.contains("=?"), !subject.split(separator: " ").contains(where: { $0.utf8.count > 900 }) {
            return folded(name + subject)
        }
        return name + encodedWords(subject, firstLineRoom: 78 - name.utf8.count)
    }

    /// A display name as an RFC 5322 phrase: atoms as they are, other ASCII as a quoted string,
    /// anything else as encoded words.
    static func phrase(_ name: String) -> String {
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~ ".unicodeScalars)
        if name.unicodeScalars.allSatisfy({ atext.contains($0) }), !name.contains("=?") {
            return name
        }
        if name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F }) {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return encodedWords(name, firstLineRoom: 60)
    }

    /// RFC 2047 `=?UTF-8?B?…?=` words, each holding whole Unicode scalars, joined by folding
    /// whitespace (which decoders drop between adjacent encoded words).
    static func encodedWords(_ text: String, firstLineRoom: Int = 64) -> String {
        // 39 bytes encode to 52 base64 characters; with "=?UTF-8?B?" and "?=" a word is 64
        // characters, so a folded line (" " + word) stays within 78.
        let chunkLimit = 39
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = max(3, min(chunkLimit, (firstLineRoom - 12) / 4 * 3))
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > limit, !chunk.isEmpty {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
                limit = chunkLimit
            }
            chunk.append(contentsOf: bytes)
        }
        if !chunk.isEmpty || words.isEmpty {
            words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
        }
        return words.joined(separator: "\r\n ")
    }

    /// Folds a header line at spaces so that lines stay within 78 characters where possible.
    /// Unfolding (removing each CRLF) gives back the original line.
    static func folded(_ line: String, limit: Int = 78) -> String {
        guard line.utf8.count > limit else { return line }
        var output = ""
        var current = ""
        for (index, word) in line.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if index == 0 {
                current = String(word)
            } else if current.utf8.count + 1 + word.utf8.count > limit, !current.trimmingCharacters(in: .whitespaces).isEmpty {
                output += current + "\r\n"
                current = " " + word
            } else {
                current += " " + word
            }
        }
        return output + current
    }

    /// `Date` in RFC 5322 form, in UTC: `Tue, 01 Jul 2025 09:05:03 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = weekdays[((parts.weekday ?? 1) - 1 + 7) % 7]
        let month = months[((parts.month ?? 1) - 1 + 12) % 12]
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return
            "\(weekday), \(two(parts.day)) \(month) \(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    // MARK: - Bodies

    /// Quoted-printable (RFC 2045) of the UTF-8 text: line breaks of any kind become CRLF,
    /// lines are at most 76 characters (soft breaks end in `=`), and trailing spaces and tabs
    /// are escaped so that no transport can strip them.
    static func quotedPrintable(_ text: String) -> String {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let hex = Array("0123456789ABCDEF".utf8)
        var lines: [String] = []
        for line in normalised.split(separator: "\n", omittingEmptySubsequences: false) {
            let bytes = Array(line.utf8)
            var output: [UInt8] = []
            var column = 0
            for (index, byte) in bytes.enumerated() {
                let isLast = index == bytes.count - 1
                var token: [UInt8]
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"):
                    token = isLast ? [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]] : [byte]
                case 33...126 where byte != UInt8(ascii: "="):
                    token = [byte]
                default:
                    token = [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                }
                // A line may hold 76 characters; a soft break takes one ("=") unless this is
                // the last token of the line.
                let room = isLast ? 76 : 75
                if column + token.count > room {
                    output.append(contentsOf: Array("=\r\n".utf8))
                    column = 0
                }
                output.append(contentsOf: token)
                column += token.count
            }
            lines.append(String(decoding: output, as: UTF8.self))
        }
        return lines.joined(separator: "\r\n")
    }

    /// The `DATA` payload for a rendered message: every line that starts with "." gets a second
    /// "." (RFC 5321 4.5.2), the text ends with CRLF, and the terminating "." line follows.
    static func dataPayload(_ rendered: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(rendered.utf8.count + 16)
        var atLineStart = true
        for byte in rendered.utf8 {
            if atLineStart, byte == UInt8(ascii: ".") { output.append(byte) }
            output.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !output.isEmpty, !atLineStart { output.append(contentsOf: Array("\r\n".utf8)) }
        output.append(contentsOf: Array(".\r\n".utf8))
        return output
    }
}
