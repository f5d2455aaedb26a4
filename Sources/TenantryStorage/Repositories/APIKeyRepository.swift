public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's API keys and their secrets (stored as SHA-256 only).
public struct SQLAPIKeyRepository: APIKeyRepository {
    let sql: any SQLDatabase
    /// The tenant whose keys this repository reads and writes.
    public let tenantID: TenantID

    private static let columns = """
        tenant_id, id, name, prefix, last_four, scopes, resource_type, resource_id, created_by, created_at, updated_at,
        expires_at, revoked_at, last_used_at, rate_limit_per_minute
        """

    /// Stores a new key with its first secret.
    public func create(_ key: APIKey, secretHash: String) async throws {
        try await sql.raw(
            """
            INSERT INTO api_keys (tenant_id, id, name, prefix, last_four, scopes, resource_type, resource_id, created_by,
                created_at, updated_at, expires_at, revoked_at, last_used_at, rate_limit_per_minute)
            VALUES (\(bind: tenantID.rawValue), \(bind: key.id.rawValue), \(bind: key.name), \(bind: key.prefix),
                \(bind: key.lastFour), \(bind: try PermissionSetCoding.encode(key.scopes)), \(bind: key.resource?.type),
                \(bind: key.resource?.id), \(bind: key.createdBy.rawValue), \(bind: key.createdAt), \(bind: key.updatedAt),
                \(bind: key.expiresAt), \(bind: key.revokedAt), \(bind: key.lastUsedAt), \(bind: key.rateLimitPerMinute))
            """
        ).run()
        try await addSecret(hash: secretHash, keyID: key.id, at: key.createdAt, expiresAt: nil)
    }

    /// Adds a secret to a key (rotation).
    public func addSecret(hash: String, keyID: APIKeyID, at time: Date, expiresAt: Date?) async throws {
        try await sql.raw(
            """
            INSERT INTO api_key_secrets (tenant_id, secret_hash, key_id, created_at, expires_at)
            VALUES (\(bind: tenantID.rawValue), \(bind: hash), \(bind: keyID.rawValue), \(bind: time), \(bind: expiresAt))
            """
        ).run()
    }

    /// Ends the key's current secrets at `until` (the rotation overlap), except `keeping`;
    /// secrets already ending sooner keep their earlier end.
    public func expireSecrets(of keyID: APIKeyID, except keeping: String, until: Date) async throws {
        try await sql.raw(
            """
            UPDATE api_key_secrets SET expires_at = \(bind: until)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND key_id = \(bind: keyID.rawValue)
                AND secret_hash <> \(bind: keeping) AND (expires_at IS NULL OR expires_at > \(bind: until))
            """
        ).run()
    }

