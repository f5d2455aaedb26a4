public import NIOCore
import NIOPosix
public import TenantryCore

/// Looks up TXT records with a DNS stub query of its own (RFC 1035), for proving that a tenant
/// controls a domain (`_tenantry-verification.example.com`).
///
/// Each lookup sends one query (type TXT, class IN, a random 16-bit id, recursion desired, no
/// EDNS) over UDP from a fresh ephemeral port to the configured server, or, when none is
/// configured, to the system resolver: the first `nameserver` of `/etc/resolv.conf`, on port 53.
/// Only a datagram from that server's address and port, with the query's id and the query's
/// question, is taken as the answer; any other is ignored while waiting. A truncated answer (TC)
/// is asked again over TCP from the same server. Each attempt waits `timeout`; a timed-out
/// attempt is retried (a new id, a new port) up to `retries` times.
///
/// The answer's TXT records owned by the queried name, or by the names it is an alias of through
/// CNAME records in the same answer, are returned, each record's strings joined; NXDOMAIN and an
/// answer without such records give `[]`.
public struct DNSTXTResolver: TXTRecordResolver {
    /// Where and how patiently queries are sent.
    public struct Configuration: Sendable, Hashable {
        /// The server to ask; `nil` for the system resolver (the first `nameserver` of
        /// `/etc/resolv.conf`, read at each lookup).
        public var server: DNSServerAddress?
        /// How long one attempt waits for its answer (and, after truncation, for the TCP
        /// connection and its answer).
        public var timeout: Duration
        /// How many times a timed-out attempt is sent again (0 for a single attempt).
        public var retries: Int

        /// A configuration; by default the system resolver, 3 seconds per attempt, 2 retries.
        public init(server: DNSServerAddress? = nil, timeout: Duration = .seconds(3), retries: Int = 2) {
            self.server = server
            self.timeout = timeout
            self.retries = retries
        }
    }

    /// The configuration the resolver was made with.
    public let configuration: Configuration
    private let eventLoopGroup: any EventLoopGroup

    /// A resolver sending its queries on NIO's shared event loops
    /// (`MultiThreadedEventLoopGroup.singleton`).
    public init(configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
    }

    /// A resolver sending its queries on `eventLoopGroup`.
    public init(configuration: Configuration = Configuration(), eventLoopGroup: any EventLoopGroup) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
    }

    /// The TXT records at `name`, each record's character-strings joined into one string, in the
    /// order the server gave them; `[]` when the name does not exist (NXDOMAIN) or has none.
    ///
    /// - Throws: ``DNSLookupError``: `.invalidName` before anything is sent, `.noServer` when
    ///   none is configured or found, `.timeout` when no attempt got an answer,
    ///   `.serverFailure(rcode:)` for SERVFAIL, REFUSED and other failure codes,
    ///   `.malformedResponse` for an answer that cannot be read, `.transportFailure`,
    ///   `.cancelled`.
    public func txtRecords(for name: String) async throws(DNSLookupError) -> [String] {
        let name = try DNSName(validating: name)
        let server: DNSServerAddress
        if let configured = configuration.server {
            server = configured
        } else {
            server = try DNSServerAddress.systemResolver()
        }
        let timeout = TimeAmount(configuration.timeout)
        let eventLoop = eventLoopGroup.next()
        var attemptsLeft = max(0, configuration.retries) + 1
        while true {
            attemptsLeft -= 1
            let query = DNSQuery(name: name)
            do throws(DNSLookupError) {
                var answer = try DNSTXTAnswer(
                    parsing: try await DNSExchange.overUDP(query, to: server.socketAddress, timeout: timeout, on: eventLoop),
                    for: query)
                if answer.isTruncated {
                    answer = try DNSTXTAnswer(
                        parsing: try await DNSExchange.overTCP(query, to: server.socketAddress, timeout: timeout, on: eventLoop),
                        for: query)
                }
                switch answer.rcode {
                case 0: return answer.records
                case 3: return []
                default: throw DNSLookupError.serverFailure(rcode: answer.rcode)
                }
            } catch .timeout where attemptsLeft > 0 {
                continue
            }
        }
    }
}
