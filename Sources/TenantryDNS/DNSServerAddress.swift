import Foundation
import NIOCore

/// Where DNS queries go: an IPv4 or IPv6 address literal and a UDP/TCP port.
///
/// A host name is not accepted: finding the DNS server must not need DNS.
public struct DNSServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address literal, without brackets (`192.0.2.53`, `::1`).
    public let host: String
    /// The port, 53 unless configured otherwise.
    public let port: Int

    /// The socket address the queries are sent to.
    let socketAddress: SocketAddress

    /// A server at `host` (an IPv4 or IPv6 literal) and `port` (1 to 65535).
    public init(host: String, port: Int = 53) throws(DNSLookupError) {
        guard (1...65535).contains(port), let address = try? SocketAddress(ipAddress: host, port: port) else {
            throw .invalidServerAddress
        }
        self.host = host
        self.port = port
        self.socketAddress = address
    }

    /// Parses `host:port` as configured (e.g. in `TENANTRY_DNS_SERVER`): `192.0.2.53`,
    /// `192.0.2.53:5353`, `::1`, `[::1]` or `[::1]:5353`. The port defaults to 53.
    public init(parsing text: String) throws(DNSLookupError) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidServerAddress }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                try self.init(host: host)
            } else {
                guard rest.hasPrefix(":"), let port = Int(rest.dropFirst()) else { throw .invalidServerAddress }
                try self.init(host: host, port: port)
            }
        } else if text.filter({ $0 == ":" }).count > 1 {
            try self.init(host: text)
        } else if let colon = text.firstIndex(of: ":") {
            guard let port = Int(text[text.index(after: colon)...]) else { throw .invalidServerAddress }
            try self.init(host: String(text[..<colon]), port: port)
        } else {
            try self.init(host: text)
        }
    }

    /// The system resolver: the first `nameserver` line of `resolvConf` (by default
    /// `/etc/resolv.conf`) that holds an IP literal, on port 53 (an IPv6 link-local address
    /// with a `%zone` counts when the zone names an interface here); other lines are passed
    /// over.
    ///
    /// Read at each lookup, so a changed file takes effect without a restart.
    public static func systemResolver(resolvConf: String = "/etc/resolv.conf") throws(DNSLookupError) -> DNSServerAddress {
        guard let data = FileManager.default.contents(atPath: resolvConf) else { throw .noServer }
        guard let server = firstNameserver(inResolvConf: String(decoding: data, as: UTF8.self)) else {
            throw .noServer
        }
        return server
    }

    /// The first usable `nameserver` of a resolv.conf(5) text.
    static func firstNameserver(inResolvConf text: String) -> DNSServerAddress? {
        for line in text.split(whereSeparator: \.isNewline) {
            let content = line.prefix { $0 != "#" && $0 != ";" }
            let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard words.count >= 2, words[0] == "nameserver" else { continue }
            if let server = try? DNSServerAddress(host: String(words[1])) { return server }
        }
        return nil
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public static func == (lhs: DNSServerAddress, rhs: DNSServerAddress) -> Bool {
        lhs.host == rhs.host && lhs.port == rhs.port
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(host)
        hasher.combine(port)
    }
}
