public import Foundation
public import NIOCore
import NIOHTTP1
public import NIOPosix
public import NIOSSL
public import TenantryCore

/// Posts webhook messages. The host is resolved here, every address it resolves to is checked
/// against the ``EgressPolicy`` (one refused address refuses the delivery), and the connection
/// goes to an address that was checked, so a DNS answer that changes between the check and the
/// connection (DNS rebinding) cannot reach a refused network. TLS checks the certificate against
/// the host name. Redirects are not followed; the whole exchange has one timeout; only the
/// first ``maximumResponseBody`` bytes of an answer are kept. Connections are kept open
/// between deliveries to the same checked address (``WebhookConnectionPool``) when the
/// receiver keeps them open; the address check runs on every delivery all the same.
public struct WebhookSender: WebhookTransport {
    /// Where deliveries may go.
    public let policy: EgressPolicy
    /// The whole exchange's limit: resolution, connection, request and answer.
    public let timeout: Duration
    /// Sent as `User-Agent`.
    public let userAgent: String
    let tls: NIOSSLContext
    let group: any EventLoopGroup
    let pool = WebhookConnectionPool()

    /// The most bytes of an answer's body that are kept.
    public static let maximumResponseBody = WebhookAttempt.maximumResponseBody

    /// Creates a sender.
    /// - Parameters:
    ///   - tls: the client TLS configuration; by default the system's trust roots with full
    ///     certificate verification.
    public init(
        policy: EgressPolicy, timeout: Duration = .seconds(15), userAgent: String,
        tls: TLSConfiguration = .makeClientConfiguration(), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.policy = policy
        self.timeout = timeout
        self.userAgent = userAgent
        self.tls = try NIOSSLContext(configuration: tls)
        self.group = group
    }

