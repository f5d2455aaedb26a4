public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's single sign-on connections. The protocol's settings are stored as JSON; an
/// OpenID client secret sealed with the master key.
public struct SQLSSOConnectionRepository: SSOConnectionRepository {
    let sql: any SQLDatabase
    /// The tenant whose connections these are.
    public let tenantID: TenantID

    static let columns = """
        tenant_id, id, name, protocol, enabled, domains, default_role, return_url, settings, created_at, updated_at
        """

    /// The protocol's settings as stored.
    private struct StoredSettings: Codable {
        var oidc: OIDCConnectionSettings?
        var saml: SAMLConnectionSettings?
    }

    public func create(_ connection: SSOConnection, sealedClientSecret: String?) async throws {
        try await sql.raw(
            """
            INSERT INTO sso_connections (\(unsafeRaw: Self.columns), client_secret)
            VALUES (\(bind: tenantID.rawValue), \(bind: connection.id.rawValue), \(bind: connection.name),
                    \(bind: connection.kind.rawValue), \(bind: connection.enabled), \(bind: try Self.json(connection.domains)),
                    \(bind: connection.defaultRole.rawValue), \(bind: connection.returnURL),
                    \(bind: try Self.json(StoredSettings(oidc: connection.oidc, saml: connection.saml))),
                    \(bind: connection.createdAt), \(bind: connection.updatedAt), \(bind: sealedClientSecret))
            """
        ).run()
    }

