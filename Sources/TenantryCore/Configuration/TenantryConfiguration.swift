import Foundation

/// Everything the server needs to start, as one value. Built from command-line flags, then
/// `TENANTRY_*` environment variables, then defaults (in that order of precedence) by
/// ``resolve(flags:environment:)``.
public struct TenantryConfiguration: Sendable, Equatable {
    /// How log lines are written.
    public enum LogFormat: String, Sendable, CaseIterable {
        /// One JSON object per line (the default when standard output is not a terminal).
        case json
        /// Human-readable lines (the default on a terminal).
        case text
        /// `text` on a terminal, `json` otherwise.
        case auto
    }

    /// Where the data lives: `sqlite:<path>`, `sqlite::memory:` or `postgres://…` (the runtime role).
    public var databaseURL: String
    /// PostgreSQL only: a connection as the role that owns the schema, used for migrations and
    /// to grant the runtime role its privileges. `nil` means this process does not migrate.
    public var databaseOwnerURL: String?
    /// Apply pending migrations when `serve` starts (needs ``databaseOwnerURL`` on PostgreSQL).
    public var migrateOnStart: Bool
    /// The address to listen on.
    public var host: String
    /// The TCP port to listen on.
    public var port: Int
    /// Log line format.
    public var logFormat: LogFormat
    /// Minimum log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String
    /// Largest accepted request body in bytes; larger ones get 413.
    public var maxBodySize: Int
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT before they are cancelled.
    public var shutdownTimeout: Double
    /// Seconds `/health/ready` waits for the database before answering 503.
    public var readinessTimeout: Double
    /// Largest number of PostgreSQL connections this process opens.
    public var databasePoolSize: Int
    /// The server's public base URL: the `iss` of its tokens and the base of links in emails.
    /// `nil` means `http://<host>:<port>`.
    public var publicURL: String?
    /// The `aud` of access tokens.
    public var tokenAudience: String
    /// Seconds an access token is valid.
    public var accessTokenLifetime: Double
    /// Seconds a just-rotated refresh token may be presented once more (0 = strict).
    public var refreshGracePeriod: Double
    /// Seconds a session lives at most.
    public var sessionLifetime: Double
    /// Seconds a session lives without being refreshed.
    public var sessionIdleTimeout: Double
    /// The master key (32 bytes, base64) that encrypts signing keys at rest. `nil`: on a SQLite
    /// file, a key file beside the database is created and used; in memory, a random key; on
    /// PostgreSQL it is required.
    public var masterKey: String?
    /// Previous master keys (comma-separated) that still open older secrets after a rotation.
    public var previousMasterKeys: [String]
    /// Where email goes: `log:` (the log, the default) or `smtp://…` / `smtps://…`.
    public var emailURL: String
    /// PBKDF2 iterations for new password hashes (tests lower it to run fast).
    public var passwordHashIterations: Int
    /// The plan new tenants get (sign-up and operator-created tenants without a plan).
    public var defaultPlan: String = Plan.defaultID
    /// Seconds a deleted tenant stays restorable before it is purged (default 30 days).
    public var tenantDeletionGracePeriod: Double = 30 * 86_400
    /// Whether requests are rate limited (per tenant, per API key, per client IP). Off for
    /// operators behind their own limiter, and for benchmark baselines.
    public var rateLimitsEnabled: Bool
    /// Requests per minute one client IP may make to the unauthenticated routes (sign-up,
    /// sign-in, refresh, password recovery, email verification, invitation acceptance).
    public var clientIPRequestsPerMinute: Int
    /// Seconds between writes of the in-memory usage counts (also written at shutdown).
    public var usageFlushInterval: Double
    /// Whether, on PostgreSQL, the rate limits are shared by every node through the database
    /// (`TENANTRY_RATE_LIMITS_SHARED`, default on); off, each node limits on its own. SQLite
    /// serves one node, whose limits are always its own.
    public var sharedRateLimits: Bool = true
    /// Seconds between a node's merges of what it admitted into the shared rate limits
    /// (`TENANTRY_RATE_LIMIT_SYNC_INTERVAL`, 0.02 to 5, default 0.1). Between merges a node
    /// does not see the other nodes' requests, which bounds how far a limit can be overshot.
    public var rateLimitSyncInterval: Double = 0.1
    /// Seconds an `Idempotency-Key` stays reserved by a request that has not finished
    /// (`TENANTRY_IDEMPOTENCY_LOCK_TIMEOUT`, 5 to 3600, default 60): a retry meanwhile gets 409
    /// `idempotency_in_progress`, and after it a retry runs the request again (its node may have
    /// died). Keep it above the longest time a write request can take.
    public var idempotencyLockTimeout: Double = 60
    /// Whether usage is metered. Only for measuring metering's own cost: with it off, usage is
    /// not recorded and the monthly API-call allowance is not enforced.
    public var usageMetering: Bool
    /// Seconds between audit retention sweeps (`TENANTRY_AUDIT_RETENTION_INTERVAL`, 60 to 604800).
    public var auditRetentionInterval: Double = 86_400
    /// Seconds a consumed domain event stays in its tenant's outbox before it is pruned
    /// (`TENANTRY_EVENT_RETENTION`, 3600 to 3650 days in seconds; default 30 days). Events not
    /// yet consumed are never pruned.
    public var eventRetention: Double = 30 * 86_400
    /// Where scheduled tenant backups are written (`TENANTRY_BACKUP_DIRECTORY`); `nil` (the
    /// default) schedules none. Each tenant's backups go into a folder named by its id.
    public var backupDirectory: String?
    /// Seconds between scheduled backups of every tenant (`TENANTRY_BACKUP_INTERVAL`, 60 to
    /// 2592000; default one day).
    public var backupInterval: Double = 86_400
    /// The domain under which each tenant's console has a host of its own
    /// (`TENANTRY_CONSOLE_BASE_DOMAIN`, e.g. `console.example.com`: `acme.console.example.com`
    /// shows Acme's branded sign-in); `nil` (the default): only the tenants' verified domains do.
    public var consoleBaseDomain: String?
    /// Where the archives of background exports are written (`TENANTRY_EXPORT_DIRECTORY`,
    /// default `.tenantry/exports`); with several nodes, a folder they all share.
    public var exportDirectory = ".tenantry/exports"
    /// Seconds an export's archive can be downloaded before it is removed
    /// (`TENANTRY_EXPORT_EXPIRY`, 60 to 2592000; default one day).
    public var exportExpiry: Double = 86_400
    /// Where webhook deliveries may go: networks allowed although private or reserved
    /// (`TENANTRY_WEBHOOK_ALLOWED_NETWORKS`, comma-separated CIDR, e.g. `127.0.0.1/32` for
    /// development) and whether `http://` endpoint URLs are accepted
    /// (`TENANTRY_WEBHOOK_ALLOW_HTTP`, default off).
    public var webhookEgress = EgressPolicy()
    /// How webhook deliveries behave: the timeout of one delivery (`TENANTRY_WEBHOOK_TIMEOUT`,
    /// 1 to 60 seconds, default 15), how long an endpoint may fail without a success before it
    /// is disabled (`TENANTRY_WEBHOOK_DISABLE_AFTER`, 60 seconds to 90 days, default 5 days),
    /// and how many deliveries one process makes at once (`TENANTRY_WEBHOOK_CONCURRENCY`, 1 to
    /// 256, default 16).
    public var webhookDelivery = WebhookDeliverySettings()
    /// The DNS server that verifies domains' TXT records (`TENANTRY_DNS_SERVER`, an IP address
    /// with an optional port: `192.0.2.53`, `127.0.0.1:5353`, `[2001:db8::53]:53`); `nil` for the
    /// system resolver (the first `nameserver` of `/etc/resolv.conf`).
    public var dnsServer: String?
    /// Seconds between the start of a graceful shutdown, when `/health/ready` begins to answer
    /// 503, and the listener closing (`TENANTRY_SHUTDOWN_DELAY`, 0 to 300, default 0): time for
    /// a load balancer to see the node leave before its connections are refused.
    public var shutdownDelay: Double = 0
    /// Where the separate metrics listener serves `GET /metrics` without a token
    /// (`TENANTRY_METRICS_ADDRESS`, `host:port`, e.g. `0.0.0.0:9464`); `nil` (the default): no
    /// such listener.
    public var metricsAddress: ListenAddress?
    /// The bearer token that `GET /metrics` on the main listener demands
    /// (`TENANTRY_METRICS_TOKEN`, at least 32 characters); `nil` (the default): that route
    /// answers 404. Never logged.
    public var metricsToken: String?

