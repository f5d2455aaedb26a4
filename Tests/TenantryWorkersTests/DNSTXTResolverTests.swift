import Foundation
import TenantryTestSupport
import Testing

@testable import TenantryDNS

/// The TXT resolver against a real DNS server (dnsmasq, started per test on a free loopback
/// port) and, for what a well-behaved server never does, against `scripts/test-peers/dns_peer.py`.
@Suite("DNS TXT resolver", .serialized, .timeLimit(.minutes(3)))
struct DNSTXTResolverTests {
    /// Three 400-octet records at one name: 1,200 octets and more, past the 512 a UDP answer
    /// without EDNS may carry, so dnsmasq answers with TC set.
    static let longRecords = ["a", "b", "c"].map { String(repeating: $0, count: 200) }

    static let zone =
        [
            // dnsmasq answers for example.test itself: NXDOMAIN for names it has nothing for.
            "--local=/example.test/",
            "--txt-record=_tenantry.example.test,tenantry-verification=abc",
            "--txt-record=several.example.test,first record",
            "--txt-record=several.example.test,second record",
            "--txt-record=several.example.test,third record",
            "--txt-record=multi.example.test,part one,part two",
            "--host-record=host.example.test,127.0.0.2",
            "--cname=alias.example.test,_tenantry.example.test",
        ] + longRecords.map { "--txt-record=big.example.test,\($0),\($0)" }

    static func resolver(port: Int, timeout: Duration = .seconds(3), retries: Int = 2) throws -> DNSTXTResolver {
        DNSTXTResolver(
            configuration: .init(server: try DNSServerAddress(host: "127.0.0.1", port: port), timeout: timeout, retries: retries))
    }

    static func withDnsmasq<T>(_ body: (DNSTXTResolver, DnsmasqServer) async throws -> T) async throws -> T {
        try await DnsmasqServer.with(zone) { server in try await body(try resolver(port: server.port), server) }
    }

    static func withPeer<T>(
        timeout: Duration = .seconds(3), retries: Int = 2, _ body: (DNSTXTResolver, PythonPeer) async throws -> T
    )
        async throws -> T
    {
        let peer = try await PythonPeer(script: "dns_peer.py", arguments: ["--exit-on-stdin-eof"], hint: "python3 is needed")
        defer { peer.stop() }
        return try await body(try resolver(port: peer.port, timeout: timeout, retries: retries), peer)
    }