    /// The key with this id, if any.
    public func find(id: APIKeyID) async throws -> APIKey? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM api_keys
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decode)
    }

    /// The key a secret belongs to and when that secret stops working (`nil`: with the key).
    public func find(secretHash: String) async throws -> (key: APIKey, secretExpiresAt: Date?)? {
        guard
            let row = try await sql.raw(
                """
                SELECT s.expires_at AS secret_expires_at, k.tenant_id, k.id, k.name, k.prefix, k.last_four, k.scopes,
                    k.resource_type, k.resource_id, k.created_by, k.created_at, k.updated_at, k.expires_at, k.revoked_at,
                    k.last_used_at, k.rate_limit_per_minute
                FROM api_key_secrets s JOIN api_keys k ON k.tenant_id = s.tenant_id AND k.id = s.key_id
                WHERE s.tenant_id = \(bind: tenantID.rawValue) AND s.secret_hash = \(bind: secretHash)
                """
            ).first()
        else { return nil }
        return (try Self.decode(row), try row.decode(column: "secret_expires_at", as: Date?.self))
    }

    /// Keys in creation order, one page at a time (revoked ones included, marked).
    public func list(_ page: PageRequest) async throws -> Page<APIKey> {
        try await KeysetPagination.fetch(
            sql,
            select: "SELECT \(unsafeRaw: Self.columns) FROM api_keys WHERE tenant_id = \(bind: tenantID.rawValue)",
            key: "id",
            page: page,
            decode: Self.decode
        ) { $0.id.rawValue }
    }

    /// Saves a key's name, expiry, own rate limit and display prefix and suffix (which change on
    /// rotation).
    public func update(_ key: APIKey) async throws {
        let rows = try await sql.raw(
            """
            UPDATE api_keys SET name = \(bind: key.name), expires_at = \(bind: key.expiresAt), prefix = \(bind: key.prefix),
                last_four = \(bind: key.lastFour), rate_limit_per_minute = \(bind: key.rateLimitPerMinute),
                updated_at = \(bind: key.updatedAt)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: key.id.rawValue)
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such API key.") }
    }

    /// Revokes a key (idempotent); `not_found` when there is none.
    public func revoke(id: APIKeyID, at time: Date) async throws {
        let rows = try await sql.raw(
            """
            UPDATE api_keys SET revoked_at = coalesce(revoked_at, \(bind: time)), updated_at = \(bind: time)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such API key.") }
    }

    /// Revokes every live key a user created; returns their ids.
    public func revokeAll(createdBy userID: UserID, at time: Date) async throws -> [APIKeyID] {
        try await sql.raw(
            """
            UPDATE api_keys SET revoked_at = \(bind: time), updated_at = \(bind: time)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND created_by = \(bind: userID.rawValue) AND revoked_at IS NULL
            RETURNING id
            """
        ).all().map { try $0.identifier("id") }
    }

    /// Records when keys were last used (batched from memory).
    public func recordUse(_ uses: [(APIKeyID, Date)]) async throws {
        for (id, time) in uses {
            try await sql.raw(
                """
                UPDATE api_keys SET last_used_at = \(bind: time)
                WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
                    AND (last_used_at IS NULL OR last_used_at < \(bind: time))
                """
            ).run()
        }
    }

    static func decode(_ row: any SQLRow) throws -> APIKey {
        let resourceType = try row.decode(column: "resource_type", as: String?.self)
        let resourceID = try row.decode(column: "resource_id", as: String?.self)
        return APIKey(
            tenantID: try row.identifier("tenant_id"),
            id: try row.identifier("id"),
            name: try row.decode(column: "name", as: String.self),
            prefix: try row.decode(column: "prefix", as: String.self),
            lastFour: try row.decode(column: "last_four", as: String.self),
            scopes: try PermissionSetCoding.decode(try row.decode(column: "scopes", as: String.self)),
            resource: resourceType.flatMap { type in resourceID.map { ResourceBinding(type: type, id: $0) } },
            createdBy: try row.identifier("created_by"),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self),
            expiresAt: try row.decode(column: "expires_at", as: Date?.self),
            revokedAt: try row.decode(column: "revoked_at", as: Date?.self),
            lastUsedAt: try row.decode(column: "last_used_at", as: Date?.self),
            rateLimitPerMinute: try row.decode(column: "rate_limit_per_minute", as: Int?.self)
        )
    }
}

/// Finds the tenant a presented secret (an API key, an invitation token) belongs to before any
/// tenant scope exists. On PostgreSQL through database functions that raise the platform scope
/// for that one query alone.
public struct SQLCredentialDirectory: CredentialDirectory {
    let sql: any SQLDatabase

    /// The tenant and key of a secret hash, if any.
    public func owner(ofSecretHash hash: String) async throws -> (tenantID: TenantID, keyID: APIKeyID)? {
        let query: SQLQueryString
        if sql.dialect.name == "postgresql" {
            query = "SELECT key_tenant_id, key_id FROM tenantry_api_key_secret(\(bind: hash))"
        } else {
            query = "SELECT tenant_id AS key_tenant_id, key_id FROM api_key_secrets WHERE secret_hash = \(bind: hash)"
        }
        guard let row = try await sql.raw(query).first() else { return nil }
        return (try row.identifier("key_tenant_id"), try row.identifier("key_id"))
    }

    /// The tenant and invitation of an invitation token hash, if any.
    public func invitation(ofTokenHash hash: String) async throws -> (tenantID: TenantID, invitationID: InvitationID)? {
        let query: SQLQueryString
        if sql.dialect.name == "postgresql" {
            query = "SELECT invitation_tenant_id, invitation_id FROM tenantry_invitation_token(\(bind: hash))"
        } else {
            query =
                "SELECT tenant_id AS invitation_tenant_id, id AS invitation_id FROM invitations WHERE token_hash = \(bind: hash)"
        }
        guard let row = try await sql.raw(query).first() else { return nil }
        return (try row.identifier("invitation_tenant_id"), try row.identifier("invitation_id"))
    }
}
