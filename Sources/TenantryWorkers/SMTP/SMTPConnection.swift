import NIOCore
import NIOPosix
import NIOSSL

/// A failure below the level of SMTP replies.
enum SMTPConnectionError: Error, Sendable, CustomStringConvertible {
    /// No reply arrived in time.
    case timedOut
    /// The server closed the connection.
    case closed
    /// The server sent something that is not an SMTP reply.
    case protocolViolation(SMTPProtocolViolation)
    /// The server sent a reply nobody asked for, e.g. data pipelined behind a reply to
    /// `STARTTLS` (which would otherwise be read as if it had come over TLS).
    case unexpectedInput

    var description: String {
        switch self {
        case .timedOut: "no reply in time"
        case .closed: "the server closed the connection"
        case .protocolViolation(let violation): "protocol violation: \(violation)"
        case .unexpectedInput: "the server sent data nobody asked for"
        }
    }
}

/// The end of the pipeline: parses replies and hands each to whoever waits for it.
///
/// SMTP without PIPELINING is lock-step, so there is at most one waiter. The first failure
/// (a TLS error, a timeout, the connection closing) is kept and given to every later waiter.
final class SMTPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var parser = SMTPReplyParser()
    private var replies = CircularBuffer<SMTPReply>()
    private var waiter: EventLoopPromise<SMTPReply>?
    private var deadline: Scheduled<Void>?
    /// The first failure, if any; every later exchange fails with it.
    private(set) var failure: (any Error)?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            for reply in try parser.feed(buffer.readableBytesView) {
                deliver(reply)
            }
        } catch {
            fail(SMTPConnectionError.protocolViolation(error))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(SMTPConnectionError.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
    }

    /// Whether anything arrived that no one has read yet.
    var hasUnreadInput: Bool { parser.hasBufferedInput || !replies.isEmpty }

    /// Sends `command` (if any) and returns the reply that follows, failing after `timeout`.
    func exchange(_ command: ByteBuffer?, timeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<SMTPReply> {
        if let failure { return eventLoop.makeFailedFuture(failure) }
        guard let context else { return eventLoop.makeFailedFuture(SMTPConnectionError.closed) }
        if let command {
            guard !hasUnreadInput else {
                fail(SMTPConnectionError.unexpectedInput)
                return eventLoop.makeFailedFuture(SMTPConnectionError.unexpectedInput)
            }
            let written = eventLoop.makePromise(of: Void.self)
            written.futureResult.assumeIsolated().whenFailure { [self] error in fail(error) }
            context.writeAndFlush(NIOAny(command), promise: written)
        } else if let reply = replies.popFirst() {
            return eventLoop.makeSucceededFuture(reply)
        }
        // The write may have failed at once.
        if let failure { return eventLoop.makeFailedFuture(failure) }
        let promise = eventLoop.makePromise(of: SMTPReply.self)
        waiter = promise
        deadline = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            fail(SMTPConnectionError.timedOut)
        }
        return promise.futureResult
    }

    private func deliver(_ reply: SMTPReply) {
        guard let waiter else {
            replies.append(reply)
            return
        }
        self.waiter = nil
        deadline?.cancel()
        deadline = nil
        waiter.succeed(reply)
    }

    private func fail(_ error: any Error) {
        let first = failure ?? error
        failure = first
        deadline?.cancel()
        deadline = nil
        if let waiter {
            self.waiter = nil
            waiter.fail(first)
        }
        context?.close(promise: nil)
    }
}

/// One TCP connection to an SMTP server, with TLS from the start or after `STARTTLS`.
struct SMTPConnection: Sendable {
    let channel: any Channel
    let timeout: TimeAmount
    /// The reply handler, held outside the pipeline too, so that the first failure is still
    /// known after a failed TLS handshake has closed the channel and emptied the pipeline.
    private let replies: NIOLoopBound<SMTPReplyHandler>

    /// Connects, with TLS from the first byte when `implicitTLS` is given.
    static func connect(
        host: String,
        port: Int,
        timeout: TimeAmount,
        implicitTLS: NIOSSLContext?,
        group: any EventLoopGroup
    ) async throws -> SMTPConnection {
        let serverHostname = Self.serverHostname(for: host)
        let eventLoop = group.next()
        let replies = try await eventLoop.submit { NIOLoopBound(SMTPReplyHandler(), eventLoop: eventLoop) }.get()
        let channel = try await ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS {
                        let tls = try NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname)
                        try channel.pipeline.syncOperations.addHandler(tls)
                    }
                    try channel.pipeline.syncOperations.addHandler(replies.value)
                }
            }
            .connect(host: host, port: port)
            .get()
        return SMTPConnection(channel: channel, timeout: timeout, replies: replies)
    }

    /// The name for SNI and certificate checks: `nil` for an IP address, which NIOSSL then
    /// checks against the certificate's IP entries using the peer's address.
    static func serverHostname(for host: String) -> String? {
        let isIPv4 =
            host.split(separator: ".", omittingEmptySubsequences: false).count == 4
            && host.allSatisfy { $0.isNumber || $0 == "." }
        return isIPv4 || host.contains(":") ? nil : host
    }

    /// Reads the next reply without sending anything (the greeting).
    func readReply() async throws -> SMTPReply {
        try await exchange(nil)
    }

    /// Sends one command line (CRLF is added) and reads its reply.
    func command(_ line: String) async throws -> SMTPReply {
        try await exchange(ByteBuffer(string: line + "\r\n"))
    }

    /// Sends the message text after `DATA` (already dot-stuffed and terminated) and reads the
    /// reply.
    func data(_ payload: [UInt8]) async throws -> SMTPReply {
        try await exchange(ByteBuffer(bytes: payload))
    }

    private func exchange(_ bytes: ByteBuffer?) async throws -> SMTPReply {
        let timeout = self.timeout
        return try await channel.eventLoop.flatSubmit { [replies, channel] in
            replies.value.exchange(bytes, timeout: timeout, on: channel.eventLoop)
        }.get()
    }

    /// Puts TLS under the live connection (after the server's 220 to `STARTTLS`). Refuses when
    /// the server already sent more: such bytes came in plain text and must not be read as if
    /// they were protected.
    func startTLS(context: NIOSSLContext, host: String) async throws {
        let serverHostname = Self.serverHostname(for: host)
        try await channel.eventLoop.submit { [replies, channel] in
            let handler = replies.value
            if let failure = handler.failure { throw failure }
            guard !handler.hasUnreadInput else { throw SMTPConnectionError.unexpectedInput }
            let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
            try channel.pipeline.syncOperations.addHandler(tls, position: .first)
        }.get()
    }

    /// Closes the connection; errors (it may be closed already) are of no interest.
    func close() async {
        try? await channel.close()
    }
}
