import NIOCore
import NIOPosix

/// One query sent and its answer awaited, over UDP or over TCP, with a deadline.
///
/// Each exchange opens its own socket (so a UDP exchange gets a fresh ephemeral source port from
/// the kernel) and closes it when done.
enum DNSExchange {
    /// Sends `query` over UDP to `server` and returns the first datagram that comes from
    /// `server`'s address and port and answers `query` (``DNSQuery/isAnswered(by:)``); others are
    /// dropped while waiting. Throws `.timeout` when none arrives within `timeout`.
    static func overUDP(
        _ query: DNSQuery, to server: SocketAddress, timeout: TimeAmount, on eventLoop: any EventLoop
    ) async throws(DNSLookupError) -> [UInt8] {
        let promise = eventLoop.makePromise(of: [UInt8].self)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            DNSDatagramAnswerHandler(query: query, server: server, promise: promise))
                    }
                }
                .bind(host: server.protocol == .inet6 ? "::" : "0.0.0.0", port: 0)
                .get()
        } catch {
            promise.fail(DNSLookupError.transportFailure)
            throw .transportFailure
        }
        defer { channel.close(promise: nil) }
        let envelope = AddressedEnvelope(remoteAddress: server, data: ByteBuffer(bytes: query.bytes))
        do {
            try await channel.writeAndFlush(envelope)
        } catch {
            promise.fail(DNSLookupError.transportFailure)
            throw .transportFailure
        }
        return try await awaitAnswer(promise, timeout: timeout)
    }

    /// Sends `query` over TCP to `server` (RFC 1035 §4.2.2: each message after its two-octet
    /// length) and returns the answer. On a connection the server alone answers, so an answer
    /// that is not to `query` is `.malformedResponse`, not ignored.
    static func overTCP(
        _ query: DNSQuery, to server: SocketAddress, timeout: TimeAmount, on eventLoop: any EventLoop
    ) async throws(DNSLookupError) -> [UInt8] {
        let promise = eventLoop.makePromise(of: [UInt8].self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DNSStreamAnswerHandler(query: query, promise: promise))
                    }
                }
                .connect(to: server)
                .get()
        } catch ChannelError.connectTimeout {
            promise.fail(DNSLookupError.timeout)
            throw .timeout
        } catch {
            promise.fail(DNSLookupError.transportFailure)
            throw .transportFailure
        }
        defer { channel.close(promise: nil) }
        let message = query.bytes
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt16(message.count))
        buffer.writeBytes(message)
        do {
            try await channel.writeAndFlush(buffer)
        } catch {
            promise.fail(DNSLookupError.transportFailure)
            throw .transportFailure
        }
        return try await awaitAnswer(promise, timeout: timeout)
    }

    /// Waits for `promise`, failing it with `.timeout` after `timeout` and with `.cancelled`
    /// when the waiting task is cancelled.
    private static func awaitAnswer(_ promise: EventLoopPromise<[UInt8]>, timeout: TimeAmount) async throws(DNSLookupError)
        -> [UInt8]
    {
        let deadline = promise.futureResult.eventLoop.scheduleTask(in: timeout) {
            promise.fail(DNSLookupError.timeout)
        }
        defer { deadline.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(DNSLookupError.cancelled)
            }
        } catch let error as DNSLookupError {
            throw error
        } catch {
            throw .transportFailure
        }
    }
}

/// Hands the first datagram that answers the query, from the server, to the promise; drops
/// everything else (wrong source, wrong id, wrong question, garbage).
final class DNSDatagramAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let query: DNSQuery
    private let server: SocketAddress
    private let promise: EventLoopPromise<[UInt8]>

    init(query: DNSQuery, server: SocketAddress, promise: EventLoopPromise<[UInt8]>) {
        self.query = query
        self.server = server
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == server else { return }
        let message = Array(envelope.data.readableBytesView)
        guard query.isAnswered(by: message) else { return }
        promise.succeed(message)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A read error on an unconnected UDP socket (e.g. an ICMP error some kernels report)
        // says nothing certain about our server: keep waiting until the deadline.
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(DNSLookupError.transportFailure)
        context.fireChannelInactive()
    }
}

/// Collects the length-prefixed answer on a TCP connection and hands it to the promise.
final class DNSStreamAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let query: DNSQuery
    private let promise: EventLoopPromise<[UInt8]>
    private var received = ByteBuffer()

    init(query: DNSQuery, promise: EventLoopPromise<[UInt8]>) {
        self.query = query
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        received.writeBuffer(&chunk)
        guard let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
            let message = received.getBytes(at: received.readerIndex + 2, length: Int(length))
        else { return }
        if query.isAnswered(by: message) {
            promise.succeed(message)
        } else {
            promise.fail(DNSLookupError.malformedResponse)
        }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(DNSLookupError.transportFailure)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(DNSLookupError.transportFailure)
        context.fireChannelInactive()
    }
}
