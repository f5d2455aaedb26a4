public import Foundation
public import TenantryCore

/// The API key use cases. A key's scopes are a subset of what its creator holds; the secret is
/// returned once (on creation and rotation) and stored only as its SHA-256; revocation and
/// expiry take effect at once on every node.
public struct APIKeyService: Sendable {
    /// The data store.
    public let database: any DataStore

    /// Creates the use case from its dependencies.
    public init(database: any DataStore) {
        self.database = database
    }

    /// What a new key is made of, validated.
    public struct NewKey: Sendable {
        public var name: String
        public var scopes: Set<Permission>
        public var resource: ResourceBinding?
        public var expiresAt: Date?
        public var rateLimitPerMinute: Int?

        /// Creates a value.
        public init(
            name: String, scopes: Set<Permission>, resource: ResourceBinding? = nil, expiresAt: Date? = nil,
            rateLimitPerMinute: Int? = nil
        ) {
            self.name = name
            self.scopes = scopes
            self.resource = resource
            self.expiresAt = expiresAt
            self.rateLimitPerMinute = rateLimitPerMinute
        }
    }

    public func create(_ access: TenantAccess, _ new: NewKey, origin: AuditEvent.Origin) async throws -> (APIKey, APIKeySecret) {
        try GrantPolicy.checkGrant(new.scopes, by: access)
        let creator: UserID
        switch access.principal {
        case .user(let id, _): creator = id
        case .apiKey(_, let createdBy): creator = createdBy
        }
        let now = Date()
        let secret = APIKeySecret.generate()
        let key = APIKey(
            tenantID: access.tenantID, id: .generate(), name: new.name, prefix: secret.prefix, lastFour: secret.lastFour,
            scopes: new.scopes, resource: new.resource, createdBy: creator, createdAt: now, updatedAt: now,
            expiresAt: new.expiresAt, revokedAt: nil, lastUsedAt: nil, rateLimitPerMinute: new.rateLimitPerMinute)
        try await database.withTenant(access.tenantID) { scope in
            if let resource = new.resource { try await Self.requireResource(resource, in: scope) }
            try await scope.requireRoom(for: .apiKeys)
            try await scope.apiKeys.create(key, secretHash: secret.hash)
            var changes: [String: AuditEvent.Change] = [
                "name": .init(before: nil, after: key.name),
                "scopes": .init(before: nil, after: key.scopes.sorted().map(\.rawValue).joined(separator: " ")),
            ]
            if let resource = key.resource { changes["resource"] = .init(before: nil, after: "\(resource.type):\(resource.id)") }
            if let expiresAt = key.expiresAt {
                changes["expires_at"] = .init(before: nil, after: FastFormatting.timestamp(expiresAt))
            }
            if let limit = key.rateLimitPerMinute { changes["rate_limit_per_minute"] = .init(before: nil, after: String(limit)) }
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .apiKeyCreated,
                    target: .init(type: "api_key", id: key.id.description), origin: origin, changes: changes)
            )
        }
        return (key, secret)
    }

    public func list(_ access: TenantAccess, page: PageRequest) async throws -> Page<APIKey> {
        try await database.withTenant(access.tenantID) { scope in try await scope.apiKeys.list(page) }
    }

    public func get(_ access: TenantAccess, id: APIKeyID) async throws -> APIKey {
        guard let key = try await database.withTenant(access.tenantID, { scope in try await scope.apiKeys.find(id: id) }) else {
            throw Self.noSuchKey
        }
        return key
    }

    /// Renames a key or changes its expiry or its own rate limit.
    public func update(
        _ access: TenantAccess, id: APIKeyID, name: String?, expiresAt: Date??, rateLimitPerMinute: Int??,
        origin: AuditEvent.Origin
    ) async throws -> APIKey {
        let now = Date()
        let key = try await database.withTenant(access.tenantID) { scope -> APIKey in
            guard let before = try await scope.apiKeys.find(id: id) else { throw Self.noSuchKey }
            var after = before
            if let name { after.name = name }
            if let expiresAt { after.expiresAt = expiresAt }
            if let rateLimitPerMinute { after.rateLimitPerMinute = rateLimitPerMinute }
            guard after != before else { return before }
            after.updatedAt = now
            try await scope.apiKeys.update(after)
            var changes: [String: AuditEvent.Change] = [:]
            if before.name != after.name { changes["name"] = .init(before: before.name, after: after.name) }
            if before.expiresAt != after.expiresAt {
                changes["expires_at"] = .init(
                    before: before.expiresAt.map(FastFormatting.timestamp), after: after.expiresAt.map(FastFormatting.timestamp))
            }
            if before.rateLimitPerMinute != after.rateLimitPerMinute {
                changes["rate_limit_per_minute"] = .init(
                    before: before.rateLimitPerMinute.map(String.init), after: after.rateLimitPerMinute.map(String.init))
            }
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .apiKeyUpdated,
                    target: .init(type: "api_key", id: id.description), origin: origin, changes: changes)
            )
            return after
        }
        return key
    }

    /// Revokes a key: it is refused on the next request, on every node.
    public func revoke(_ access: TenantAccess, id: APIKeyID, origin: AuditEvent.Origin) async throws {
        let now = Date()
        try await database.withTenant(access.tenantID) { scope in
            guard let before = try await scope.apiKeys.find(id: id) else { throw Self.noSuchKey }
            guard before.revokedAt == nil else { return }
            try await scope.apiKeys.revoke(id: id, at: now)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .apiKeyRevoked,
                    target: .init(type: "api_key", id: id.description), origin: origin,
                    changes: ["revoked_at": .init(before: nil, after: FastFormatting.timestamp(now))])
            )
        }
    }

    /// Gives a key a new secret; the old one keeps working for `overlap` seconds.
    public func rotate(_ access: TenantAccess, id: APIKeyID, overlap: TimeInterval, origin: AuditEvent.Origin) async throws
        -> (APIKey, APIKeySecret, oldSecretExpiresAt: Date)
    {
        let now = Date()
        let secret = APIKeySecret.generate()
        let until = now.addingTimeInterval(overlap)
        let key = try await database.withTenant(access.tenantID) { scope -> APIKey in
            guard let key = try await scope.apiKeys.find(id: id) else { throw Self.noSuchKey }
            guard key.isUsable(at: now) else {
                throw TenantryError(.conflict, "The key is revoked or expired; create a new one.")
            }
            try await scope.apiKeys.expireSecrets(of: id, except: secret.hash, until: until)
            try await scope.apiKeys.addSecret(hash: secret.hash, keyID: id, at: now, expiresAt: nil)
            try await scope.apiKeys.update(APIKey.withDisplay(of: key, secret: secret, at: now))
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .apiKeyRotated,
                    target: .init(type: "api_key", id: id.description), origin: origin,
                    changes: ["previous_secret_expires_at": .init(before: nil, after: FastFormatting.timestamp(until))])
            )
            guard let rotated = try await scope.apiKeys.find(id: id) else { throw Self.noSuchKey }
            return rotated
        }
        return (key, secret, until)
    }

    /// A bound key's resource must exist in the tenant.
    public static func requireResource(_ resource: ResourceBinding, in scope: any TenantTransaction) async throws {
        switch resource.type {
        case "team":
            guard let id = TeamID(resource.id), try await scope.teams.find(id: id) != nil else {
                throw Validator.fail("resource.id", "not_found", "No such team in this tenant.")
            }
        default:
            throw Validator.fail("resource.type", "invalid_value", "Keys can be bound to: team.")
        }
    }

    public static var noSuchKey: TenantryError { TenantryError(.notFound, "No such API key.") }
}

extension APIKey {
    /// The key with the display prefix and last four characters of a new secret.
    public static func withDisplay(of key: APIKey, secret: APIKeySecret, at now: Date) -> APIKey {
        var key = key
        key.prefix = secret.prefix
        key.lastFour = secret.lastFour
        key.updatedAt = now
        return key
    }
}
