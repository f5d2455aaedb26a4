public import Foundation

/// What an endpoint answered to one delivery.
public struct DeliveryResponse: Sendable, Equatable {
    /// The HTTP status code.
    public var statusCode: Int
    /// The `Retry-After` header, when there was one.
    public var retryAfter: String?
    /// The first ``WebhookAttempt/maximumResponseBody`` bytes of the body, as UTF-8 (invalid
    /// sequences replaced).
    public var body: String

    /// Creates a value.
    public init(statusCode: Int, retryAfter: String? = nil, body: String = "") {
        self.statusCode = statusCode
        self.retryAfter = retryAfter
        self.body = body
    }

    /// Whether the delivery succeeded: a 2xx status. Redirects are not followed and count as
    /// failures.
    public var succeeded: Bool { (200..<300).contains(statusCode) }
}

/// Why a delivery got no HTTP answer. Each case has a stable ``kind`` for the delivery log.
public enum DeliveryFailure: Error, Sendable, Equatable {
    /// The host resolved to (or is) an address the egress policy refuses.
    case forbiddenAddress(String)
    /// The host name did not resolve.
    case unresolvable
    /// No connection could be made.
    case connectionFailed
    /// The TLS handshake or certificate check failed.
    case tlsFailed
    /// No complete answer within the timeout.
    case timedOut
    /// The answer was not HTTP.
    case invalidResponse

    /// The failure's stable name: `forbidden_address`, `dns`, `connection`, `tls`, `timeout`
    /// or `invalid_response`.
    public var kind: String {
        switch self {
        case .forbiddenAddress: "forbidden_address"
        case .unresolvable: "dns"
        case .connectionFailed: "connection"
        case .tlsFailed: "tls"
        case .timedOut: "timeout"
        case .invalidResponse: "invalid_response"
        }
    }
}

/// Posts one webhook message over HTTP. The workers implement it (``EgressPolicy`` checked on
/// every resolved address, no redirects, one timeout); the delivery use case only sees this.
public protocol WebhookTransport: Sendable {
    /// Posts `body` (JSON) to `url` with `headers`; throws when no HTTP answer came.
    func post(url: URL, headers: [(String, String)], body: [UInt8]) async throws(DeliveryFailure) -> DeliveryResponse
}

/// A webhook attempt's identifier.
public typealias WebhookAttemptID = Identifier<WebhookAttempt>

/// One try at delivering a message, as the delivery log shows it.
public struct WebhookAttempt: Sendable, Equatable {
    public var tenantID: TenantID
    public var id: WebhookAttemptID
    public var messageID: WebhookMessageID
    /// When it started.
    public var attemptedAt: Date
    /// How long it took, in milliseconds.
    public var durationMilliseconds: Int
    /// The answer's status code; `nil` when there was no HTTP answer.
    public var statusCode: Int?
    /// The first 4 KiB of the answer's body.
    public var responseBody: String?
    /// Why no HTTP answer came (``DeliveryFailure/kind``); `nil` when one came.
    public var errorKind: String?

    /// The most bytes of an answer's body that are kept.
    public static let maximumResponseBody = 4096

    /// Creates a value.
    public init(
        tenantID: TenantID, id: WebhookAttemptID, messageID: WebhookMessageID, attemptedAt: Date, durationMilliseconds: Int,
        statusCode: Int?, responseBody: String?, errorKind: String?
    ) {
        self.tenantID = tenantID
        self.id = id
        self.messageID = messageID
        self.attemptedAt = attemptedAt
        self.durationMilliseconds = durationMilliseconds
        self.statusCode = statusCode
        self.responseBody = responseBody
        self.errorKind = errorKind
    }

    /// Whether it succeeded (a 2xx answer).
    public var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
}

/// What follows from one attempt's result, decided without I/O so that the schedule, the
/// dead letter and the disabling of endpoints can be tested with any clock.
public struct DeliveryVerdict: Sendable, Equatable {
    /// What becomes of the message.
    public enum Next: Sendable, Equatable {
        /// A 2xx answer: done.
        case delivered
        /// Try again at this time.
        case retry(at: Date)
        /// The last attempt failed: the message is dead-lettered.
        case exhausted
        /// The endpoint answered 410 Gone: the message fails and the endpoint is disabled.
        case gone
    }

    /// What becomes of the message.
    public var next: Next
    /// The endpoint's failure streak start after this attempt (`nil` after a success).
    public var failingSince: Date?
    /// Why the server disables the endpoint now (`gone` or `failing`), or `nil`.
    public var disableReason: String?

    /// Creates a value.
    public init(next: Next, failingSince: Date?, disableReason: String?) {
        self.next = next
        self.failingSince = failingSince
        self.disableReason = disableReason
    }

    /// Decides after attempt number `attempt` (1-based) of a message at `now`.
    /// - Parameters:
    ///   - failingSince: the endpoint's failure streak start before this attempt.
    ///   - failureWindow: how long an endpoint may fail without a success before it is disabled.
    public static func decide(
        attempt: Int, result: Result<DeliveryResponse, DeliveryFailure>, failingSince: Date?, now: Date,
        schedule: DeliverySchedule, failureWindow: TimeInterval,
        random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) -> DeliveryVerdict {
        var retryAfter: TimeInterval?
        switch result {
        case .success(let response) where response.succeeded:
            return DeliveryVerdict(next: .delivered, failingSince: nil, disableReason: nil)
        case .success(let response) where response.statusCode == 410:
            return DeliveryVerdict(next: .gone, failingSince: failingSince ?? now, disableReason: "gone")
        case .success(let response):
            if response.statusCode == 429 || response.statusCode == 503, let header = response.retryAfter {
                retryAfter = DeliverySchedule.retryAfter(header, now: now)
            }
        case .failure:
            break
        }
        let streak = failingSince ?? now
        let disable = now.timeIntervalSince(streak) >= failureWindow ? "failing" : nil
        if let at = schedule.nextAttempt(after: attempt, at: now, retryAfter: retryAfter, random: random) {
            return DeliveryVerdict(next: .retry(at: at), failingSince: streak, disableReason: disable)
        }
        return DeliveryVerdict(next: .exhausted, failingSince: streak, disableReason: disable)
    }
}

/// How the delivery workers behave; the defaults are the documented ones.
public struct WebhookDeliverySettings: Sendable, Equatable {
    /// One delivery's whole time limit.
    public var timeout: Duration
    /// How long an endpoint may fail without one success before the server disables it.
    public var failureWindow: TimeInterval
    /// Deliveries one process makes at once.
    public var concurrency: Int
    /// When each message is tried.
    public var schedule: DeliverySchedule

    /// Creates settings.
    public init(
        timeout: Duration = .seconds(15), failureWindow: TimeInterval = 5 * 86400, concurrency: Int = 16,
        schedule: DeliverySchedule = .standard
    ) {
        self.timeout = timeout
        self.failureWindow = failureWindow
        self.concurrency = max(1, concurrency)
        self.schedule = schedule
    }

    /// How long a claimed message stays hidden from other workers: the timeout and 5 seconds to
    /// record the attempt, so a live worker finishes before another may take the message over
    /// (a crashed one's message is taken over after this).
    public var lease: TimeInterval {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return seconds + 5
    }
}
