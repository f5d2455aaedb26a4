public import Foundation

/// When a webhook message is tried: at once, then after 5 seconds, 5 minutes, 30 minutes,
/// 2 hours, 5 hours, 10 hours and 10 hours (eight attempts over about a day and a day and a
/// half), each delay with ±10 % jitter so that endpoints coming back do not get every retry at
/// once. A `Retry-After` from a 429 or 503 answer replaces the next delay when it is longer,
/// up to ``maximumRetryAfter``.
public struct DeliverySchedule: Sendable, Equatable {
    /// The delay before each retry, in order; the attempt count is one more than their number.
    public var delays: [TimeInterval]
    /// The share of a delay added or taken away at random.
    public var jitter: Double

    /// The schedule of the Standard Webhooks reference implementations.
    public static let standard = DeliverySchedule(
        delays: [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600], jitter: 0.1)

    /// The longest `Retry-After` honoured: a longer one waits this long.
    public static let maximumRetryAfter: TimeInterval = 10 * 3600

    /// Creates a schedule.
    public init(delays: [TimeInterval], jitter: Double) {
        self.delays = delays
        self.jitter = max(0, min(1, jitter))
    }

    /// How many attempts a message gets.
    public var attempts: Int { delays.count + 1 }

    /// When to try again after attempt number `attempt` (1-based) failed at `now`, or `nil`
    /// when that was the last attempt. `retryAfter` is the server's own request, in seconds.
    public func nextAttempt(
        after attempt: Int, at now: Date, retryAfter: TimeInterval? = nil,
        random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) -> Date? {
        guard attempt >= 1, attempt <= delays.count else { return nil }
        var delay = delays[attempt - 1] * (1 + random(-jitter...jitter))
        if let retryAfter, retryAfter > delay { delay = min(retryAfter, Self.maximumRetryAfter) }
        return now.addingTimeInterval(delay)
    }

    /// Reads a `Retry-After` value: delay seconds or an HTTP date; `nil` when it is neither.
    public static func retryAfter(_ value: String, now: Date) -> TimeInterval? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 { return TimeInterval(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