    /// The peer's lines (one per query it received) once there are at least `count`: they
    /// arrive a little after the answers do.
    static func lines(of peer: PythonPeer, atLeast count: Int) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(5)
        while peer.lines.count < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return peer.lines
    }

    /// Runs `lookup` and returns the `DNSLookupError` it throws (`nil`, failing the test, when it
    /// does not throw one).
    static func lookupError(_ lookup: () async throws -> [String]) async -> DNSLookupError? {
        do {
            let records = try await lookup()
            Issue.record("expected a DNSLookupError, got \(records)")
            return nil
        } catch let error as DNSLookupError {
            return error
        } catch {
            Issue.record("expected a DNSLookupError, got \(error)")
            return nil
        }
    }

    // MARK: - Against dnsmasq

    @Test("the verification record at a _tenantry name is found")
    func findsOneRecord() async throws {
        try await Self.withDnsmasq { resolver, server in
            let records = try await resolver.txtRecords(for: "_tenantry.example.test")
            #expect(records == ["tenantry-verification=abc"], "dnsmasq log:\n\(server.log)")
        }
    }

    @Test("every TXT record at one name is returned, each as its own string")
    func findsSeveralRecords() async throws {
        try await Self.withDnsmasq { resolver, _ in
            let records = try await resolver.txtRecords(for: "several.example.test")
            #expect(records.sorted() == ["first record", "second record", "third record"])
        }
    }

    @Test("a record made of several character-strings comes back as one string, joined without separator")
    func joinsTheStringsOfOneRecord() async throws {
        try await Self.withDnsmasq { resolver, _ in
            let records = try await resolver.txtRecords(for: "multi.example.test")
            #expect(records == ["part onepart two"])
        }
    }

    @Test("a name that does not exist (NXDOMAIN) has no records, and that is not an error")
    func unknownNameHasNoRecords() async throws {
        try await Self.withDnsmasq { resolver, server in
            let records = try await resolver.txtRecords(for: "missing.example.test")
            #expect(records == [])
            let queried = try await server.queriedNames(atLeast: 1)
            #expect(queried == ["missing.example.test"])
        }
    }

    @Test("a name that exists without TXT records (NOERROR, no answers) has no records")
    func nameWithoutTXTHasNoRecords() async throws {
        try await Self.withDnsmasq { resolver, _ in
            let records = try await resolver.txtRecords(for: "host.example.test")
            #expect(records == [])
        }
    }

    @Test("a CNAME is followed to its target's TXT record; the CNAME itself is not returned")
    func followsCNAME() async throws {
        try await Self.withDnsmasq { resolver, _ in
            let records = try await resolver.txtRecords(for: "alias.example.test")
            #expect(records == ["tenantry-verification=abc"])
        }
    }

    @Test("names are compared without regard to case, and a trailing dot is allowed")
    func caseAndTrailingDot() async throws {
        try await Self.withDnsmasq { resolver, _ in
            let records = try await resolver.txtRecords(for: "_TENANTRY.Example.Test.")
            #expect(records == ["tenantry-verification=abc"])
        }
    }

    @Test("an answer too big for UDP comes back truncated and is asked again over TCP, whole")
    func truncatedAnswerIsAskedAgainOverTCP() async throws {
        try await Self.withDnsmasq { resolver, server in
            let records = try await resolver.txtRecords(for: "big.example.test")
            #expect(records.sorted() == Self.longRecords.map { $0 + $0 }, "dnsmasq log:\n\(server.log)")
            // Once over UDP (truncated), once over TCP.
            let queried = try await server.queriedNames(atLeast: 2)
            #expect(queried == ["big.example.test", "big.example.test"])
        }
    }

    @Test("REFUSED (dnsmasq without upstream, for a name outside its zone) is a server failure with its rcode")
    func refusedIsServerFailure() async throws {
        try await Self.withDnsmasq { resolver, _ in
            let error = await Self.lookupError { try await resolver.txtRecords(for: "elsewhere.test") }
            #expect(error == .serverFailure(rcode: 5))
        }
    }

    @Test("an invalid name is refused before anything is sent")
    func invalidNamesAreRefusedBeforeSending() async throws {
        let tooLongLabel = String(repeating: "a", count: 64) + ".example.test"
        let tooLongName = Array(repeating: String(repeating: "a", count: 49), count: 5).joined(separator: ".") + ".test"
        #expect(tooLongName.utf8.count == 254)
        let invalid = [
            "", ".", "..", "a..example.test", ".example.test", "example.test..", tooLongLabel, tooLongName,
            "exa mple.test", "exämple.test", "example.test/x", "*.example.test", "a\u{0}.example.test",
        ]
        try await Self.withDnsmasq { resolver, server in
            for name in invalid {
                let error = await Self.lookupError { try await resolver.txtRecords(for: name) }
                #expect(error == .invalidName, "\(name.debugDescription)")
            }
            // The longest valid name (253 octets, 63-octet labels) does go out.
            let longest =
                Array(repeating: String(repeating: "a", count: 63), count: 3).joined(separator: ".") + "."
                + String(repeating: "b", count: 48) + ".example.test"
            #expect(longest.utf8.count == 253)
            let records = try await resolver.txtRecords(for: longest)
            #expect(records == [])
            // dnsmasq logs in order: once this query is in the log, nothing else went before it.
            let queried = try await server.queriedNames(atLeast: 1)
            #expect(queried == [longest], "dnsmasq log:\n\(server.log)")
        }
    }

    // MARK: - Servers that misbehave

    @Test("a server that does not answer (nobody listens on the port) ends in .timeout, within timeout × attempts")
    func silentPortTimesOut() async throws {
        let resolver = try Self.resolver(port: try DnsmasqServer.freePort(), timeout: .milliseconds(300), retries: 2)
        let start = ContinuousClock.now
        let error = await Self.lookupError { try await resolver.txtRecords(for: "_tenantry.example.test") }
        let elapsed = ContinuousClock.now - start
        #expect(error == .timeout)
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(3), "took \(elapsed)")
    }

    @Test("a timed-out attempt is retried with a new query, up to the configured retries")
    func silentServerIsAskedOncePerAttempt() async throws {
        try await Self.withPeer(timeout: .milliseconds(300), retries: 2) { resolver, peer in
            let error = await Self.lookupError { try await resolver.txtRecords(for: "silent.example.test") }
            #expect(error == .timeout)
            let lines = try await Self.lines(of: peer, atLeast: 3)
            #expect(lines == Array(repeating: "udp silent.example.test", count: 3))
        }
    }

    @Test(
        "garbage, a wrong id, another question, a query and an answer from another port are ignored; the genuine answer is taken")
    func forgedDatagramsAreIgnored() async throws {
        try await Self.withPeer { resolver, _ in
            let records = try await resolver.txtRecords(for: "spoofed.example.test")
            #expect(records == ["genuine"])
        }
    }

    @Test("answers that only ever carry a wrong id are never accepted: .timeout")
    func wrongIdAnswersTimeOut() async throws {
        try await Self.withPeer(timeout: .milliseconds(300), retries: 1) { resolver, peer in
            let error = await Self.lookupError { try await resolver.txtRecords(for: "wrongid.example.test") }
            #expect(error == .timeout)
            let lines = try await Self.lines(of: peer, atLeast: 2)
            #expect(lines == Array(repeating: "udp wrongid.example.test", count: 2))
        }
    }

    @Test("a compression pointer to itself is a malformed response, not a hang")
    func compressionLoopIsMalformed() async throws {
        try await Self.withPeer { resolver, _ in
            let error = await Self.lookupError { try await resolver.txtRecords(for: "loop.example.test") }
            #expect(error == .malformedResponse)
        }
    }

    @Test("a record whose length runs past the message is a malformed response")
    func overrunIsMalformed() async throws {
        try await Self.withPeer { resolver, _ in
            let error = await Self.lookupError { try await resolver.txtRecords(for: "overrun.example.test") }
            #expect(error == .malformedResponse)
        }
    }

    @Test("SERVFAIL is a server failure with rcode 2")
    func servfailIsServerFailure() async throws {
        try await Self.withPeer { resolver, _ in
            let error = await Self.lookupError { try await resolver.txtRecords(for: "servfail.example.test") }
            #expect(error == .serverFailure(rcode: 2))
        }
    }

    @Test("after TC, the TCP answer is read even when it arrives in pieces")
    func tcpAnswerInPieces() async throws {
        try await Self.withPeer { resolver, peer in
            let records = try await resolver.txtRecords(for: "truncated.example.test")
            #expect(records == ["overtcp"])
            let lines = try await Self.lines(of: peer, atLeast: 2)
            #expect(lines == ["udp truncated.example.test", "tcp truncated.example.test"])
        }
    }

    @Test("over TCP, an answer with another id is a malformed response")
    func wrongIdOverTCPIsMalformed() async throws {
        try await Self.withPeer { resolver, _ in
            let error = await Self.lookupError { try await resolver.txtRecords(for: "tcpwrongid.example.test") }
            #expect(error == .malformedResponse)
        }
    }

    @Test("a TXT record the server adds for another name is left out")
    func recordsOfOtherNamesAreLeftOut() async throws {
        try await Self.withPeer { resolver, _ in
            let records = try await resolver.txtRecords(for: "foreign.example.test")
            #expect(records == ["mine"])
        }
    }

    // MARK: - Configuration

    @Test("server addresses: IPv4 and IPv6 literals, with or without a port; host names and bad ports refused")
    func serverAddresses() throws {
        #expect(try DNSServerAddress(parsing: "192.0.2.53") == DNSServerAddress(host: "192.0.2.53", port: 53))
        #expect(try DNSServerAddress(parsing: "127.0.0.1:5353") == DNSServerAddress(host: "127.0.0.1", port: 5353))
        #expect(try DNSServerAddress(parsing: "::1") == DNSServerAddress(host: "::1", port: 53))
        #expect(try DNSServerAddress(parsing: "[::1]") == DNSServerAddress(host: "::1", port: 53))
        #expect(try DNSServerAddress(parsing: "[2001:db8::53]:5353") == DNSServerAddress(host: "2001:db8::53", port: 5353))
        #expect(try DNSServerAddress(parsing: "[::1]:5353").description == "[::1]:5353")
        for text in [
            "", "dns.example.test", "dns.example.test:53", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:x", "[::1", "[::1]x",
            "1.2.3",
        ] {
            #expect(throws: DNSLookupError.invalidServerAddress, "\(text)") { try DNSServerAddress(parsing: text) }
        }
    }

    @Test("the system resolver is the first usable nameserver of resolv.conf, on port 53")
    func systemResolverFromResolvConf() throws {
        let text = """
            # generated
            search example.test
            nameserver dns.example.test
            nameserver 192.0.2.53 ; the first usable one
            nameserver 192.0.2.54
            options edns0
            """
        #expect(try DNSServerAddress.firstNameserver(inResolvConf: text) == DNSServerAddress(host: "192.0.2.53"))
        #expect(DNSServerAddress.firstNameserver(inResolvConf: "search example.test\n#nameserver 192.0.2.1\n") == nil)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("resolv-\(UUID().uuidString).conf")
        try "nameserver\t::1\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try DNSServerAddress.systemResolver(resolvConf: file.path) == DNSServerAddress(host: "::1"))
        #expect(throws: DNSLookupError.noServer) { try DNSServerAddress.systemResolver(resolvConf: file.path + ".missing") }
    }

    @Test("a server given as an IPv6 literal ([::1]:port) is asked over IPv6", .enabled(if: DnsmasqServer.hasIPv6Loopback))
    func ipv6Server() async throws {
        try await DnsmasqServer.with(Self.zone + ["--listen-address=::1"]) { server in
            let resolver = DNSTXTResolver(configuration: .init(server: try DNSServerAddress(parsing: "[::1]:\(server.port)")))
            let records = try await resolver.txtRecords(for: "_tenantry.example.test")
            #expect(records == ["tenantry-verification=abc"])
            _ = try await server.queriedNames(atLeast: 1)
            #expect(server.log.contains("from ::1"), "dnsmasq log:\n\(server.log)")
        }
    }
}