    /// Posts `body` (JSON) to `url` with `headers` added to the sender's own.
    public func post(url: URL, headers: [(String, String)], body: [UInt8]) async throws(DeliveryFailure) -> DeliveryResponse {
        guard let host = url.host, let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
            throw .connectionFailed
        }
        let secure = scheme == "https"
        let port = url.port ?? (secure ? 443 : 80)
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        do {
            let addresses = try await Self.resolve(host: host, port: port)
            for address in addresses {
                guard let ip = IPAddress(bytes: address.bytes) else { throw DeliveryFailure.unresolvable }
                if let reason = policy.refusal(for: ip) { throw DeliveryFailure.forbiddenAddress(reason) }
            }
            guard NIODeadline.now() < deadline else { throw DeliveryFailure.timedOut }
            return try await exchange(
                addresses: addresses.map(\.socket), host: host, secure: secure, port: port, url: url, headers: headers,
                body: body, deadline: deadline)
        } catch let failure as DeliveryFailure {
            throw failure
        } catch is ConnectionLostBeforeAnswer {
            throw .invalidResponse
        } catch is NIOSSLError {
            throw .tlsFailed
        } catch is BoringSSLError {
            throw .tlsFailed
        } catch {
            throw .connectionFailed
        }
    }

    /// Sends the request on an idle connection to one of `addresses` when there is one (and on
    /// a new connection if the receiver had closed it meanwhile), else on a new connection to
    /// the first address that accepts; keeps the connection for the next request when the
    /// receiver does.
    private func exchange(
        addresses: [SocketAddress], host: String, secure: Bool, port: Int, url: URL, headers: [(String, String)],
        body: [UInt8], deadline: NIODeadline
    ) async throws -> DeliveryResponse {
        let literal = IPAddress(host) != nil
        let serverHostname: String? = literal ? nil : host
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var path = components?.percentEncodedPath ?? "/"
        if path.isEmpty { path = "/" }
        if let query = components?.percentEncodedQuery { path += "?" + query }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        let defaultPort = secure ? 443 : 80
        let hostHeader = literal && host.contains(":") ? "[\(host)]" : host
        head.headers.add(name: "Host", value: port == defaultPort ? hostHeader : "\(hostHeader):\(port)")
        head.headers.add(name: "User-Agent", value: userAgent)
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(body.count))
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        let buffer = ByteBuffer(bytes: body)

        for address in addresses {
            let key = WebhookConnectionPool.Key(address: address, serverHostname: serverHostname, secure: secure)
            guard let connection = pool.take(key) else { continue }
            do {
                return try await send(head, buffer, on: connection, key, deadline: deadline)
            } catch is ConnectionLostBeforeAnswer {
                break  // the receiver closed it while it was idle: a new connection follows
            }
        }
        var lastError: any Error = DeliveryFailure.connectionFailed
        for address in addresses {
            let connection: WebhookConnection
            do {
                connection = try await connect(to: address, serverHostname: serverHostname, secure: secure, deadline: deadline)
            } catch {
                lastError = NIODeadline.now() < deadline ? DeliveryFailure.connectionFailed : DeliveryFailure.timedOut
                continue
            }
            let key = WebhookConnectionPool.Key(address: address, serverHostname: serverHostname, secure: secure)
            return try await send(head, buffer, on: connection, key, deadline: deadline)
        }
        throw lastError
    }

    /// Sends the request on `connection`; the connection goes back to the pool when the
    /// receiver keeps it open.
    private func send(
        _ head: HTTPRequestHead, _ body: ByteBuffer, on connection: WebhookConnection, _ key: WebhookConnectionPool.Key,
        deadline: NIODeadline
    ) async throws -> DeliveryResponse {
        let result: WebhookConnection.Exchange
        do {
            result = try await connection.exchange(head: head, body: body, deadline: deadline)
        } catch {
            connection.channel.close(promise: nil)
            throw error
        }
        if result.reusable && connection.channel.isActive {
            pool.put(connection, for: key)
        } else {
            connection.channel.close(promise: nil)
        }
        return result.response
    }

    /// A new connection to `address` (with TLS checking the certificate against the host name
    /// when `secure`), within 10 seconds and the deadline.
    private func connect(
        to address: SocketAddress, serverHostname: String?, secure: Bool, deadline: NIODeadline
    ) async throws -> WebhookConnection {
        let remaining = deadline - NIODeadline.now()
        guard remaining > .zero else { throw DeliveryFailure.timedOut }
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(min(.seconds(10), remaining))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [tls] channel in
                channel.eventLoop.makeCompletedFuture {
                    if secure {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector())
                }
            }
            .connect(to: address).get()
        let collector = try await channel.pipeline.handler(type: ResponseCollector.self).map {
            NIOLoopBound($0, eventLoop: channel.eventLoop)
        }.get()
        return WebhookConnection(channel: channel, collector: collector)
    }

    /// A resolved address: for the policy check and for the connection.
    struct Resolved: Sendable {
        var bytes: [UInt8]
        var socket: SocketAddress
    }

    /// The addresses `host` resolves to (itself when it is an IP address), through the system
    /// resolver on NIO's blocking-work pool.
    static func resolve(host: String, port: Int) async throws -> [Resolved] {
        if let literal = IPAddress(host) {
            return [Resolved(bytes: literal.bytes, socket: try SocketAddress(ipAddress: literal.description, port: port))]
        }
        let resolved = try await NIOThreadPool.singleton.runIfActive { () throws -> [Resolved] in
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_family = AF_UNSPEC
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
                throw DeliveryFailure.unresolvable
            }
            defer { freeaddrinfo(first) }
            var found: [Resolved] = []
            var cursor: UnsafeMutablePointer<addrinfo>? = first
            while let entry = cursor {
                if let address = entry.pointee.ai_addr {
                    switch Int32(address.pointee.sa_family) {
                    case AF_INET:
                        let v4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                        let bytes = withUnsafeBytes(of: v4.sin_addr) { Array($0) }
                        found.append(Resolved(bytes: bytes, socket: SocketAddress(v4, host: host)))
                    case AF_INET6:
                        let v6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                        let bytes = withUnsafeBytes(of: v6.sin6_addr) { Array($0) }
                        found.append(Resolved(bytes: bytes, socket: SocketAddress(v6, host: host)))
                    default:
                        break
                    }
                }
                cursor = entry.pointee.ai_next
            }
            return found
        }
        guard !resolved.isEmpty else { throw DeliveryFailure.unresolvable }
        return resolved
    }
}
