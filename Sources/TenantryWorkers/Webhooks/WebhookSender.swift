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
/// first ``maximumResponseBody`` bytes of an answer are kept.
public struct WebhookSender: WebhookTransport {
    /// Where deliveries may go.
    public let policy: EgressPolicy
    /// The whole exchange's limit: resolution, connection, request and answer.
    public let timeout: Duration
    /// Sent as `User-Agent`.
    public let userAgent: String
    let tls: NIOSSLContext
    let group: any EventLoopGroup

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
        let timeout = self.timeout
        do {
            return try await withThrowingTaskGroup(of: DeliveryResponse.self) { group in
                group.addTask {
                    let addresses = try await Self.resolve(host: host, port: port)
                    for address in addresses {
                        guard let ip = IPAddress(bytes: address.bytes) else { throw DeliveryFailure.unresolvable }
                        if let reason = policy.refusal(for: ip) { throw DeliveryFailure.forbiddenAddress(reason) }
                    }
                    return try await exchange(
                        addresses: addresses.map(\.socket), host: host, secure: secure, port: port, url: url, headers: headers,
                        body: body)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw DeliveryFailure.timedOut
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw DeliveryFailure.timedOut }
                return first
            }
        } catch let failure as DeliveryFailure {
            throw failure
        } catch is CancellationError {
            throw .timedOut
        } catch is NIOSSLError {
            throw .tlsFailed
        } catch is BoringSSLError {
            throw .tlsFailed
        } catch {
            throw .connectionFailed
        }
    }

    private func exchange(
        addresses: [SocketAddress], host: String, secure: Bool, port: Int, url: URL, headers: [(String, String)],
        body: [UInt8]
    ) async throws -> DeliveryResponse {
        let literal = IPAddress(host) != nil
        let serverHostname: String? = literal ? nil : host
        var lastError: any Error = DeliveryFailure.connectionFailed
        for address in addresses {
            let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
            do {
                channel = try await ClientBootstrap(group: group)
                    .connectTimeout(.seconds(10))
                    .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                    .connect(to: address) { [tls] channel in
                        channel.eventLoop.makeCompletedFuture {
                            if secure {
                                try channel.pipeline.syncOperations.addHandler(
                                    NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                            }
                            try channel.pipeline.syncOperations.addHTTPClientHandlers()
                            return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                                wrappingChannelSynchronously: channel)
                        }
                    }
            } catch {
                lastError = DeliveryFailure.connectionFailed
                continue
            }
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
            head.headers.add(name: "Connection", value: "close")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(.head(head))
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
                try await outbound.write(.end(nil))
                var status: Int?
                var retryAfter: String?
                var kept = ByteBuffer()
                reading: for try await part in inbound {
                    switch part {
                    case .head(let response):
                        status = Int(response.status.code)
                        retryAfter = response.headers.first(name: "Retry-After")
                    case .body(var chunk):
                        let room = Self.maximumResponseBody - kept.readableBytes
                        if room > 0, let bytes = chunk.readBytes(length: min(room, chunk.readableBytes)) {
                            kept.writeBytes(bytes)
                        }
                        if kept.readableBytes >= Self.maximumResponseBody { break reading }
                    case .end:
                        break reading
                    }
                }
                guard let status else { throw DeliveryFailure.invalidResponse }
                return DeliveryResponse(
                    statusCode: status, retryAfter: retryAfter, body: String(decoding: kept.readableBytesView, as: UTF8.self))
            }
        }
        throw lastError
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
