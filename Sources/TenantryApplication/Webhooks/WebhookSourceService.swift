public import Foundation
public import TenantryCore

/// Inbound webhooks: a tenant's sources (list, read, create, change, rotate the secret,
/// delete, and each source's log of receipts) and the receiving of a delivery. A delivery is
/// verified against the source's secrets (the previous one too during a rotation), stored once
/// per message id, and recorded as a `webhook.received` event in the same transaction; each
/// refusal is counted on the source with its problem code.
public struct WebhookSourceService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Seals and opens the secrets.
    public let masterKey: MasterKey

    /// Creates the use case.
    public init(database: any DataStore, masterKey: MasterKey) {
        self.database = database
        self.masterKey = masterKey
    }

    /// The answer for an id the tenant has no source by (and for a receiving URL that names no
    /// source a tenant can use).
    public static let noSuchSource = TenantryError(.notFound, "No such webhook source.")

    /// What a new source is made of, validated by the caller.
    public struct NewSource: Sendable {
        public var name: String
        public var scheme: InboundScheme
        public var enabled: Bool
        /// The sender's secret (Stripe's, a service's HMAC key); `nil` makes one.
        public var secret: String?

        /// Creates a value.
        public init(name: String, scheme: InboundScheme, enabled: Bool, secret: String?) {
            self.name = name
            self.scheme = scheme
            self.enabled = enabled
            self.secret = secret
        }
    }

    /// A partial change; `nil` leaves a field as it is.
    public struct Change: Sendable {
        public var name: String?
        public var scheme: InboundScheme?
        public var enabled: Bool?

        /// Creates a value.
        public init(name: String? = nil, scheme: InboundScheme? = nil, enabled: Bool? = nil) {
            self.name = name
            self.scheme = scheme
            self.enabled = enabled
        }
    }

    public func list(_ access: TenantAccess, page: PageRequest) async throws -> Page<WebhookSource> {
        try await database.withTenant(access.tenantID) { scope in try await scope.webhookSources.list(page) }
    }

    public func get(_ access: TenantAccess, id: WebhookSourceID) async throws -> WebhookSource {
        let found = try await database.withTenant(access.tenantID) { scope in try await scope.webhookSources.find(id: id) }
        guard let found else { throw Self.noSuchSource }
        return found
    }

    /// Creates a source; returns it with its secret (the one given, or a new one), shown once.
    public func create(_ access: TenantAccess, _ new: NewSource, origin: AuditEvent.Origin) async throws
        -> (WebhookSource, String)
    {
        let now = Date()
        let secret = new.secret ?? WebhookSource.generatedSecret(for: new.scheme)
        let sealed = SealedWebhookSecrets(current: try masterKey.seal(Data(secret.utf8)))
        let source = WebhookSource(
            tenantID: access.tenantID, id: .generate(), name: new.name, scheme: new.scheme, enabled: new.enabled,
            createdAt: now, updatedAt: now)
        try await database.withTenant(access.tenantID) { scope in
            try await scope.webhookSources.create(source, secrets: sealed)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .webhookSourceCreated, target: Self.target(source.id), origin: origin,
                    changes: Self.fields(of: source).mapValues { .init(before: nil, after: $0) }))
        }
        return (source, secret)
    }

    /// Applies a change; records only the fields that changed.
    public func update(_ access: TenantAccess, id: WebhookSourceID, _ change: Change, origin: AuditEvent.Origin)
        async throws -> WebhookSource
    {
        try await database.withTenant(access.tenantID) { scope in
            guard var source = try await scope.webhookSources.find(id: id) else { throw Self.noSuchSource }
            let before = Self.fields(of: source)
            if let name = change.name { source.name = name }
            if let scheme = change.scheme { source.scheme = scheme }
            if let enabled = change.enabled { source.enabled = enabled }
            let after = Self.fields(of: source)
            let changes = AuditRecorder.changes(from: before, to: after)
            guard !changes.isEmpty else { return source }
            source.updatedAt = Date()
            try await scope.webhookSources.update(source)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .webhookSourceUpdated, target: Self.target(id), origin: origin, changes: changes))
            return source
        }
    }

    /// Gives the source a new secret (the one given, or a new one), returned once with the
    /// moment the old one stops being accepted.
    public func rotateSecret(_ access: TenantAccess, id: WebhookSourceID, secret given: String?, origin: AuditEvent.Origin)
        async throws -> (secret: String, previousExpiresAt: Date)
    {
        let now = Date()
        return try await database.withTenant(access.tenantID) { scope in
            guard let source = try await scope.webhookSources.find(id: id),
                let stored = try await scope.webhookSources.secrets(of: id)
            else { throw Self.noSuchSource }
            let secret =
                try given.map { text throws(TenantryError) in
                    try WebhookSource.validatedSecret(text, for: source.scheme)
                } ?? WebhookSource.generatedSecret(for: source.scheme)
            let rotated = stored.rotated(to: try masterKey.seal(Data(secret.utf8)), at: now)
            let expiresAt = rotated.previousExpiresAt ?? now
            try await scope.webhookSources.setSecrets(rotated, of: id, at: now)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .webhookSourceSecretRotated, target: Self.target(id), origin: origin,
                    changes: [
                        "previous_secret_expires_at": .init(before: nil, after: FastFormatting.timestamp(expiresAt))
                    ]))
            return (secret, expiresAt)
        }
    }

    /// Deletes a source with its receipts.
    public func delete(_ access: TenantAccess, id: WebhookSourceID, origin: AuditEvent.Origin) async throws {
        try await database.withTenant(access.tenantID) { scope in
            guard let source = try await scope.webhookSources.find(id: id) else { throw Self.noSuchSource }
            try await scope.webhookSources.delete(id: id)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .webhookSourceDeleted, target: Self.target(id), origin: origin,
                    changes: Self.fields(of: source).mapValues { .init(before: $0, after: nil) }))
        }
    }

    /// A source's receipts, oldest first.
    public func receipts(_ access: TenantAccess, id: WebhookSourceID, page: PageRequest) async throws
        -> Page<WebhookReceipt>
    {
        try await database.withTenant(access.tenantID) { scope in
            guard try await scope.webhookSources.find(id: id) != nil else { throw Self.noSuchSource }
            return try await scope.webhookSources.receipts(of: id, page: page)
        }
    }

    /// What became of a delivery.
    public struct Reception: Sendable, Equatable {
        /// The receipt it was stored as (the earlier one's id is not shown for a duplicate).
        public var receiptID: WebhookReceiptID?
        /// Whether the message id had arrived before: answered without processing it again.
        public var duplicate: Bool
    }

    /// A source a receiving URL names, with its sealed secrets, found before its tenant is known.
    public struct ReceivingSource: Sendable {
        public var source: WebhookSource
        public var secrets: SealedWebhookSecrets
    }

    /// The source a receiving URL names, when a tenant can receive through it now: the source
    /// exists and is enabled, and its tenant is active with the `webhooks` module.
    public func receivingSource(_ id: WebhookSourceID) async throws -> ReceivingSource {
        let found = try await database.withPlatform { scope in try await scope.webhookSourceDirectory.source(id: id) }
        guard let (source, secrets) = found, source.enabled else { throw Self.noSuchSource }
        let entitled = try await database.readGlobal { scope in try await EntitlementDirectory.load(source.tenantID, from: scope)
        }
        guard let entitled, entitled.status == .active, entitled.entitlements.modules.contains(.webhooks) else {
            throw Self.noSuchSource
        }
        return ReceivingSource(source: source, secrets: secrets)
    }

    /// Verifies and stores a delivery to a source from ``receivingSource(_:)``; a refusal is
    /// counted on the source and thrown as its problem.
    public func receive(_ receiving: ReceivingSource, headers: [String: String], body: [UInt8], now: Date = Date())
        async throws -> Reception
    {
        let source = receiving.source
        let secrets = try receiving.secrets.opened(with: masterKey, at: now)
        let verified: InboundVerifier.Verified
        do {
            verified = try InboundVerifier.verify(scheme: source.scheme, secrets: secrets, headers: headers, body: body, now: now)
        } catch {
            try await refuse(source, error.error, at: now)
            throw error.error
        }
        let receipt = WebhookReceipt.make(
            tenantID: source.tenantID, sourceID: source.id, messageID: verified.messageID, body: body, at: now)
        return try await database.withTenant(source.tenantID) { scope in
            guard try await scope.webhookSources.recordReceipt(receipt) else { return Reception(receiptID: nil, duplicate: true) }
            var changes: [String: AuditEvent.Change] = [
                "source_id": .init(before: nil, after: source.id.description),
                "message_id": .init(before: nil, after: receipt.messageID),
                "scheme": .init(before: nil, after: source.scheme.name),
            ]
            if let type = receipt.eventType { changes["event_type"] = .init(before: nil, after: type) }
            try await scope.record(
                DomainEvent(
                    tenantID: source.tenantID, type: .webhookReceived, occurredAt: now, actor: .system,
                    target: AuditEvent.Target(type: "webhook_receipt", id: receipt.id.description), origin: .none,
                    changes: changes))
            return Reception(receiptID: receipt.id, duplicate: false)
        }
    }

    /// Counts a refusal of a delivery to `source` (a bad signature, a stale timestamp, a body
    /// over the limit).
    public func refuse(_ source: WebhookSource, _ error: TenantryError, at now: Date = Date()) async throws {
        try await database.withTenant(source.tenantID) { scope in
            try await scope.webhookSources.recordRejection(of: source.id, code: error.code.rawValue, at: now)
        }
    }

    /// The fields an event lists.
    static func fields(of source: WebhookSource) -> [String: String] {
        var fields = ["name": source.name, "scheme": source.scheme.name, "enabled": String(source.enabled)]
        if let hmac = source.scheme.hmacSettings {
            fields["signature_header"] = hmac.header
            fields["signature_encoding"] = hmac.encoding.rawValue
            if let id = hmac.idHeader { fields["id_header"] = id }
        }
        return fields
    }

    static func target(_ id: WebhookSourceID) -> AuditEvent.Target {
        AuditEvent.Target(type: "webhook_source", id: id.description)
    }
}
