import Foundation
public import TenantryCore

/// A tenant's single sign-on connections: list, read, create, change, delete. An OpenID
/// client secret is sealed with the master key and never returned.
public struct SSOConnectionService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Seals client secrets.
    public let masterKey: MasterKey

    /// Creates the use case.
    public init(database: any DataStore, masterKey: MasterKey) {
        self.database = database
        self.masterKey = masterKey
    }

    /// The answer for an id the tenant has no connection by.
    public static let noSuchConnection = TenantryError(.notFound, "No such SSO connection.")

    /// A new connection, validated by the caller.
    public struct NewConnection: Sendable {
        public var name: String
        public var enabled: Bool
        public var domains: [String]
        public var defaultRole: TenantRole
        public var returnURL: String
        public var oidc: OIDCConnectionSettings?
        public var clientSecret: String?
        public var saml: SAMLConnectionSettings?

        /// Creates a value.
        public init(
            name: String, enabled: Bool, domains: [String], defaultRole: TenantRole, returnURL: String,
            oidc: OIDCConnectionSettings?, clientSecret: String?, saml: SAMLConnectionSettings?
        ) {
            self.name = name
            self.enabled = enabled
            self.domains = domains
            self.defaultRole = defaultRole
            self.returnURL = returnURL
            self.oidc = oidc
            self.clientSecret = clientSecret
            self.saml = saml
        }
    }

    /// A partial change; `nil` leaves a field as it is.
    public struct Change: Sendable {
        public var name: String?
        public var enabled: Bool?
        public var domains: [String]?
        public var defaultRole: TenantRole?
        public var returnURL: String?
        public var oidc: OIDCConnectionSettings?
        public var clientSecret: String?
        public var saml: SAMLConnectionSettings?

        /// Creates a value.
        public init(
            name: String? = nil, enabled: Bool? = nil, domains: [String]? = nil, defaultRole: TenantRole? = nil,
            returnURL: String? = nil, oidc: OIDCConnectionSettings? = nil, clientSecret: String? = nil,
            saml: SAMLConnectionSettings? = nil
        ) {
            self.name = name
            self.enabled = enabled
            self.domains = domains
            self.defaultRole = defaultRole
            self.returnURL = returnURL
            self.oidc = oidc
            self.clientSecret = clientSecret
            self.saml = saml
        }
    }

    public func list(_ access: TenantAccess, page: PageRequest) async throws -> Page<SSOConnection> {
        try await database.withTenant(access.tenantID) { scope in try await scope.ssoConnections.list(page) }
    }

    public func get(_ access: TenantAccess, id: SSOConnectionID) async throws -> SSOConnection {
        let found = try await database.withTenant(access.tenantID) { scope in try await scope.ssoConnections.find(id: id) }
        guard let found else { throw Self.noSuchConnection }
        return found
    }

    /// Creates a connection.
    public func create(_ access: TenantAccess, _ new: NewConnection, origin: AuditEvent.Origin) async throws -> SSOConnection {
        let now = Date()
        let connection = SSOConnection(
            tenantID: access.tenantID, id: .generate(), name: new.name, kind: new.oidc != nil ? .oidc : .saml,
            enabled: new.enabled, domains: new.domains, defaultRole: new.defaultRole, returnURL: new.returnURL,
            oidc: new.oidc, saml: new.saml, createdAt: now, updatedAt: now)
        let sealed = try new.clientSecret.map { try masterKey.seal(Data($0.utf8)) }
        try await database.withTenant(access.tenantID) { scope in
            try await scope.ssoConnections.create(connection, sealedClientSecret: sealed)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .ssoConnectionCreated, target: Self.target(connection.id), origin: origin,
                    changes: Self.fields(of: connection).mapValues { .init(before: nil, after: $0) }))
        }
        return connection
    }

    /// Applies a change; records only the fields that changed (a new client secret as
    /// `client_secret: replaced`, never its value).
    public func update(_ access: TenantAccess, id: SSOConnectionID, _ change: Change, origin: AuditEvent.Origin)
        async throws -> SSOConnection
    {
        let sealed = try change.clientSecret.map { try masterKey.seal(Data($0.utf8)) }
        return try await database.withTenant(access.tenantID) { scope in
            guard var connection = try await scope.ssoConnections.find(id: id) else { throw Self.noSuchConnection }
            let before = Self.fields(of: connection)
            if let name = change.name { connection.name = name }
            if let enabled = change.enabled { connection.enabled = enabled }
            if let domains = change.domains { connection.domains = domains }
            if let role = change.defaultRole { connection.defaultRole = role }
            if let url = change.returnURL { connection.returnURL = url }
            if let oidc = change.oidc {
                guard connection.kind == .oidc else {
                    throw Validator.fail("oidc", "wrong_protocol", "This is a SAML connection.")
                }
                connection.oidc = oidc
            }
            if let saml = change.saml {
                guard connection.kind == .saml else {
                    throw Validator.fail("saml", "wrong_protocol", "This is an OpenID Connect connection.")
                }
                connection.saml = saml
            }
            if sealed != nil, connection.kind != .oidc {
                throw Validator.fail("client_secret", "wrong_protocol", "Only OpenID Connect connections have a client secret.")
            }
            let after = Self.fields(of: connection)
            var changes = AuditRecorder.changes(from: before, to: after)
            if sealed != nil { changes["client_secret"] = .init(before: nil, after: "replaced") }
            guard !changes.isEmpty else { return connection }
            connection.updatedAt = Date()
            try await scope.ssoConnections.update(connection, sealedClientSecret: sealed)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .ssoConnectionUpdated, target: Self.target(id), origin: origin, changes: changes))
            return connection
        }
    }

    /// Deletes a connection.
    public func delete(_ access: TenantAccess, id: SSOConnectionID, origin: AuditEvent.Origin) async throws {
        try await database.withTenant(access.tenantID) { scope in
            guard let connection = try await scope.ssoConnections.find(id: id) else { throw Self.noSuchConnection }
            try await scope.ssoConnections.delete(id: id)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .ssoConnectionDeleted, target: Self.target(id), origin: origin,
                    changes: Self.fields(of: connection).mapValues { .init(before: $0, after: nil) }))
        }
    }

    static func target(_ id: SSOConnectionID) -> AuditEvent.Target {
        AuditEvent.Target(type: "sso_connection", id: id.description)
    }

    /// What the audit trail shows of a connection (never a secret).
    static func fields(of connection: SSOConnection) -> [String: String] {
        var fields = [
            "name": connection.name, "protocol": connection.kind.rawValue, "enabled": String(connection.enabled),
            "domains": connection.domains.joined(separator: " "), "default_role": connection.defaultRole.rawValue,
            "return_url": connection.returnURL,
        ]
        if let oidc = connection.oidc {
            fields["oidc.issuer"] = oidc.issuer
            fields["oidc.client_id"] = oidc.clientID
        }
        if let saml = connection.saml {
            fields["saml.idp_entity_id"] = saml.identityProviderEntityID
            fields["saml.sso_url"] = saml.singleSignOnURL
            fields["saml.allow_idp_initiated"] = String(saml.allowIdentityProviderInitiated)
            fields["saml.certificates"] = String(saml.certificates.count)
        }
        return fields
    }
}
