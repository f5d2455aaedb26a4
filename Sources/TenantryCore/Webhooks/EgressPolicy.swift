public import Foundation

/// An IPv4 or IPv6 address as its bytes (4 or 16).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address in network order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Parses dotted IPv4 or textual IPv6 (without brackets or a zone); `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        var text = String(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// An address from its bytes (4 or 16 of them).
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Whether it is an IPv4 address.
    public var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address an IPv6 address carries, when it is IPv4-mapped (`::ffff:a.b.c.d`),
    /// IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`).
    public var embeddedIPv4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        let head = bytes[0..<12]
        if head.elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF])
            || (head.allSatisfy { $0 == 0 } && bytes[12..<16].contains { $0 != 0 } && !(bytes[12..<15].allSatisfy { $0 == 0 }))
            || head.elementsEqual([0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0])
        {
            return IPAddress(bytes: Array(bytes[12..<16]))
        }
        if bytes[0] == 0x20, bytes[1] == 0x02 { return IPAddress(bytes: Array(bytes[2..<6])) }
        return nil
    }

    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        guard inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A network in CIDR form (`10.0.0.0/8`, `fc00::/7`).
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    /// The first address.
    public let address: IPAddress
    /// How many leading bits are fixed.
    public let prefixLength: Int

    /// Parses `address/length`, or a bare address (a network of one).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maximum = address.bytes.count * 8
        let length: Int
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...maximum).contains(given), parts[1].allSatisfy(\.isASCII) else { return nil }
            length = given
        } else {
            length = maximum
        }
        self.address = address
        self.prefixLength = length
    }

    /// Whether `candidate` is in this network (an IPv4 address is never in an IPv6 network).
    public func contains(_ candidate: IPAddress) -> Bool {
        guard candidate.bytes.count == address.bytes.count else { return false }
        var remaining = prefixLength
        for (lhs, rhs) in zip(address.bytes, candidate.bytes) {
            if remaining <= 0 { return true }
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if lhs & mask != rhs & mask { return false }
            remaining -= 8
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

/// Where outbound requests (webhook deliveries) may go. Every resolved address of a delivery
/// is checked: loopback, private, link-local, carrier-grade NAT, multicast, reserved,
/// documentation and cloud-metadata addresses are refused, in IPv4 and IPv6 and through the
/// IPv6 forms that carry an IPv4 address, unless the operator allows a network that contains
/// the address (`TENANTRY_WEBHOOK_ALLOWED_NETWORKS`). Plain `http` URLs are refused unless the
/// operator allows them (`TENANTRY_WEBHOOK_ALLOW_HTTP`).
public struct EgressPolicy: Sendable, Equatable {
    /// Networks the operator allows although they are in a refused range.
    public var allowedNetworks: [IPNetwork]
    /// Whether `http://` URLs are accepted.
    public var allowHTTP: Bool

    /// Creates a policy.
    public init(allowedNetworks: [IPNetwork] = [], allowHTTP: Bool = false) {
        self.allowedNetworks = allowedNetworks
        self.allowHTTP = allowHTTP
    }

    /// The ranges no delivery may reach unless allowed.
    public static let refusedNetworks: [IPNetwork] = [
        // IPv4: "this network", private, carrier-grade NAT (also Alibaba's metadata address),
        // loopback, link-local (also the AWS, GCP and Azure metadata address 169.254.169.254),
        // IETF protocol assignments, documentation, benchmarking, multicast, reserved, broadcast.
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
        // IPv6: unspecified, loopback, discard, documentation, unique-local (also AWS's metadata
        // address fd00:ec2::254), site-local, link-local, multicast.
        "::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fec0::/10", "fe80::/10", "ff00::/8",
    ].compactMap { IPNetwork($0) }

    /// Why an address is refused, or `nil` when a delivery may go there.
    public func refusal(for address: IPAddress) -> String? {
        if allowedNetworks.contains(where: { $0.contains(address) }) { return nil }
        if let embedded = address.embeddedIPv4 {
            if allowedNetworks.contains(where: { $0.contains(embedded) }) { return nil }
            if let network = Self.refusedNetworks.first(where: { $0.contains(embedded) }) {
                return "\(address) carries \(embedded), which is in \(network)"
            }
        }
        if let network = Self.refusedNetworks.first(where: { $0.contains(address) }) {
            return "\(address) is in \(network)"
        }
        return nil
    }

    /// Validates an endpoint URL: `https` (or `http` when allowed), a host name or IP
    /// address, an optional port, and a path and query of URL characters (others
    /// `%`-escaped); no user name, password or fragment; at most 2048 characters. This is the
    /// `pattern` of the API document, checked as written. An IP-literal host must not be
    /// refused (a DNS name is checked again at every delivery, where it resolves).
    public func validatedURL(_ text: String, field: String = "url") throws(TenantryError) -> URL {
        let grammar =
            #/^[Hh][Tt][Tt][Pp]([Ss])?://([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|\[([0-9A-Fa-f:.]+)\])(:[0-9]{1,5})?(/([A-Za-z0-9._~!$&'()*+,;=:@/?-]|%[0-9A-Fa-f]{2})*)?$/#
        guard text.utf8.count <= 2048, let match = text.wholeMatch(of: grammar), let url = URL(string: text),
            url.host != nil
        else {
            throw Validator.fail(
                field, "invalid_format",
                "Give an absolute URL of at most 2048 characters: a host, an optional port, a path and query of URL characters.")
        }
        guard match.output.1 != nil || allowHTTP else {
            throw Validator.fail(field, "insecure_url", "Use an https:// URL; this server does not send to http://.")
        }
        let host = match.output.4.map(String.init) ?? String(match.output.2)
        if let literal = IPAddress(host) {
            if let reason = refusal(for: literal) {
                throw Validator.fail(field, "forbidden_address", "Webhooks cannot be sent to this address: \(reason).")
            }
        } else if match.output.4 != nil {
            throw Validator.fail(field, "invalid_format", "\(String(host.prefix(60))) is not an IPv6 address.")
        }
        return url
    }
}