    /// Whether spans are exported over OTLP/HTTP (decision 0022). On when `OTEL_TRACES_EXPORTER`
    /// is `otlp` or an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT`,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), unless `OTEL_SDK_DISABLED` is true or
    /// `OTEL_TRACES_EXPORTER` is `none`. Off by default: no variables, no exporter. The other
    /// standard `OTEL_*` variables (service name, resource attributes, batch delay, …) are read
    /// by the exporter itself.
    public var tracing = false

    /// Billing with Stripe (docs/billing.md): the secret API key (`TENANTRY_STRIPE_API_KEY`;
    /// `nil`, the default: billing is off and its routes answer 503 `billing_disabled`; never
    /// logged), the API's base URL (`TENANTRY_STRIPE_API_BASE`, default
    /// `https://api.stripe.com`), the webhook signing secret (`TENANTRY_STRIPE_WEBHOOK_SECRET`),
    /// and the grace period of a past-due subscription (`TENANTRY_BILLING_GRACE_PERIOD`, 0 to
    /// 90 days in seconds, default 7 days).
    public var stripe = StripeSettings()

    /// How the server reaches Stripe.
    public struct StripeSettings: Sendable, Equatable, CustomStringConvertible {
        /// The secret API key (`sk_…` or a restricted `rk_…` key).
        public var apiKey: String?
        /// The API's base URL, without a trailing slash.
        public var apiBase = "https://api.stripe.com"
        /// The webhook signing secret (`whsec_…`).
        public var webhookSecret: String?
        /// The grace period of a past-due subscription, in seconds.
        public var gracePeriod: Double = 7 * 86_400