    public func find(id: SSOConnectionID) async throws -> SSOConnection? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM sso_connections
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decode)
    }

    public func list(_ page: PageRequest) async throws -> Page<SSOConnection> {
        try await KeysetPagination.fetch(
            sql, select: "SELECT \(unsafeRaw: Self.columns) FROM sso_connections WHERE tenant_id = \(bind: tenantID.rawValue)",
            key: "id", page: page, decode: Self.decode
        ) { $0.id.rawValue }
    }

    public func update(_ connection: SSOConnection, sealedClientSecret: String?) async throws {
        let rows = try await sql.raw(
            """
            UPDATE sso_connections SET name = \(bind: connection.name), enabled = \(bind: connection.enabled),
                domains = \(bind: try Self.json(connection.domains)), default_role = \(bind: connection.defaultRole.rawValue),
                return_url = \(bind: connection.returnURL),
                settings = \(bind: try Self.json(StoredSettings(oidc: connection.oidc, saml: connection.saml))),
                client_secret = COALESCE(\(bind: sealedClientSecret), client_secret), updated_at = \(bind: connection.updatedAt)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: connection.id.rawValue)
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such SSO connection.") }
    }

    public func delete(id: SSOConnectionID) async throws -> Bool {
        try await sql.raw(
            """
            DELETE FROM sso_connections WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            RETURNING id
            """
        ).all().isEmpty == false
    }

    public func sealedClientSecret(of id: SSOConnectionID) async throws -> String? {
        try await sql.raw(
            """
            SELECT client_secret FROM sso_connections
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().flatMap { try $0.decode(column: "client_secret", as: String?.self) }
    }

    static func json<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode(_ row: any SQLRow) throws -> SSOConnection {
        let settings = try JSONDecoder().decode(
            StoredSettings.self, from: Data(try row.decode(column: "settings", as: String.self).utf8))
        let domains = try JSONDecoder().decode([String].self, from: Data(try row.decode(column: "domains", as: String.self).utf8))
        return SSOConnection(
            tenantID: try row.identifier("tenant_id"), id: try row.identifier("id"),
            name: try row.decode(column: "name", as: String.self),
            kind: try row.enumeration("protocol", as: SSOProtocol.self),
            enabled: try row.decode(column: "enabled", as: Bool.self), domains: domains,
            defaultRole: try row.enumeration("default_role", as: TenantRole.self),
            returnURL: try row.decode(column: "return_url", as: String.self), oidc: settings.oidc, saml: settings.saml,
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }
}

/// Single sign-on flows in progress, their one-time codes, and used SAML assertion ids (global
/// tables). Each take is one conditional update, so a state or code works once also under
/// concurrent requests.
public struct SQLSSOFlowRepository: SSOFlowRepository {
    let sql: any SQLDatabase

    public func addFlow(stateHash: String, flow: SSOFlow, at: Date) async throws {
        // Old flows and codes go as new ones come, so the tables stay small.
        try await sql.raw("DELETE FROM sso_flows WHERE expires_at < \(bind: at)").run()
        try await sql.raw("DELETE FROM sso_grants WHERE expires_at < \(bind: at)").run()
        try await sql.raw(
            """
            INSERT INTO sso_flows (state_hash, context_tenant_id, connection_id, nonce, code_verifier, saml_request_id,
                client_state, console_return, created_at, expires_at, taken_at)
            VALUES (\(bind: stateHash), \(bind: flow.tenantID.rawValue), \(bind: flow.connectionID.rawValue),
                \(bind: flow.nonce), \(bind: flow.sealedCodeVerifier), \(bind: flow.samlRequestID), \(bind: flow.clientState),
                \(bind: flow.consoleReturn), \(bind: at), \(bind: flow.expiresAt), NULL)
            """
        ).run()
    }

    public func takeFlow(stateHash: String, now: Date) async throws -> SSOFlow? {
        guard
            let row = try await sql.raw(
                """
                UPDATE sso_flows SET taken_at = \(bind: now)
                WHERE state_hash = \(bind: stateHash) AND taken_at IS NULL AND expires_at > \(bind: now)
                RETURNING context_tenant_id, connection_id, nonce, code_verifier, saml_request_id, client_state, console_return,
                    expires_at
                """
            ).first()
        else { return nil }
        return SSOFlow(
            tenantID: try row.identifier("context_tenant_id"), connectionID: try row.identifier("connection_id"),
            nonce: try row.decode(column: "nonce", as: String?.self),
            sealedCodeVerifier: try row.decode(column: "code_verifier", as: String?.self),
            samlRequestID: try row.decode(column: "saml_request_id", as: String?.self),
            clientState: try row.decode(column: "client_state", as: String?.self),
            consoleReturn: try row.decode(column: "console_return", as: String?.self),
            expiresAt: try row.decode(column: "expires_at", as: Date.self))
    }

    public func addGrant(codeHash: String, userID: UserID, tenantID: TenantID, expiresAt: Date, at: Date) async throws {
        try await sql.raw(
            """
            INSERT INTO sso_grants (code_hash, user_id, context_tenant_id, created_at, expires_at, taken_at)
            VALUES (\(bind: codeHash), \(bind: userID.rawValue), \(bind: tenantID.rawValue), \(bind: at), \(bind: expiresAt), NULL)
            """
        ).run()
    }

    public func takeGrant(codeHash: String, now: Date) async throws -> (userID: UserID, tenantID: TenantID)? {
        guard
            let row = try await sql.raw(
                """
                UPDATE sso_grants SET taken_at = \(bind: now)
                WHERE code_hash = \(bind: codeHash) AND taken_at IS NULL AND expires_at > \(bind: now)
                RETURNING user_id, context_tenant_id
                """
            ).first()
        else { return nil }
        return (try row.identifier("user_id"), try row.identifier("context_tenant_id"))
    }

    public func rememberAssertion(connectionID: SSOConnectionID, assertionID: String, until: Date, now: Date) async throws
        -> Bool
    {
        try await sql.raw("DELETE FROM saml_assertions_used WHERE expires_at < \(bind: now)").run()
        return try await !sql.raw(
            """
            INSERT INTO saml_assertions_used (connection_id, assertion_id, expires_at)
            VALUES (\(bind: connectionID.rawValue), \(bind: assertionID), \(bind: until))
            ON CONFLICT (connection_id, assertion_id) DO NOTHING
            RETURNING assertion_id
            """
        ).all().isEmpty
    }
}
