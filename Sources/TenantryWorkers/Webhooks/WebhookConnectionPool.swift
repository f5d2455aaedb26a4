import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization
import TenantryCore

/// One HTTP/1.1 connection to a webhook receiver, carrying one request at a time.
struct WebhookConnection: Sendable {
    let channel: any Channel
    let collector: NIOLoopBound<ResponseCollector>

    /// What came of one request: the answer, and whether the connection may carry another.
    struct Exchange: Sendable {
        var response: DeliveryResponse
        var reusable: Bool
    }

    /// Sends the request and collects its answer by `deadline`; past it the connection is
    /// closed and the exchange fails with ``DeliveryFailure/timedOut``.
    func exchange(head: HTTPRequestHead, body: ByteBuffer, deadline: NIODeadline) async throws -> Exchange {
        let channel = self.channel
        let collector = self.collector
        let promise = channel.eventLoop.makePromise(of: Exchange.self)
        channel.eventLoop.execute {
            collector.value.expect(promise)
            let timeout = channel.eventLoop.scheduleTask(deadline: deadline) {
                collector.value.fail(DeliveryFailure.timedOut)
                channel.close(promise: nil)
            }
            promise.futureResult.whenComplete { _ in timeout.cancel() }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil)).whenFailure { error in
                collector.value.fail(error)
                channel.close(promise: nil)
            }
        }
        return try await promise.futureResult.get()
    }
}

/// The connection closed (or could not be written to) before any part of an answer arrived:
/// on a connection taken from the pool, the receiver had closed it while it was idle, and the
/// request is sent again on a new one.
struct ConnectionLostBeforeAnswer: Error {}

/// Collects the answer to the request in flight: the status, `Retry-After`, the first
/// ``WebhookSender/maximumResponseBody`` bytes of the body (the rest is read and dropped, so the
/// connection can carry the next request), and whether the receiver keeps the connection open.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<WebhookConnection.Exchange>?
    private var head: HTTPResponseHead?
    private var kept = ByteBuffer()

    /// The next answer completes `promise`.
    func expect(_ promise: EventLoopPromise<WebhookConnection.Exchange>) {
        self.promise = promise
        head = nil
        kept.clear()
    }

    /// Fails the request in flight, if any.
    func fail(_ error: any Error) {
        let promise = self.promise
        self.promise = nil
        promise?.fail(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard promise != nil else {
            // Bytes nobody asked for: the connection cannot be trusted with another request.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let response):
            head = response
        case .body(var chunk):
            let room = WebhookSender.maximumResponseBody - kept.readableBytes
            if room > 0, var slice = chunk.readSlice(length: min(room, chunk.readableBytes)) {
                kept.writeBuffer(&slice)
            }
        case .end:
            guard let head else {
                fail(DeliveryFailure.invalidResponse)
                context.close(promise: nil)
                return
            }
            // An informational answer (100 Continue) precedes the real one.
            if head.status.code < 200 && head.status != .switchingProtocols {
                self.head = nil
                return
            }
            let response = DeliveryResponse(
                statusCode: Int(head.status.code), retryAfter: head.headers.first(name: "Retry-After"),
                body: String(decoding: kept.readableBytesView, as: UTF8.self))
            let promise = self.promise
            self.promise = nil
            promise?.succeed(WebhookConnection.Exchange(response: response, reusable: head.isKeepAlive))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(head == nil ? ConnectionLostBeforeAnswer() : DeliveryFailure.invalidResponse)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }
}

/// Idle keep-alive connections to webhook receivers, by checked address, TLS host name and
/// scheme, so a burst of deliveries to one receiver does not open a connection each. A
/// connection idle for longer than ``idleTimeout`` is closed rather than reused (receivers
/// close idle connections too: Node.js after 5 seconds).
final class WebhookConnectionPool: Sendable {
    /// What a pooled connection is for.
    struct Key: Hashable, Sendable {
        var address: SocketAddress
        var serverHostname: String?
        var secure: Bool
    }

    private struct Idle {
        var connection: WebhookConnection
        var since: NIODeadline

        /// Still open and idle for less than `timeout` at `now`.
        func usable(at now: NIODeadline, timeout: TimeAmount) -> Bool {
            connection.channel.isActive && now - since < timeout
        }
    }

    private struct State {
        var idle: [Key: [Idle]] = [:]
        var count = 0
        var lastSweep = NIODeadline.now()
    }

    private let state = Mutex(State())
    /// The most idle connections kept, over all receivers.
    let maximumIdle: Int
    /// The most idle connections kept to one receiver.
    let maximumIdlePerKey: Int
    /// How long an idle connection is kept.
    let idleTimeout: TimeAmount

    init(maximumIdle: Int = 512, maximumIdlePerKey: Int = 64, idleTimeout: TimeAmount = .seconds(4)) {
        self.maximumIdle = maximumIdle
        self.maximumIdlePerKey = maximumIdlePerKey
        self.idleTimeout = idleTimeout
    }

    /// An open idle connection for `key`, if there is one.
    func take(_ key: Key) -> WebhookConnection? {
        let now = NIODeadline.now()
        var stale: [WebhookConnection] = []
        defer { for connection in stale { connection.channel.close(promise: nil) } }
        return state.withLock { state -> WebhookConnection? in
            while var list = state.idle[key], let last = list.popLast() {
                state.idle[key] = list.isEmpty ? nil : list
                state.count -= 1
                if last.usable(at: now, timeout: idleTimeout) { return last.connection }
                stale.append(last.connection)
            }
            return nil
        }
    }

    /// Keeps `connection` for the next request to `key`, or closes it when the pool is full.
    func put(_ connection: WebhookConnection, for key: Key) {
        let now = NIODeadline.now()
        var closing: [WebhookConnection] = []
        state.withLock { state in
            if now - state.lastSweep > .seconds(1) {
                state.lastSweep = now
                for (key, list) in state.idle {
                    var keep: [Idle] = []
                    for idle in list {
                        if idle.usable(at: now, timeout: idleTimeout) {
                            keep.append(idle)
                        } else {
                            closing.append(idle.connection)
                        }
                    }
                    state.idle[key] = keep.isEmpty ? nil : keep
                    state.count -= list.count - keep.count
                }
            }
            if state.count < maximumIdle && state.idle[key, default: []].count < maximumIdlePerKey {
                state.idle[key, default: []].append(Idle(connection: connection, since: now))
                state.count += 1
            } else {
                closing.append(connection)
            }
        }
        for connection in closing { connection.channel.close(promise: nil) }
    }
}