        /// Creates settings: billing off.
        public init() {}

        /// Never shows the key or the secret.
        public var description: String {
            "StripeSettings(apiKey: \(apiKey == nil ? "none" : "set"), apiBase: \(apiBase), webhookSecret: \(webhookSecret == nil ? "none" : "set"), gracePeriod: \(gracePeriod))"
        }
    }

    /// A host and a TCP port to listen on.
    public struct ListenAddress: Sendable, Equatable {
        /// The host name or IP address (an IPv6 address without brackets).
        public var host: String
        /// The port (0: any free port).
        public var port: Int

        /// Creates an address.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// Parses `host:port` or `[v6]:port`; `nil` when it is neither.
        public init?(parsing text: String) {
            let host: Substring
            let port: Substring
            if text.hasPrefix("[") {
                guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                    return nil
                }
                host = text[text.index(after: text.startIndex)..<close]
                port = text[text.index(close, offsetBy: 2)...]
            } else {
                guard let colon = text.lastIndex(of: ":") else { return nil }
                host = text[..<colon]
                port = text[text.index(after: colon)...]
                if host.contains(":") { return nil }
            }
            guard !host.isEmpty, host.allSatisfy({ !$0.isWhitespace && $0 != "/" }),
                let number = Int(port), (0...65_535).contains(number)
            else { return nil }
            self.init(host: String(host), port: number)
        }
    }

    /// Whether `text` is an IPv4 address, an IPv6 address, or either with a port (`a.b.c.d:port`,
    /// `[v6]:port`); the DNS adapter parses it again when it is used.
    static func isIPAddressWithPort(_ text: String) -> Bool {
        func isPort(_ part: Substring) -> Bool { Int(part).map { (1...65_535).contains($0) } ?? false }
        func isIPv4(_ part: Substring) -> Bool {
            let octets = part.split(separator: ".", omittingEmptySubsequences: false)
            return octets.count == 4 && octets.allSatisfy { $0.count <= 3 && Int($0).map { (0...255).contains($0) } ?? false }
        }
        func isIPv6(_ part: Substring) -> Bool {
            part.contains(":") && part.count <= 45 && part.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return false }
            let host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            return isIPv6(host) && (rest.isEmpty || (rest.hasPrefix(":") && isPort(rest.dropFirst())))
        }
        if isIPv6(Substring(text)), text.filter({ $0 == ":" }).count > 1 { return true }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return isIPv4(parts[0])
        case 2: return isIPv4(parts[0]) && isPort(parts[1])
        default: return false
        }
    }

    /// Reads the `OTEL_*` variables that decide whether spans are exported (see ``tracing``);
    /// values this server cannot honour (another exporter, another protocol than
    /// `http/protobuf`) are refused by name.
    static func resolveTracing(
        _ configuration: inout TenantryConfiguration, environment: [String: String], validator: inout Validator
    ) {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        var disabled = false
        if let raw = value("OTEL_SDK_DISABLED") {
            switch raw.lowercased() {
            case "true": disabled = true
            case "false": disabled = false
            default: validator.add("OTEL_SDK_DISABLED", "invalid_format", "Use true or false.")
            }
        }
        var exporter: String?
        if let raw = value("OTEL_TRACES_EXPORTER") {
            exporter = raw.lowercased()
            if exporter != "otlp" && exporter != "none" {
                validator.add("OTEL_TRACES_EXPORTER", "invalid_value", "Use otlp or none.")
            }
        }
        for name in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] {
            if let raw = value(name), raw != "http/protobuf" {
                validator.add(name, "invalid_value", "Only http/protobuf is supported.")
            }
        }
        let endpointSet = value("OTEL_EXPORTER_OTLP_ENDPOINT") != nil || value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != nil
        configuration.tracing = !disabled && exporter != "none" && (exporter == "otlp" || endpointSet)
    }

    /// The embedded SQLite database used when nothing else is configured.
    public static let defaultDatabaseURL = "sqlite:.tenantry/tenantry.db"

    /// Creates a configuration; every value has a development default.
    public init(
        databaseURL: String = TenantryConfiguration.defaultDatabaseURL,
        databaseOwnerURL: String? = nil,
        migrateOnStart: Bool = true,
        host: String = "127.0.0.1",
        port: Int = 8080,
        logFormat: LogFormat = .auto,
        logLevel: String = "info",
        maxBodySize: Int = 1_048_576,
        shutdownTimeout: Double = 30,
        readinessTimeout: Double = 3,
        databasePoolSize: Int = 20,
        publicURL: String? = nil,
        tokenAudience: String = "tenantry",
        accessTokenLifetime: Double = 300,
        refreshGracePeriod: Double = 30,
        sessionLifetime: Double = 30 * 86_400,
        sessionIdleTimeout: Double = 14 * 86_400,
        masterKey: String? = nil,
        previousMasterKeys: [String] = [],
        emailURL: String = "log:",
        passwordHashIterations: Int = 600_000,
        rateLimitsEnabled: Bool = true,
        clientIPRequestsPerMinute: Int = 60,
        usageFlushInterval: Double = 15,
        usageMetering: Bool = true
    ) {
        self.databaseURL = databaseURL
        self.databaseOwnerURL = databaseOwnerURL
        self.migrateOnStart = migrateOnStart
        self.host = host
        self.port = port
        self.logFormat = logFormat
        self.logLevel = logLevel
        self.maxBodySize = maxBodySize
        self.shutdownTimeout = shutdownTimeout
        self.readinessTimeout = readinessTimeout
        self.databasePoolSize = databasePoolSize
        self.publicURL = publicURL
        self.tokenAudience = tokenAudience
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshGracePeriod = refreshGracePeriod
        self.sessionLifetime = sessionLifetime
        self.sessionIdleTimeout = sessionIdleTimeout
        self.masterKey = masterKey
        self.previousMasterKeys = previousMasterKeys
        self.emailURL = emailURL
        self.passwordHashIterations = passwordHashIterations
        self.rateLimitsEnabled = rateLimitsEnabled
        self.clientIPRequestsPerMinute = clientIPRequestsPerMinute
        self.usageFlushInterval = usageFlushInterval
        self.usageMetering = usageMetering
    }

    /// The issuer and link base: ``publicURL`` without a trailing slash, or `http://host:port`.
    public var resolvedPublicURL: String {
        if let publicURL {
            return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        }
        return "http://\(host):\(port)"
    }

    /// Values given on the command line; `nil` means "not given".
    public struct Flags: Sendable {
        public var databaseURL: String?
        public var databaseOwnerURL: String?
        public var migrateOnStart: Bool?
        public var host: String?
        public var port: Int?
        public var logFormat: String?
        public var logLevel: String?
        public var maxBodySize: Int?
        public var shutdownTimeout: Double?
        public var readinessTimeout: Double?
        public var databasePoolSize: Int?
        public var publicURL: String?

        /// No flags given.
        public init() {}
    }

    /// Resolves flags > environment > defaults, validating every value. A bad value is a
    /// `validation_failed` error naming the setting.
    public static func resolve(flags: Flags, environment: [String: String]) throws(TenantryError) -> TenantryConfiguration {
        var validator = Validator()
        var configuration = TenantryConfiguration()

        func text(_ flag: String?, _ variable: String) -> String? {
            if let flag { return flag }
            guard let value = environment[variable], !value.isEmpty else { return nil }
            return value
        }

        if let value = text(flags.databaseURL, "TENANTRY_DATABASE_URL") { configuration.databaseURL = value }
        configuration.databaseOwnerURL = text(flags.databaseOwnerURL, "TENANTRY_DATABASE_OWNER_URL")
        if let host = text(flags.host, "TENANTRY_HOST") { configuration.host = host }

        func boolean(_ flag: Bool?, _ variable: String) -> Bool? {
            if let flag { return flag }
            guard let value = text(nil, variable) else { return nil }
            switch value.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default:
                validator.add(variable, "invalid_format", "Use true or false.")
                return nil
            }
        }

        if let value = boolean(flags.migrateOnStart, "TENANTRY_MIGRATE_ON_START") { configuration.migrateOnStart = value }
        if let value = boolean(nil, "TENANTRY_RATE_LIMITS") { configuration.rateLimitsEnabled = value }
        if let value = boolean(nil, "TENANTRY_USAGE_METERING") { configuration.usageMetering = value }
        if let value = boolean(nil, "TENANTRY_RATE_LIMITS_SHARED") { configuration.sharedRateLimits = value }

        func integer(_ flag: Int?, _ variable: String, _ range: ClosedRange<Int>) -> Int? {
            let value: Int?
            if let flag {
                value = flag
            } else if let raw = text(nil, variable) {
                value = Int(raw)
                if value == nil { validator.add(variable, "invalid_format", "Expected a whole number.") }
            } else {
                return nil
            }
            guard let value else { return nil }
            guard range.contains(value) else {
                validator.add(variable, "out_of_range", "Expected a value from \(range.lowerBound) to \(range.upperBound).")
                return nil
            }
            return value
        }

        func seconds(_ flag: Double?, _ variable: String, _ range: ClosedRange<Double>) -> Double? {
            let value: Double?
            if let flag {
                value = flag
            } else if let raw = text(nil, variable) {
                value = Double(raw)
                if value == nil { validator.add(variable, "invalid_format", "Expected a number of seconds.") }
            } else {
                return nil
            }
            guard let value else { return nil }
            guard range.contains(value) else {
                validator.add(variable, "out_of_range", "Expected \(range.lowerBound) to \(range.upperBound) seconds.")
                return nil
            }
            return value
        }

        if let port = integer(flags.port, "TENANTRY_PORT", 0...65535) { configuration.port = port }
        if let size = integer(flags.maxBodySize, "TENANTRY_MAX_BODY_SIZE", 1...(1 << 30)) {
            configuration.maxBodySize = size
        }
        // `serve` keeps three connections listening for notices; requests need at least one more.
        if let size = integer(flags.databasePoolSize, "TENANTRY_DATABASE_POOL_SIZE", 4...1000) {
            configuration.databasePoolSize = size
        }
        if let value = seconds(nil, "TENANTRY_SHUTDOWN_DELAY", 0...300) { configuration.shutdownDelay = value }
        if let value = seconds(flags.shutdownTimeout, "TENANTRY_SHUTDOWN_TIMEOUT", 0...3600) {
            configuration.shutdownTimeout = value
        }
        if let value = seconds(flags.readinessTimeout, "TENANTRY_READINESS_TIMEOUT", 0.1...60) {
            configuration.readinessTimeout = value
        }
        if let value = seconds(nil, "TENANTRY_ACCESS_TOKEN_TTL", 30...86_400) { configuration.accessTokenLifetime = value }
        if let value = seconds(nil, "TENANTRY_REFRESH_GRACE_PERIOD", 0...300) { configuration.refreshGracePeriod = value }
        if let value = seconds(nil, "TENANTRY_SESSION_LIFETIME", 300...(365 * 86_400)) { configuration.sessionLifetime = value }
        if let value = seconds(nil, "TENANTRY_SESSION_IDLE_TIMEOUT", 300...(365 * 86_400)) {
            configuration.sessionIdleTimeout = value
        }
        if let value = integer(nil, "TENANTRY_PASSWORD_HASH_ITERATIONS", 1_000...10_000_000) {
            configuration.passwordHashIterations = value
        }
        if let value = seconds(nil, "TENANTRY_TENANT_DELETION_GRACE_PERIOD", 0...(365 * 86_400)) {
            configuration.tenantDeletionGracePeriod = value
        }
        if let plan = text(nil, "TENANTRY_DEFAULT_PLAN") {
            if let id = try? validator.capture({ try Plan.validatedID(plan, field: "TENANTRY_DEFAULT_PLAN") }) {
                configuration.defaultPlan = id
            }
        }
        if let value = integer(nil, "TENANTRY_RATE_LIMIT_PER_IP", 1...1_000_000) {
            configuration.clientIPRequestsPerMinute = value
        }
        if let value = seconds(nil, "TENANTRY_USAGE_FLUSH_INTERVAL", 1...300) { configuration.usageFlushInterval = value }
        if let value = seconds(nil, "TENANTRY_IDEMPOTENCY_LOCK_TIMEOUT", 5...3600) {
            configuration.idempotencyLockTimeout = value
        }
        if let value = seconds(nil, "TENANTRY_RATE_LIMIT_SYNC_INTERVAL", 0.02...5) {
            configuration.rateLimitSyncInterval = value
        }
        if let value = seconds(nil, "TENANTRY_AUDIT_RETENTION_INTERVAL", 60...(7 * 86_400)) {
            configuration.auditRetentionInterval = value
        }
        if let value = seconds(nil, "TENANTRY_EVENT_RETENTION", 3600...(3650 * 86_400)) {
            configuration.eventRetention = value
        }
        if let directory = text(nil, "TENANTRY_BACKUP_DIRECTORY") { configuration.backupDirectory = directory }
        if let value = seconds(nil, "TENANTRY_BACKUP_INTERVAL", 60...(30 * 86_400)) {
            configuration.backupInterval = value
        }
        if let directory = text(nil, "TENANTRY_EXPORT_DIRECTORY") { configuration.exportDirectory = directory }
        if let value = seconds(nil, "TENANTRY_EXPORT_EXPIRY", 60...(30 * 86_400)) { configuration.exportExpiry = value }
        if let value = seconds(nil, "TENANTRY_WEBHOOK_TIMEOUT", 1...60) {
            configuration.webhookDelivery.timeout = .milliseconds(Int64(value * 1000))
        }
        if let value = seconds(nil, "TENANTRY_WEBHOOK_DISABLE_AFTER", 60...(90 * 86_400)) {
            configuration.webhookDelivery.failureWindow = value
        }
        if let value = integer(nil, "TENANTRY_WEBHOOK_CONCURRENCY", 1...256) {
            configuration.webhookDelivery.concurrency = value
        }
        if let value = boolean(nil, "TENANTRY_WEBHOOK_ALLOW_HTTP") { configuration.webhookEgress.allowHTTP = value }
        if let list = text(nil, "TENANTRY_WEBHOOK_ALLOWED_NETWORKS") {
            var networks: [IPNetwork] = []
            for item in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                if let network = IPNetwork(item) {
                    networks.append(network)
                } else {
                    validator.add(
                        "TENANTRY_WEBHOOK_ALLOWED_NETWORKS", "invalid_format",
                        "Give networks in CIDR form, separated by commas (e.g. 127.0.0.1/32,10.0.0.0/8).")
                    break
                }
            }
            configuration.webhookEgress.allowedNetworks = networks
        }
        if let server = text(nil, "TENANTRY_DNS_SERVER") {
            if Self.isIPAddressWithPort(server) {
                configuration.dnsServer = server
            } else {
                validator.add(
                    "TENANTRY_DNS_SERVER", "invalid_format",
                    "Give an IP address with an optional port, e.g. 127.0.0.1:5353 or [::1]:53.")
            }
        }
        if let address = text(nil, "TENANTRY_METRICS_ADDRESS") {
            if let parsed = ListenAddress(parsing: address) {
                configuration.metricsAddress = parsed
            } else {
                validator.add(
                    "TENANTRY_METRICS_ADDRESS", "invalid_format",
                    "Give a host and a port, e.g. 0.0.0.0:9464, 127.0.0.1:9464 or [::1]:9464.")
            }
        }
        if let token = text(nil, "TENANTRY_METRICS_TOKEN") {
            if token.utf8.count >= 32 && token.utf8.count <= 512 && token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) {
                configuration.metricsToken = token
            } else {
                validator.add(
                    "TENANTRY_METRICS_TOKEN", "invalid_format",
                    "Use 32 to 512 printable ASCII characters without spaces (e.g. the output of openssl rand -hex 32).")
            }
        }
        Self.resolveTracing(&configuration, environment: environment, validator: &validator)
        if let key = text(nil, "TENANTRY_STRIPE_API_KEY") {
            if key.utf8.count <= 512 && key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) {
                configuration.stripe.apiKey = key
            } else {
                validator.add("TENANTRY_STRIPE_API_KEY", "invalid_format", "Use the secret key as Stripe shows it (sk_…).")
            }
        }
        if let domain = text(nil, "TENANTRY_CONSOLE_BASE_DOMAIN") {
            configuration.consoleBaseDomain = try? validator.capture {
                try TenantSettings.validatedDomain(domain, field: "TENANTRY_CONSOLE_BASE_DOMAIN")
            }
        }
        if let base = text(nil, "TENANTRY_STRIPE_API_BASE") {
            if (base.hasPrefix("http://") || base.hasPrefix("https://")) && !base.contains(" ") && base.utf8.count <= 2048 {
                configuration.stripe.apiBase = base.hasSuffix("/") ? String(base.dropLast()) : base
            } else {
                validator.add("TENANTRY_STRIPE_API_BASE", "invalid_format", "Use an absolute http:// or https:// URL.")
            }
        }
        if let secret = text(nil, "TENANTRY_STRIPE_WEBHOOK_SECRET") {
            if let checked = try? validator.capture({
                try WebhookSource.validatedSecret(secret, for: .stripe, field: "TENANTRY_STRIPE_WEBHOOK_SECRET")
            }) {
                configuration.stripe.webhookSecret = checked
            }
        }
        if let value = seconds(nil, "TENANTRY_BILLING_GRACE_PERIOD", 0...(90 * 86_400)) {
            configuration.stripe.gracePeriod = value
        }
        if let url = text(flags.publicURL, "TENANTRY_PUBLIC_URL") {
            if (url.hasPrefix("http://") || url.hasPrefix("https://")) && !url.contains(" ") && url.utf8.count <= 2048 {
                configuration.publicURL = url
            } else {
                validator.add("TENANTRY_PUBLIC_URL", "invalid_format", "Use an absolute http:// or https:// URL.")
            }
        }
        if let audience = text(nil, "TENANTRY_TOKEN_AUDIENCE") { configuration.tokenAudience = audience }
        configuration.masterKey = text(nil, "TENANTRY_MASTER_KEY")
        if let previous = text(nil, "TENANTRY_MASTER_KEY_PREVIOUS") {
            configuration.previousMasterKeys = previous.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
        }
        if let email = text(nil, "TENANTRY_EMAIL_URL") { configuration.emailURL = email }
        if let raw = text(flags.logFormat, "TENANTRY_LOG_FORMAT") {
            if let format = LogFormat(rawValue: raw.lowercased()) {
                configuration.logFormat = format
            } else {
                validator.add("TENANTRY_LOG_FORMAT", "invalid_value", "Use json, text or auto.")
            }
        }
        if let raw = text(flags.logLevel, "TENANTRY_LOG_LEVEL") {
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            if levels.contains(raw.lowercased()) {
                configuration.logLevel = raw.lowercased()
            } else {
                validator.add("TENANTRY_LOG_LEVEL", "invalid_value", "Use one of \(levels.joined(separator: ", ")).")
            }
        }
        if let metrics = configuration.metricsAddress, metrics.port != 0, metrics.port == configuration.port,
            metrics.host == configuration.host
        {
            validator.add(
                "TENANTRY_METRICS_ADDRESS", "conflict", "The metrics listener needs another port than the server's.")
        }
        try validator.check()
        return configuration
    }
}
