import Foundation
public import TenantryCore

/// How to reach an SMTP server and who the mail comes from, parsed from an email URL.
///
/// Accepted form:
///
/// ```
/// smtp://[user:password@]host[:port]?from=addr[&tls=starttls|required|none][&name=Display%20Name]
///        [&ca=/path/ca.pem][&timeout=10][&helo=client.example.org]
/// smtps://…   (the same, with TLS from the first byte)
/// ```
///
/// - `smtp://` defaults to port 587 and `tls=starttls`: the server must offer STARTTLS and the
///   session is upgraded before anything else is sent.
/// - `smtps://`, or `smtp://…?tls=required`, starts TLS on connect ("implicit TLS") and
///   defaults to port 465.
/// - `tls=none` speaks plain text; only sensible on loopback or in development. Credentials
///   are refused with `tls=none` unless the host is a loopback address, so a password never
///   crosses a network in the clear.
/// - `user`, `password` and every parameter value are percent-decoded (`+` stays a plus, as
///   addresses use it); `from` is required; `name` is an optional display name for `From`.
///   Unknown or repeated parameters are refused, so a typo never goes unnoticed.
/// - `ca` names a PEM file holding the certificate authorities to trust instead of the system
///   trust store. Certificates are always verified, including the host name.
/// - `timeout` is in seconds (default 10, at most 300) and bounds the connection and every
///   reply, the TLS handshake included.
/// - `helo` is the name sent with `EHLO` (default `localhost`).
///
/// A malformed URL throws `validation_failed` with the field `TENANTRY_EMAIL_URL` and the code
/// `invalid_email_url`. ``description`` never contains the password.
public struct SMTPConfiguration: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// When and whether the connection is encrypted.
    public enum TLSMode: String, Sendable, Equatable {
        /// Plain text after connecting, then `STARTTLS`, which the server must offer.
        case startTLS = "starttls"
        /// TLS from the first byte (`smtps://`, usually port 465).
        case required
        /// No encryption at all (loopback and development only).
        case none
    }

    /// The user name and password for `AUTH`.
    public struct Credentials: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
        /// The user name.
        public var username: String
        /// The password; never printed.
        public var password: String

        /// Creates credentials.
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        /// The user name only.
        public var description: String { "\(username):<redacted>" }

        /// Keeps the password out of `dump` and debugger output.
        public var customMirror: Mirror { Mirror(self, children: ["username": username]) }
    }

    /// The setting that email URLs come from; named in validation errors.
    public static let setting = "TENANTRY_EMAIL_URL"

    /// The server's host name or IP address (without brackets for IPv6).
    public var host: String
    /// The server's TCP port.
    public var port: Int
    /// How the connection is encrypted.
    public var tls: TLSMode
    /// The credentials for `AUTH`, if the server needs them.
    public var credentials: Credentials?
    /// The envelope sender and `From` address.
    public var from: EmailAddress
    /// The display name shown with `From`, if any.
    public var fromName: String?
    /// A PEM file of certificate authorities to trust instead of the system trust store.
    public var caFile: String?
    /// The limit for connecting and for each reply.
    public var timeout: Duration
    /// The name this client gives in `EHLO`.
    public var heloName: String

    /// Creates a configuration from its parts; ``init(url:)`` is the usual way.
    public init(
        host: String,
        port: Int,
        tls: TLSMode,
        credentials: Credentials? = nil,
        from: EmailAddress,
        fromName: String? = nil,
        caFile: String? = nil,
        timeout: Duration = .seconds(10),
        heloName: String = "localhost"
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.credentials = credentials
        self.from = from
        self.fromName = fromName
        self.caFile = caFile
        self.timeout = timeout
        self.heloName = heloName
    }

    /// Parses an `smtp://` or `smtps://` URL (see the type's documentation).
    public init(url text: String) throws(TenantryError) {
        func invalid(_ message: String) -> TenantryError {
            Validator.fail(Self.setting, "invalid_email_url", message)
        }
        let usage = "Use smtp://[user:password@]host[:port]?from=address (or smtps://)."
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) else {
            throw invalid("An email URL contains no spaces or control characters.")
        }
        let lowered = text.lowercased()
        let implicitTLS: Bool
        let rest: Substring
        if lowered.hasPrefix("smtp://") {
            implicitTLS = false
            rest = text.dropFirst("smtp://".count)
        } else if lowered.hasPrefix("smtps://") {
            implicitTLS = true
            rest = text.dropFirst("smtps://".count)
        } else {
            throw invalid(usage)
        }
        guard !rest.contains("#") else { throw invalid("An email URL has no fragment (#).") }

        var authority = rest
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            authority = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        }
        if let slash = authority.firstIndex(of: "/") {
            guard authority[slash...] == "/" else { throw invalid("An email URL has no path. \(usage)") }
            authority = authority[..<slash]
        }

        var credentials: Credentials?
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw invalid("Credentials are written user:password@ (both percent-encoded).")
            }
            guard let username = Self.percentDecoded(userInfo[..<colon]),
                let password = Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
            else {
                throw invalid("The user name or password has a malformed percent-encoding.")
            }
            guard !username.isEmpty, !password.isEmpty else {
                throw invalid("Credentials need both a user name and a password.")
            }
            credentials = Credentials(username: username, password: password)
        }

        var host: String
        var explicitPort: Int?
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw invalid("Malformed IPv6 host.") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("Malformed IPv6 host.") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw invalid("Malformed IPv6 host.")
            }
        } else {
            host = String(hostPort)
            if let colon = hostPort.firstIndex(of: ":") {
                host = String(hostPort[..<colon])
                portText = hostPort[hostPort.index(after: colon)...]
            }
            guard !host.isEmpty else { throw invalid("An email URL names a host. \(usage)") }
            guard
                host.unicodeScalars.allSatisfy({
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "-")
                })
            else {
                throw invalid("The host is a DNS name or an IP address.")
            }
            host = host.lowercased()
        }
        if let portText {
            guard portText.allSatisfy(\.isASCII), let value = Int(portText), (1...65535).contains(value) else {
                throw invalid("The port is a number from 1 to 65535.")
            }
            explicitPort = value
        }

        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let key = Self.percentDecoded(parts[0]), let value = Self.percentDecoded(parts[1]) else {
                throw invalid("Query parameters are written name=value with percent-encoding.")
            }
            guard ["tls", "from", "name", "ca", "timeout", "helo"].contains(key) else {
                throw invalid("Unknown parameter '\(key)'; known: tls, from, name, ca, timeout, helo.")
            }
            guard parameters[key] == nil else { throw invalid("The parameter '\(key)' is given twice.") }
            parameters[key] = value
        }

        var tls: TLSMode = implicitTLS ? .required : .startTLS
        if let value = parameters["tls"] {
            guard let mode = TLSMode(rawValue: value.lowercased()) else {
                throw invalid("tls is starttls, required or none.")
            }
            guard !implicitTLS || mode == .required else {
                throw invalid("smtps:// always uses TLS on connect; use smtp:// for tls=\(mode.rawValue).")
            }
            tls = mode
        }

        guard let fromText = parameters["from"], !fromText.isEmpty else {
            throw invalid("The sender is required: add ?from=no-reply@example.org.")
        }
        let from: EmailAddress
        do {
            from = try EmailAddress(fromText, field: Self.setting)
        } catch {
            throw invalid("from is not a valid email address.")
        }
        guard SMTPMessageFormat.isSafeAddress(from.rawValue) else {
            throw invalid("from must be a plain ASCII address without <, >, quotes or commas.")
        }

        var fromName: String?
        if let name = parameters["name"] {
            guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw invalid("name contains no control characters or line breaks.")
            }
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard trimmed.count <= 200 else { throw invalid("name is at most 200 characters.") }
            fromName = trimmed.isEmpty ? nil : trimmed
        }

        var caFile: String?
        if let ca = parameters["ca"] {
            guard !ca.isEmpty, !ca.contains("\0") else { throw invalid("ca names a PEM file.") }
            guard tls != .none else { throw invalid("ca has no meaning with tls=none.") }
            caFile = ca
        }

        var timeout = Duration.seconds(10)
        if let value = parameters["timeout"] {
            guard let seconds = Double(value), seconds.isFinite, seconds > 0, seconds <= 300 else {
                throw invalid("timeout is a number of seconds, more than 0 and at most 300.")
            }
            timeout = .milliseconds(max(1, Int64((seconds * 1000).rounded())))
        }

        var heloName = "localhost"
        if let value = parameters["helo"] {
            guard !value.isEmpty, value.utf8.count <= 253,
                value.unicodeScalars.allSatisfy({
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "." || $0 == "-")
                })
            else {
                throw invalid("helo is a DNS name.")
            }
            heloName = value
        }

        if credentials != nil, tls == .none, !Self.isLoopback(host) {
            throw invalid("Credentials need TLS: use tls=starttls or smtps:// (tls=none is for loopback only).")
        }

        self.init(
            host: host,
            port: explicitPort ?? (tls == .required ? 465 : 587),
            tls: tls,
            credentials: credentials,
            from: from,
            fromName: fromName,
            caFile: caFile,
            timeout: timeout,
            heloName: heloName
        )
    }

    /// The URL form without the password, e.g.
    /// `smtp://mailer@mail.example.org:587?tls=starttls&from=no-reply@example.org`.
    public var description: String {
        let scheme = tls == .required ? "smtps" : "smtp"
        let user = credentials.map { "\($0.username)@" } ?? ""
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var query = ["tls=\(tls.rawValue)", "from=\(from.rawValue)"]
        if let caFile { query.append("ca=\(caFile)") }
        return "\(scheme)://\(user)\(hostPart):\(port)?" + query.joined(separator: "&")
    }

    /// Keeps the password out of `dump` and debugger output.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "tls": tls, "credentials": credentials as Any, "from": from,
                "fromName": fromName as Any, "caFile": caFile as Any, "timeout": timeout, "heloName": heloName,
            ]
        )
    }

    /// Whether `host` names this machine (so plain text never leaves it).
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Percent-decodes URL text; `nil` for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
