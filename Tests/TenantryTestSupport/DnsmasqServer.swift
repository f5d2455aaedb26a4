import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real DNS server for a test: Debian's `dnsmasq` in the foreground on a free 127.0.0.1 port
/// (UDP and TCP), answering only from the records given on its command line (no upstream, no
/// hosts file, no configuration file), stopped when the test body ends.
///
/// dnsmasq is started by a small shell that leaves a watcher behind, which kills it when its
/// standard input closes: `stop()` closes it, and so does the end of the test process, however
/// it ends, so a server never outlives its test run.
public final class DnsmasqServer: Sendable {
    /// The port it listens on, over UDP and TCP.
    public let port: Int
    private let process: Process
    private let exit: ProcessExit
    private let input: Pipe
    private let output: CapturedText

    /// Becomes the command in its arguments (`exec`, so the process is dnsmasq itself), leaving
    /// behind a watcher that kills it when standard input reaches its end. SIGKILL, because a
    /// process spawned from a test thread inherits that thread's signal mask, in which SIGTERM
    /// is blocked.
    private static let guardian = "exec 3<&0; (cat <&3 >/dev/null; kill -KILL $$ 2>/dev/null) & exec \"$@\""

    /// Starts dnsmasq with `records` (options such as `--txt-record=name,"text"`,
    /// `--cname=alias,target`, `--local=/example.test/`), runs `body`, and stops it. With `port`
    /// (from ``reservedPort()``, chosen before a server under test was configured to ask it) it
    /// listens there, else on a free port.
    public static func with<T>(_ records: [String], port: Int? = nil, _ body: (DnsmasqServer) async throws -> T)
        async throws -> T
    {
        let server = try await DnsmasqServer(records: records, port: port)
        defer { server.stop() }
        return try await body(server)
    }

    /// Where the dnsmasq binary is: on `PATH`, or in the sbin folders that a non-root `PATH`
    /// leaves out.
    public static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/local/sbin"]
        return folders.map { "\($0)/dnsmasq" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private init(records: [String], port fixedPort: Int?) async throws {
        guard let executable = Self.executable else {
            throw DnsmasqServerError(
                message: "dnsmasq is not installed: `apt-get install dnsmasq-base` (scripts/test installs it when missing)",
                output: "")
        }
        var lastOutput = ""
        // A port found free can be taken before dnsmasq binds it: try a few.
        for _ in 0..<5 {
            let port = try fixedPort ?? Self.freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments =
                ["-c", Self.guardian, "dnsmasq-for-tests", executable] + [
                    "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--no-poll",
                    "--port=\(port)", "--listen-address=127.0.0.1", "--bind-interfaces", "--pid-file=",
                    "--log-facility=-", "--log-queries", "--cache-size=0",
                ] + (getuid() == 0 ? ["--user=root"] : []) + records
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            let input = Pipe()
            process.standardInput = input
            let output = CapturedText()
            pipe.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
            let exit = ProcessExit(process)
            try process.run()
            let deadline = ContinuousClock.now + .seconds(20)
            while process.isRunning, !output.text.contains("started, version"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning, output.text.contains("started, version") {
                self.port = port
                self.process = process
                self.exit = exit
                self.input = input
                self.output = output
                return
            }
            try? input.fileHandleForWriting.close()
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            await exit.wait()
            pipe.fileHandleForReading.readabilityHandler = nil
            lastOutput = output.text
            guard lastOutput.contains("Address already in use") else { break }
            // A fixed port may still be held a moment (by the dnsmasq this test just stopped).
            if fixedPort != nil { try await Task.sleep(for: .milliseconds(300)) }
        }
        throw DnsmasqServerError(message: "dnsmasq did not start", output: lastOutput)
    }

    /// Stops the process.
    public func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        exit.wait(timeout: .seconds(10))
        (process.standardOutput as? Pipe)?.fileHandleForReading.readabilityHandler = nil
    }

    /// What dnsmasq logged so far (each query with `--log-queries`), for failure messages.
    public var log: String { output.text }

    /// The names it was asked about so far (from its `query[TYPE] name from …` log lines).
    public var queriedNames: [String] {
        log.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "query[") else { return nil }
            let words = line[range.upperBound...].split(separator: " ")
            return words.count >= 2 ? String(words[1]) : nil
        }
    }

    /// Whether this machine has an IPv6 loopback address (`::1`) to listen on.
    public static var hasIPv6Loopback: Bool {
        let descriptor = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        guard inet_pton(AF_INET6, "::1", &address.sin6_addr) == 1 else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0
            }
        }
    }

    /// The queried names once at least `count` queries are in the log (its lines arrive a
    /// little after the answers do), or whatever is there after 5 seconds.
    public func queriedNames(atLeast count: Int) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(5)
        while queriedNames.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        return queriedNames
    }

    /// A port below Linux's ephemeral range (32768 and up), free on 127.0.0.1 for UDP and TCP
    /// now: for a server under test configured to ask a dnsmasq that starts later. No outgoing
    /// connection of another test can take such a port in the meantime, as it can a port from
    /// ``freePort()``.
    public static func reservedPort() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_768)
            if (try? boundPort(type: Int32(SOCK_DGRAM.rawValue), port: port)) != nil,
                (try? boundPort(type: Int32(SOCK_STREAM.rawValue), port: port)) != nil
            {
                return port
            }
        }
        throw DnsmasqServerError(message: "no port below 32768 free for both UDP and TCP", output: "")
    }

    /// A port that is free on 127.0.0.1 for both UDP and TCP right now.
    public static func freePort() throws -> Int {
        for _ in 0..<50 {
            let port = try boundPort(type: Int32(SOCK_DGRAM.rawValue), port: 0)
            if (try? boundPort(type: Int32(SOCK_STREAM.rawValue), port: port)) != nil { return port }
        }
        throw DnsmasqServerError(message: "no port free for both UDP and TCP", output: "")
    }

    /// Binds a socket of `type` to 127.0.0.1:`port` (0: any), closes it, returns the port.
    private static func boundPort(type: Int32, port: Int) throws -> Int {
        let descriptor = socket(AF_INET, type, 0)
        guard descriptor >= 0 else { throw DnsmasqServerError(message: "socket() failed", output: "") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw DnsmasqServerError(message: "port \(port) is taken", output: "") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw DnsmasqServerError(message: "getsockname() failed", output: "") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// dnsmasq did not start; carries what it printed.
public struct DnsmasqServerError: Error, CustomStringConvertible {
    public var message: String
    public var output: String
    public var description: String { output.isEmpty ? message : "\(message)\n\(output)" }
}
