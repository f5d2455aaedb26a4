public import Foundation
public import TenantryCore

/// The webhook endpoint use cases: list, read, create (the secret shown once), change, rotate
/// the secret and delete. The plan's `webhook_endpoints` allowance applies to creation; each
/// change runs in one tenant transaction with its domain event. Secrets are sealed with the
/// master key before they are stored and never appear in an event.
public struct WebhookEndpointService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Seals and opens the signing secrets.
    public let masterKey: MasterKey
    /// Where deliveries may go: checks endpoint URLs.
    public let egress: EgressPolicy

    /// Creates the use case from its dependencies.
    public init(database: any DataStore, masterKey: MasterKey, egress: EgressPolicy) {
        self.database = database
        self.masterKey = masterKey
        self.egress = egress
    }

    /// What a new endpoint is made of, validated by the caller (``egress`` checks the URL).
    public struct NewEndpoint: Sendable {
        public var url: URL
        public var description: String?
        public var filter: EventTypeFilter
        public var enabled: Bool
        public var rateLimitPerMinute: Int?

        /// Creates a value.
        public init(url: URL, description: String?, filter: EventTypeFilter, enabled: Bool, rateLimitPerMinute: Int?) {
            self.url = url
            self.description = description
            self.filter = filter
            self.enabled = enabled
            self.rateLimitPerMinute = rateLimitPerMinute
        }
    }

    /// A partial change: `nil` leaves a field as it is; for the optional fields `.some(nil)`
    /// clears.
    public struct Change: Sendable {
        public var url: URL?
        public var description: String??
        public var filter: EventTypeFilter?
        public var enabled: Bool?
        public var rateLimitPerMinute: Int??

        /// Creates a value.
        public init(
            url: URL? = nil, description: String?? = nil, filter: EventTypeFilter? = nil, enabled: Bool? = nil,
            rateLimitPerMinute: Int?? = nil
        ) {
            self.url = url
            self.description = description
            self.filter = filter
            self.enabled = enabled
            self.rateLimitPerMinute = rateLimitPerMinute
        }
    }

    /// The answer for an id the tenant has no endpoint by.
    public static let noSuchEndpoint = TenantryError(.notFound, "No such webhook endpoint.")

    public func list(_ access: TenantAccess, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        try await database.withTenant(access.tenantID) { scope in try await scope.webhookEndpoints.list(page) }
    }

    public func get(_ access: TenantAccess, id: WebhookEndpointID) async throws -> WebhookEndpoint {
        let found = try await database.withTenant(access.tenantID) { scope in try await scope.webhookEndpoints.find(id: id) }
        guard let found else { throw Self.noSuchEndpoint }
        return found
    }

    /// Creates an endpoint with a new secret, returned here once and stored sealed.
    public func create(_ access: TenantAccess, _ new: NewEndpoint, origin: AuditEvent.Origin) async throws
        -> (WebhookEndpoint, WebhookSecret)
    {
        let now = Date()
        let secret = WebhookSecret.generate()
        let sealed = SealedWebhookSecrets(current: try masterKey.seal(Data(secret.text.utf8)))
        let endpoint = WebhookEndpoint(
            tenantID: access.tenantID, id: .generate(), url: new.url, description: new.description, filter: new.filter,
            enabled: new.enabled, rateLimitPerMinute: new.rateLimitPerMinute, createdAt: now, updatedAt: now)
        try await database.withTenant(access.tenantID) { scope in
            try await scope.requireRoom(for: .webhookEndpoints)
            try await scope.webhookEndpoints.create(endpoint, secrets: sealed)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .webhookEndpointCreated, target: Self.target(endpoint.id), origin: origin,
                    changes: Self.fields(of: endpoint).mapValues { .init(before: nil, after: $0) }))
        }
        return (endpoint, secret)
    }

    /// Applies a change; records only the fields that changed. Enabling an endpoint the server
    /// disabled clears the reason and the failure streak. Disabling parks the endpoint's pending
    /// messages (no due time); enabling makes them due at once.
    public func update(_ access: TenantAccess, id: WebhookEndpointID, _ change: Change, origin: AuditEvent.Origin)
        async throws -> WebhookEndpoint
    {
        try await database.withTenant(access.tenantID) { scope in
            guard var endpoint = try await scope.webhookEndpoints.find(id: id) else { throw Self.noSuchEndpoint }
            let before = Self.fields(of: endpoint)
            if let url = change.url { endpoint.url = url }
            if let description = change.description { endpoint.description = description }
            if let filter = change.filter { endpoint.filter = filter }
            if let rate = change.rateLimitPerMinute { endpoint.rateLimitPerMinute = rate }
            if let enabled = change.enabled, enabled != endpoint.enabled {
                endpoint.enabled = enabled
                if enabled {
                    endpoint.disabledReason = nil
                    endpoint.failingSince = nil
                }
            }
            let after = Self.fields(of: endpoint)
            let changes = AuditRecorder.changes(from: before, to: after)
            guard !changes.isEmpty else { return endpoint }
            let now = Date()
            endpoint.updatedAt = now
            try await scope.webhookEndpoints.update(endpoint)
            if changes["enabled"] != nil {
                // A disabled endpoint's pending messages wait, parked, and go once it is enabled.
                if endpoint.enabled {
                    _ = try await scope.webhookMessages.unpark(endpointID: id, at: now)
                } else {
                    _ = try await scope.webhookMessages.park(endpointID: id)
                }
            }
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .webhookEndpointUpdated, target: Self.target(id), origin: origin, changes: changes))
            return endpoint
        }
    }

    /// Gives the endpoint a new secret, returned here once with the moment the current one
    /// stops signing: until then it signs too, as a second signature
    /// (``WebhookSecrets/rotationOverlap``).
    public func rotateSecret(_ access: TenantAccess, id: WebhookEndpointID, origin: AuditEvent.Origin) async throws
        -> (secret: WebhookSecret, previousExpiresAt: Date)
    {
        let now = Date()
        let next = WebhookSecret.generate()
        let sealedNext = try masterKey.seal(Data(next.text.utf8))
        let expiresAt = try await database.withTenant(access.tenantID) { scope in
            guard let stored = try await scope.webhookEndpoints.secrets(of: id) else { throw Self.noSuchEndpoint }
            let rotated = stored.rotated(to: sealedNext, at: now)
            let expiresAt = rotated.previousExpiresAt ?? now
            try await scope.webhookEndpoints.setSecrets(rotated, of: id, at: now)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .webhookEndpointSecretRotated, target: Self.target(id), origin: origin,
                    changes: [
                        "previous_secret_expires_at": .init(before: nil, after: FastFormatting.timestamp(expiresAt))
                    ]))
            return expiresAt
        }
        return (next, expiresAt)
    }

    /// Deletes an endpoint.
    public func delete(_ access: TenantAccess, id: WebhookEndpointID, origin: AuditEvent.Origin) async throws {
        try await database.withTenant(access.tenantID) { scope in
            guard let endpoint = try await scope.webhookEndpoints.find(id: id) else { throw Self.noSuchEndpoint }
            try await scope.webhookEndpoints.delete(id: id)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .webhookEndpointDeleted, target: Self.target(id), origin: origin,
                    changes: Self.fields(of: endpoint).mapValues { .init(before: $0, after: nil) }))
        }
    }

    /// The secrets that sign the endpoint's messages at `now`, opened with the master key.
    public func signingSecrets(_ tenantID: TenantID, id: WebhookEndpointID, at now: Date = Date()) async throws
        -> [WebhookSecret]
    {
        let stored = try await database.withTenant(tenantID) { scope in try await scope.webhookEndpoints.secrets(of: id) }
        guard let stored else { throw Self.noSuchEndpoint }
        return try stored.signingSecrets(with: masterKey, at: now)
    }

    /// The fields an event lists, as text; absent when empty. The URL itself is left out, as
    /// its path or query may be a credential (many services put one there): its host is listed,
    /// and a fingerprint (the first 12 hex digits of its SHA-256) that shows when it changed.
    static func fields(of endpoint: WebhookEndpoint) -> [String: String] {
        let url = endpoint.url.absoluteString
        var fields = [
            "url_host": endpoint.url.host ?? "",
            "url_fingerprint": String(SecretToken.digest(url).prefix(12)),
            "event_types": endpoint.filter.patterns.joined(separator: " "),
            "enabled": String(endpoint.enabled),
        ]
        if endpoint.filter.patterns.isEmpty { fields["event_types"] = "*" }
        if let description = endpoint.description { fields["description"] = description }
        if let rate = endpoint.rateLimitPerMinute { fields["rate_limit_per_minute"] = String(rate) }
        if let reason = endpoint.disabledReason { fields["disabled_reason"] = reason }
        return fields
    }

    static func target(_ id: WebhookEndpointID) -> AuditEvent.Target {
        AuditEvent.Target(type: "webhook_endpoint", id: id.description)
    }
}
