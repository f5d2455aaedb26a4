public import Foundation
import SQLKit
public import TenantryCore

/// The platform's social sign-in connections (a global table). Allowed domains and return URLs
/// are stored as JSON arrays; the client secret sealed with the master key.
public struct SQLSocialConnectionRepository: SocialConnectionRepository {
    let sql: any SQLDatabase

    static let columns = """
        id, provider, issuer, client_id, enabled, allowed_domains, return_urls, created_at, updated_at
        """

    /// Stores a new connection; a second one of the same provider is a `conflict` naming `provider`.
    public func create(_ connection: SocialConnection, sealedClientSecret: String?) async throws {
        do {
            try await sql.raw(
                """
                INSERT INTO social_connections (\(unsafeRaw: Self.columns), client_secret)
                VALUES (\(bind: connection.id.rawValue), \(bind: connection.provider.rawValue), \(bind: connection.issuer),
                        \(bind: connection.clientID), \(bind: connection.enabled),
                        \(bind: try SQLSSOConnectionRepository.json(connection.allowedDomains)),
                        \(bind: try SQLSSOConnectionRepository.json(connection.returnURLs)),
                        \(bind: connection.createdAt), \(bind: connection.updatedAt), \(bind: sealedClientSecret))
                """
            ).run()
        } catch  where DatabaseFailure.isUniqueViolation(error) {
            throw Self.providerTaken
        }
    }

    /// The answer to a second connection of one provider.
    static var providerTaken: TenantryError {
        TenantryError(
            .conflict, "This provider already has a connection.",
            fieldErrors: [FieldError(field: "provider", code: "taken", message: "Change or delete the existing connection.")])
    }

    public func find(id: SocialConnectionID) async throws -> SocialConnection? {
        try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM social_connections WHERE id = \(bind: id.rawValue)")
            .first().map(Self.decode)
    }

    public func find(provider: SocialProvider) async throws -> SocialConnection? {
        try await sql.raw(
            "SELECT \(unsafeRaw: Self.columns) FROM social_connections WHERE provider = \(bind: provider.rawValue)"
        ).first().map(Self.decode)
    }

    public func list(_ page: PageRequest) async throws -> Page<SocialConnection> {
        try await KeysetPagination.fetch(
            sql, select: "SELECT \(unsafeRaw: Self.columns) FROM social_connections WHERE 1 = 1", key: "id", page: page,
            decode: Self.decode
        ) { $0.id.rawValue }
    }

