public import HTTPTypes
import Prometheus
import Synchronization
public import TenantryApplication

/// The request series of one application: `tenantry_http_requests_total` and
/// `tenantry_http_request_duration_seconds` per route template, method and status class, and
/// `tenantry_http_requests_in_flight`.
///
/// A request costs one lock and one dictionary lookup to find its series (made once per key,
/// then reused) and the series' own atomic updates; no label array is built after the first
/// request of a key. The route is the registered template (`/api/v1/members/{id}`), or
/// `unmatched`; methods outside the standard ones count as `other`, so no label takes a value
/// the client chose.
public final class HTTPRequestMetrics: Sendable {
    private struct Key: Hashable {
        let route: String
        let method: String
        let statusClass: Int
    }

    private struct Series {
        let requests: Counter
        let duration: DurationHistogram
    }

    let metrics: TenantryMetrics
    private let series = Mutex<[Key: Series]>([:])

    private static var requestsName: MetricNameDescriptor {
        TenantryMetrics.name(
            "tenantry_http_requests_total", "HTTP requests answered, by route template, method and status class.")
    }
    private static var durationName: MetricNameDescriptor {
        TenantryMetrics.name(
            "tenantry_http_request_duration_seconds",
            "Time to answer HTTP requests, by route template, method and status class.")
    }
    private static let statusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"]
    private static let knownMethods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .patch, .delete, .options]

    /// Creates the series in `metrics`' registry.
    public init(metrics: TenantryMetrics) {
        self.metrics = metrics
    }

    /// A request started.
    public func started() {
        metrics.requestsInFlight.increment()
    }

    /// A request was answered: counts it under its route template (`nil`: unmatched).
    public func finished(route: String?, method: HTTPRequest.Method, status: Int, duration: Duration) {
        metrics.requestsInFlight.decrement()
        let key = Key(
            route: route ?? "unmatched",
            method: Self.knownMethods.contains(method) ? method.rawValue : "other",
            statusClass: min(max(status / 100, 1), 5))
        let found = series.withLock { series in
            if let existing = series[key] { return existing }
            let labels = [
                ("route", key.route), ("method", key.method), ("status_class", Self.statusClasses[key.statusClass - 1]),
            ]
            let made = Series(
                requests: metrics.registry.makeCounter(descriptor: Self.requestsName, labels: labels),
                duration: metrics.registry.makeDurationHistogram(
                    descriptor: Self.durationName, labels: labels, buckets: TenantryMetrics.requestDurationBuckets))
            series[key] = made
            return made
        }
        found.requests.increment()
        found.duration.record(duration)
    }
}
