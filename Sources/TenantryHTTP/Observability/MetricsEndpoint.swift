public import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle
public import TenantryApplication
import TenantryCore

/// `GET /metrics`: the application's metrics in the Prometheus text format (0.0.4), served on
/// the separate metrics listener (``MetricsListener``, `TENANTRY_METRICS_ADDRESS`) and, when a
/// token is configured (`TENANTRY_METRICS_TOKEN`), on the main listener to callers that present
/// it as a bearer token. Without a token the main listener answers 404, as for any unknown path.
public struct MetricsEndpoint: Sendable {
    let metrics: TenantryMetrics
    let token: String?

    /// The media type of the text exposition format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Creates the endpoint; `token` is the bearer token the main listener demands (`nil`: the
    /// route answers 404 there).
    public init(metrics: TenantryMetrics, token: String?) {
        self.metrics = metrics
        self.token = token
    }

    /// The exposition as a response.
    static func response(_ metrics: TenantryMetrics) -> Response {
        Response(
            status: .ok, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }

    /// Adds `GET /metrics` to the main router, behind the token.
    public func register(on router: Router<AppRequestContext>) {
        router.get("/metrics") { request, _ in
            guard let token else {
                throw TenantryError(.routeNotFound, "No route matches GET /metrics.")
            }
            guard let presented = try request.bearerCredential(), SecretToken.matches(presented, token) else {
                throw TenantryError(.unauthenticated, "The metrics need the metrics token as a bearer token.")
            }
            return Self.response(metrics)
        }
    }
}

/// The separate listener of `GET /metrics` (`TENANTRY_METRICS_ADDRESS`): no token, no other
/// route, so it can stay on an address only the scraper reaches.
public struct MetricsListener: Service {
    let application: Application<RouterResponder<BasicRequestContext>>

    /// Creates the listener on `host:port` for `metrics`; logs its address once it listens.
    public init(host: String, port: Int, metrics: TenantryMetrics, logger: Logger) {
        let router = Router()
        router.get("/metrics") { _, _ in MetricsEndpoint.response(metrics) }
        var frameworkLogger = logger
        frameworkLogger.logLevel = max(logger.logLevel, .notice)
        application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info(
                    "metrics listening on http://\(host):\(bound)/metrics",
                    metadata: ["host": "\(host)", "port": "\(bound)"])
            },
            logger: frameworkLogger
        )
    }

    public func run() async throws {
        try await application.run()
    }
}
