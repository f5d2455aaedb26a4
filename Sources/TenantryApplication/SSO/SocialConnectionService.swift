import Foundation
public import TenantryCore

/// The platform's social sign-in connections (Google, Microsoft), managed by operators: list,
/// read, create, change, delete. One connection per provider. The client secret is sealed with
/// the master key and never returned. Every change is recorded in the platform audit trail
/// (`social_connection.created`, `.updated`, `.deleted`), since the connections belong to no
/// tenant.
public struct SocialConnectionService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Seals client secrets.
    public let masterKey: MasterKey

    /// Creates the use case.
    public init(database: any DataStore, masterKey: MasterKey) {
        self.database = database
        self.masterKey = masterKey
    }

    /// The answer for an id no connection has.
    public static let noSuchConnection = TenantryError(.notFound, "No such social connection.")

    /// A new connection, validated by the caller.
    public struct NewConnection: Sendable {
        public var provider: SocialProvider
        /// `nil`: the provider's default issuer.
        public var issuer: String?
        public var clientID: String
        public var clientSecret: String?
        public var enabled: Bool
        public var allowedDomains: [String]
        public var returnURLs: [String]

        /// Creates a value.
        public init(
            provider: SocialProvider, issuer: String?, clientID: String, clientSecret: String?, enabled: Bool,
            allowedDomains: [String], returnURLs: [String]
        ) {
            self.provider = provider
            self.issuer = issuer
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.enabled = enabled
            self.allowedDomains = allowedDomains
            self.returnURLs = returnURLs
        }
    }

    /// A partial change; `nil` leaves a field as it is. The provider never changes.
    public struct Change: Sendable {
        public var issuer: String?
        public var clientID: String?
        public var clientSecret: String?
        public var enabled: Bool?
        public var allowedDomains: [String]?
        public var returnURLs: [String]?

        /// Creates a value.
        public init(
            issuer: String? = nil, clientID: String? = nil, clientSecret: String? = nil, enabled: Bool? = nil,
            allowedDomains: [String]? = nil, returnURLs: [String]? = nil
        ) {
            self.issuer = issuer
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.enabled = enabled
            self.allowedDomains = allowedDomains
            self.returnURLs = returnURLs
        }
    }

    /// One page of connections, oldest first.
    public func list(page: PageRequest) async throws -> Page<SocialConnection> {
        try await database.readGlobal { scope in try await scope.socialConnections.list(page) }
    }

    /// One connection.
    public func get(id: SocialConnectionID) async throws -> SocialConnection {
        guard let found = try await database.readGlobal({ scope in try await scope.socialConnections.find(id: id) }) else {
            throw Self.noSuchConnection
        }
        return found
    }

    /// Creates a connection; a provider that has one already is a `conflict`.
    public func create(by actor: PlatformOperator, _ new: NewConnection, origin: AuditEvent.Origin) async throws
        -> SocialConnection
    {
        let now = Date()
        let connection = SocialConnection(
            id: .generate(), provider: new.provider, issuer: new.issuer ?? new.provider.defaultIssuer, clientID: new.clientID,
            enabled: new.enabled, allowedDomains: new.allowedDomains, returnURLs: new.returnURLs, createdAt: now,
            updatedAt: now)
        let sealed = try new.clientSecret.map { try masterKey.seal(Data($0.utf8)) }
        try await database.withGlobal { scope in
            try await scope.socialConnections.create(connection, sealedClientSecret: sealed)
            var changes = Self.fields(of: connection).mapValues { AuditEvent.Change(before: nil, after: $0) }
            if sealed != nil { changes["client_secret"] = .init(before: nil, after: "set") }
            try await scope.platformAuditEvents.append(
                AuditRecorder.event(
                    by: actor, action: "social_connection.created", target: Self.target(connection.id), origin: origin,
                    changes: changes))
        }
        return connection
    }

    /// Applies a change; records only the fields that changed (a new client secret as
    /// `client_secret: replaced`, never its value).
    public func update(by actor: PlatformOperator, id: SocialConnectionID, _ change: Change, origin: AuditEvent.Origin)
        async throws -> SocialConnection
    {
        let sealed = try change.clientSecret.map { try masterKey.seal(Data($0.utf8)) }
        return try await database.withGlobal { scope in
            guard var connection = try await scope.socialConnections.find(id: id) else { throw Self.noSuchConnection }
            let before = Self.fields(of: connection)
            if let issuer = change.issuer { connection.issuer = issuer }
            if let clientID = change.clientID { connection.clientID = clientID }
            if let enabled = change.enabled { connection.enabled = enabled }
            if let domains = change.allowedDomains { connection.allowedDomains = domains }
            if let urls = change.returnURLs { connection.returnURLs = urls }
            let after = Self.fields(of: connection)
            var changes = AuditRecorder.changes(from: before, to: after)
            if sealed != nil { changes["client_secret"] = .init(before: nil, after: "replaced") }
            guard !changes.isEmpty else { return connection }
            connection.updatedAt = Date()
            try await scope.socialConnections.update(connection, sealedClientSecret: sealed)
            try await scope.platformAuditEvents.append(
                AuditRecorder.event(
                    by: actor, action: "social_connection.updated", target: Self.target(id), origin: origin, changes: changes))
            return connection
        }
    }

    /// Deletes a connection. Accounts made through it stay; they sign in with another way.
    public func delete(by actor: PlatformOperator, id: SocialConnectionID, origin: AuditEvent.Origin) async throws {
        try await database.withGlobal { scope in
            guard let connection = try await scope.socialConnections.find(id: id) else { throw Self.noSuchConnection }
            try await scope.socialConnections.delete(id: id)
            try await scope.platformAuditEvents.append(
                AuditRecorder.event(
                    by: actor, action: "social_connection.deleted", target: Self.target(id), origin: origin,
                    changes: Self.fields(of: connection).mapValues { .init(before: $0, after: nil) }))
        }
    }

    static func target(_ id: SocialConnectionID) -> AuditEvent.Target {
        AuditEvent.Target(type: "social_connection", id: id.description)
    }

    /// What the audit trail shows of a connection (never a secret).
    static func fields(of connection: SocialConnection) -> [String: String] {
        [
            "provider": connection.provider.rawValue, "issuer": connection.issuer, "client_id": connection.clientID,
            "enabled": String(connection.enabled), "allowed_domains": connection.allowedDomains.joined(separator: " "),
            "return_urls": connection.returnURLs.joined(separator: " "),
        ]
    }
}