    public func update(_ connection: SocialConnection, sealedClientSecret: String?) async throws {
        let rows = try await sql.raw(
            """
            UPDATE social_connections SET issuer = \(bind: connection.issuer), client_id = \(bind: connection.clientID),
                enabled = \(bind: connection.enabled),
                allowed_domains = \(bind: try SQLSSOConnectionRepository.json(connection.allowedDomains)),
                return_urls = \(bind: try SQLSSOConnectionRepository.json(connection.returnURLs)),
                client_secret = COALESCE(\(bind: sealedClientSecret), client_secret), updated_at = \(bind: connection.updatedAt)
            WHERE id = \(bind: connection.id.rawValue)
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such social connection.") }
    }

    public func delete(id: SocialConnectionID) async throws -> Bool {
        try await sql.raw("DELETE FROM social_connections WHERE id = \(bind: id.rawValue) RETURNING id").all().isEmpty == false
    }

    public func sealedClientSecret(of id: SocialConnectionID) async throws -> String? {
        try await sql.raw("SELECT client_secret FROM social_connections WHERE id = \(bind: id.rawValue)")
            .first().flatMap { try $0.decode(column: "client_secret", as: String?.self) }
    }

    static func decode(_ row: any SQLRow) throws -> SocialConnection {
        func list(_ column: String) throws -> [String] {
            try JSONDecoder().decode([String].self, from: Data(try row.decode(column: column, as: String.self).utf8))
        }
        return SocialConnection(
            id: try row.identifier("id"), provider: try row.enumeration("provider", as: SocialProvider.self),
            issuer: try row.decode(column: "issuer", as: String.self),
            clientID: try row.decode(column: "client_id", as: String.self),
            enabled: try row.decode(column: "enabled", as: Bool.self), allowedDomains: try list("allowed_domains"),
            returnURLs: try list("return_urls"), createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self))
    }
}

/// Social sign-in flows in progress and their one-time codes (global tables). Each take is one
/// conditional update, so a state or code works once also under concurrent requests.
public struct SQLSocialFlowRepository: SocialFlowRepository {
    let sql: any SQLDatabase

    public func addFlow(stateHash: String, flow: SocialFlow, at: Date) async throws {
        // Old flows and codes go as new ones come, so the tables stay small.
        try await sql.raw("DELETE FROM social_flows WHERE expires_at < \(bind: at)").run()
        try await sql.raw("DELETE FROM social_grants WHERE expires_at < \(bind: at)").run()
        try await sql.raw(
            """
            INSERT INTO social_flows (state_hash, connection_id, intent, nonce, code_verifier, return_url, client_state,
                created_at, expires_at, taken_at)
            VALUES (\(bind: stateHash), \(bind: flow.connectionID.rawValue), \(bind: flow.intent.rawValue),
                \(bind: flow.nonce), \(bind: flow.sealedCodeVerifier), \(bind: flow.returnURL), \(bind: flow.clientState),
                \(bind: at), \(bind: flow.expiresAt), NULL)
            """
        ).run()
    }

    public func takeFlow(stateHash: String, now: Date) async throws -> SocialFlow? {
        guard
            let row = try await sql.raw(
                """
                UPDATE social_flows SET taken_at = \(bind: now)
                WHERE state_hash = \(bind: stateHash) AND taken_at IS NULL AND expires_at > \(bind: now)
                RETURNING connection_id, intent, nonce, code_verifier, return_url, client_state, expires_at
                """
            ).first()
        else { return nil }
        return SocialFlow(
            connectionID: try row.identifier("connection_id"), intent: try row.enumeration("intent", as: SocialIntent.self),
            nonce: try row.decode(column: "nonce", as: String.self),
            sealedCodeVerifier: try row.decode(column: "code_verifier", as: String.self),
            returnURL: try row.decode(column: "return_url", as: String.self),
            clientState: try row.decode(column: "client_state", as: String?.self),
            expiresAt: try row.decode(column: "expires_at", as: Date.self))
    }

    public func addGrant(codeHash: String, grant: SocialGrant, at: Date) async throws {
        try await sql.raw(
            """
            INSERT INTO social_grants (code_hash, connection_id, intent, user_id, email, name, created_at, expires_at, taken_at)
            VALUES (\(bind: codeHash), \(bind: grant.connectionID.rawValue), \(bind: grant.intent.rawValue),
                \(bind: grant.userID?.rawValue), \(bind: grant.email.rawValue), \(bind: grant.name), \(bind: at),
                \(bind: grant.expiresAt), NULL)
            """
        ).run()
    }

    public func findGrant(codeHash: String, now: Date) async throws -> SocialGrant? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.grantColumns) FROM social_grants
            WHERE code_hash = \(bind: codeHash) AND taken_at IS NULL AND expires_at > \(bind: now)
            """
        ).first().map(Self.decodeGrant)
    }

    public func takeGrant(codeHash: String, now: Date) async throws -> SocialGrant? {
        try await sql.raw(
            """
            UPDATE social_grants SET taken_at = \(bind: now)
            WHERE code_hash = \(bind: codeHash) AND taken_at IS NULL AND expires_at > \(bind: now)
            RETURNING \(unsafeRaw: Self.grantColumns)
            """
        ).first().map(Self.decodeGrant)
    }

    static let grantColumns = "connection_id, intent, user_id, email, name, expires_at"

    static func decodeGrant(_ row: any SQLRow) throws -> SocialGrant {
        SocialGrant(
            connectionID: try row.identifier("connection_id"), intent: try row.enumeration("intent", as: SocialIntent.self),
            userID: try row.decode(column: "user_id", as: UUID?.self).map { UserID($0) },
            email: try row.validated("email") { try EmailAddress($0) },
            name: try row.decode(column: "name", as: String?.self),
            expiresAt: try row.decode(column: "expires_at", as: Date.self))
    }
}
