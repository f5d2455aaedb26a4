/// One reply from an SMTP server: a three-digit code and the text of each of its lines.
struct SMTPReply: Sendable, Equatable {
    /// The reply code, e.g. 250.
    var code: Int
    /// The text after the code on each line (one entry per line of a multi-line reply).
    var lines: [String]

    /// A one-line summary that is safe to log: the code and the first line's text, limited to
    /// printable ASCII and 200 characters.
    var summary: String {
        var text = String((lines.first ?? "").unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
        if text.count > 200 { text = String(text.prefix(200)) + "..." }
        return text.isEmpty ? "\(code)" : "\(code) \(text)"
    }
}

/// A reply that could not be read: the server broke the protocol.
struct SMTPProtocolViolation: Error, Sendable, CustomStringConvertible {
    /// What was wrong.
    var description: String
}

/// Turns the bytes a server sends into replies (RFC 5321 4.2): lines of `code SP text` or, for
/// every line but the last of a multi-line reply, `code - text`, each ending in CRLF.
///
/// A state machine with no I/O, so it is tested on byte strings alone.
struct SMTPReplyParser: Sendable {
    /// The longest reply line accepted (RFC 5321 allows 512; some servers send longer).
    static let maximumLineLength = 4096
    /// The most lines one reply may have.
    static let maximumLines = 256

    private var pending: [UInt8] = []
    private var code: Int?
    private var lines: [String] = []

    /// Creates a parser with nothing read yet.
    init() {}

    /// Whether bytes were received that do not yet form a whole reply.
    var hasBufferedInput: Bool { !pending.isEmpty || code != nil }

    /// Consumes received bytes and returns every reply they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(SMTPProtocolViolation) -> [SMTPReply] {
        pending.append(contentsOf: bytes)
        var replies: [SMTPReply] = []
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > start, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if let reply = try consume(line: pending[start..<end]) {
                replies.append(reply)
            }
            start = newline + 1
        }
        pending.removeFirst(start)
        guard pending.count <= Self.maximumLineLength else {
            throw SMTPProtocolViolation(description: "a reply line is longer than \(Self.maximumLineLength) bytes")
        }
        return replies
    }

    private mutating func consume(line: ArraySlice<UInt8>) throws(SMTPProtocolViolation) -> SMTPReply? {
        guard line.count <= Self.maximumLineLength else {
            throw SMTPProtocolViolation(description: "a reply line is longer than \(Self.maximumLineLength) bytes")
        }
        let digits = line.prefix(3)
        guard digits.count == 3, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let lineCode = Int(String(decoding: digits, as: UTF8.self)), (200...599).contains(lineCode)
        else {
            throw SMTPProtocolViolation(description: "a reply line does not start with a reply code")
        }
        let rest = line.dropFirst(3)
        let isLast: Bool
        switch rest.first {
        case nil, UInt8(ascii: " "): isLast = true
        case UInt8(ascii: "-"): isLast = false
        default: throw SMTPProtocolViolation(description: "a reply code is followed by neither a space nor a hyphen")
        }
        if let code, code != lineCode {
            throw SMTPProtocolViolation(description: "the lines of one reply carry different codes (\(code), \(lineCode))")
        }
        code = lineCode
        lines.append(String(decoding: rest.dropFirst(), as: UTF8.self))
        guard lines.count <= Self.maximumLines else {
            throw SMTPProtocolViolation(description: "a reply has more than \(Self.maximumLines) lines")
        }
        guard isLast else { return nil }
        let reply = SMTPReply(code: lineCode, lines: lines)
        code = nil
        lines = []
        return reply
    }
}

/// What a server announced in its reply to `EHLO` (RFC 5321 4.1.1.1).
struct SMTPCapabilities: Sendable, Equatable {
    /// Each extension keyword (upper-cased) with its parameters.
    var extensions: [String: [String]]

    /// Reads the extensions from an `EHLO` reply; its first line is the server's greeting.
    init(ehlo reply: SMTPReply) {
        var extensions: [String: [String]] = [:]
        for line in reply.lines.dropFirst() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard var keyword = words.first?.uppercased() else { continue }
            var parameters = Array(words.dropFirst())
            // Some servers still send the pre-standard "AUTH=LOGIN PLAIN" form.
            if keyword.hasPrefix("AUTH=") {
                parameters.insert(String(keyword.dropFirst("AUTH=".count)), at: 0)
                keyword = "AUTH"
            }
            extensions[keyword, default: []].append(contentsOf: parameters)
        }
        self.extensions = extensions
    }

    /// Whether the server offers `STARTTLS`.
    var startTLS: Bool { extensions["STARTTLS"] != nil }

    /// The `AUTH` mechanisms on offer, upper-cased.
    var authMechanisms: Set<String> { Set((extensions["AUTH"] ?? []).map { $0.uppercased() }) }
}
