/// Why a DNS lookup gave no answer.
///
/// "No such name" and "no TXT record" are answers, not errors: ``DNSTXTResolver`` returns `[]`
/// for them. The descriptions name the failure only, never the queried name or packet bytes,
/// so they are safe to log and to show.
public enum DNSLookupError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The name is not one Tenantry looks up: empty, a label empty or longer than 63 octets,
    /// longer than 253 octets, or a character other than an ASCII letter, digit, `-` or `_`.
    /// Nothing was sent.
    case invalidName
    /// A server address is not an IPv4 or IPv6 literal with an optional port
    /// (`192.0.2.53`, `192.0.2.53:5353`, `::1`, `[::1]:5353`).
    case invalidServerAddress
    /// No server is configured and `/etc/resolv.conf` names no usable `nameserver`.
    case noServer
    /// No matching answer arrived in time, on any attempt.
    case timeout
    /// The server answered with a failure code (`rcode`): 1 FORMERR, 2 SERVFAIL, 4 NOTIMP,
    /// 5 REFUSED, or another code that is neither NOERROR nor NXDOMAIN.
    case serverFailure(rcode: UInt8)
    /// An answer to our query could not be read: a length, count or compression pointer that
    /// points outside the message, a compression loop, a TXT string longer than its record.
    case malformedResponse
    /// The network refused: no route to the server, or a TCP connection (after a truncated UDP
    /// answer) refused or reset.
    case transportFailure
    /// The task doing the lookup was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .invalidName: "the name is not a valid DNS name"
        case .invalidServerAddress: "the DNS server address is not an IP address with an optional port"
        case .noServer: "no DNS server is configured and /etc/resolv.conf names none"
        case .timeout: "the DNS server did not answer in time"
        case .serverFailure(let rcode): "the DNS server answered with a failure (rcode \(rcode))"
        case .malformedResponse: "the DNS server's answer is malformed"
        case .transportFailure: "the DNS server could not be reached"
        case .cancelled: "the DNS lookup was cancelled"
        }
    }
}
