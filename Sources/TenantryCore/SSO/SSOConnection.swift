public import Foundation

/// The id of a tenant's single sign-on connection.
public typealias SSOConnectionID = Identifier<SSOConnection>

/// How a connection signs people in.
public enum SSOProtocol: String, Sendable, Codable, CaseIterable {
    /// OpenID Connect, authorization code flow with PKCE.
    case oidc
    /// SAML 2.0, SP-initiated (HTTP-Redirect request, HTTP-POST response).
    case saml
}

/// An OpenID Connect connection's settings (the client secret is stored apart, sealed).
public struct OIDCConnectionSettings: Sendable, Equatable, Codable {
    /// The provider's issuer URL; its discovery document is read from it.
    public var issuer: String
    /// The client id registered at the provider.
    public var clientID: String

    /// Creates a value.
    public init(issuer: String, clientID: String) {
        self.issuer = issuer
        self.clientID = clientID
    }

    enum CodingKeys: String, CodingKey {
        case issuer
        case clientID = "client_id"
    }
}

/// A SAML connection's settings, imported from the identity provider's metadata.
public struct SAMLConnectionSettings: Sendable, Equatable, Codable {
    /// The identity provider's entity id (the assertions' issuer).
    public var identityProviderEntityID: String
    /// Where the browser is sent with the AuthnRequest (HTTP-Redirect binding).
    public var singleSignOnURL: String
    /// The identity provider's signing certificates (DER, base64); signatures are checked
    /// against these only.
    public var certificates: [String]
    /// Whether responses the identity provider sends unasked are accepted (off by default).
    public var allowIdentityProviderInitiated: Bool

    /// Creates a value.
    public init(
        identityProviderEntityID: String, singleSignOnURL: String, certificates: [String], allowIdentityProviderInitiated: Bool
    ) {
        self.identityProviderEntityID = identityProviderEntityID
        self.singleSignOnURL = singleSignOnURL
        self.certificates = certificates
        self.allowIdentityProviderInitiated = allowIdentityProviderInitiated
    }

    enum CodingKeys: String, CodingKey {
        case identityProviderEntityID = "idp_entity_id"
        case singleSignOnURL = "sso_url"
        case certificates
        case allowIdentityProviderInitiated = "allow_idp_initiated"
    }
}

/// A tenant's single sign-on connection: an identity provider its members sign in with.
public struct SSOConnection: Sendable, Equatable {
    public var tenantID: TenantID
    public var id: SSOConnectionID
    /// A name for people ("Okta", "Entra ID").
    public var name: String
    public var kind: SSOProtocol
    /// Whether sign-ins through it are accepted.
    public var enabled: Bool
    /// The email domains it serves, lower case; an account is created or linked only for an
    /// address at one of them.
    public var domains: [String]
    /// The role of people who join the tenant through it.
    public var defaultRole: TenantRole
    /// Where the browser returns, with a one-time `code`, after signing in.
    public var returnURL: String
    /// The OpenID Connect settings (for `oidc`).
    public var oidc: OIDCConnectionSettings?
    /// The SAML settings (for `saml`).
    public var saml: SAMLConnectionSettings?
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates a value.
    public init(
        tenantID: TenantID, id: SSOConnectionID, name: String, kind: SSOProtocol, enabled: Bool, domains: [String],
        defaultRole: TenantRole, returnURL: String, oidc: OIDCConnectionSettings?, saml: SAMLConnectionSettings?,
        createdAt: Date, updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.name = name
        self.kind = kind
        self.enabled = enabled
        self.domains = domains
        self.defaultRole = defaultRole
        self.returnURL = returnURL
        self.oidc = oidc
        self.saml = saml
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether the address is at one of the connection's domains.
    public func serves(_ email: EmailAddress) -> Bool {
        domains.contains(email.domain)
    }
}

/// One tenant's single sign-on connections.
public protocol SSOConnectionRepository: Sendable {
    /// The tenant whose connections these are.
    var tenantID: TenantID { get }
    /// Stores a new connection with its sealed client secret (OpenID Connect), if any.
    func create(_ connection: SSOConnection, sealedClientSecret: String?) async throws
    /// The connection with this id, if any.
    func find(id: SSOConnectionID) async throws -> SSOConnection?
    /// Connections in order of id, one page at a time.
    func list(_ page: PageRequest) async throws -> Page<SSOConnection>
    /// Saves everything but the secret; with `sealedClientSecret` also replaces the secret.
    func update(_ connection: SSOConnection, sealedClientSecret: String?) async throws
    /// Deletes a connection; returns whether there was one.
    @discardableResult
    func delete(id: SSOConnectionID) async throws -> Bool
    /// The connection's sealed client secret, if it has one.
    func sealedClientSecret(of id: SSOConnectionID) async throws -> String?
}

/// A sign-in through a connection between the redirect to the provider and its answer, found by
/// the hash of its `state` (OpenID Connect) or `RelayState` (SAML).
public struct SSOFlow: Sendable, Equatable {
    /// The tenant of the connection.
    public var tenantID: TenantID
    /// The connection.
    public var connectionID: SSOConnectionID
    /// The OpenID Connect nonce the ID token must carry.
    public var nonce: String?
    /// The PKCE verifier, sealed with the master key.
    public var sealedCodeVerifier: String?
    /// The SAML AuthnRequest id the response must answer.
    public var samlRequestID: String?
    /// An opaque value of the application's own, handed back with the code.
    public var clientState: String?
    /// When the tenant console started the flow: the console page the browser lands on with
    /// the code, instead of the connection's return URL.
    public var consoleReturn: String?
    /// When the flow stops being accepted.
    public var expiresAt: Date

    /// Creates a value.
    public init(
        tenantID: TenantID, connectionID: SSOConnectionID, nonce: String?, sealedCodeVerifier: String?, samlRequestID: String?,
        clientState: String?, consoleReturn: String? = nil, expiresAt: Date
    ) {
        self.tenantID = tenantID
        self.connectionID = connectionID
        self.nonce = nonce
        self.sealedCodeVerifier = sealedCodeVerifier
        self.samlRequestID = samlRequestID
        self.clientState = clientState
        self.consoleReturn = consoleReturn
        self.expiresAt = expiresAt
    }
}

/// Sign-in flows in progress, the one-time codes that end them, and the SAML assertions
/// already used (global tables).
public protocol SSOFlowRepository: Sendable {
    /// Stores a flow under the hash of its state.
    func addFlow(stateHash: String, flow: SSOFlow, at: Date) async throws
    /// Takes a flow (once): `nil` when unknown, expired or already taken.
    func takeFlow(stateHash: String, now: Date) async throws -> SSOFlow?
    /// Stores a one-time code for the tokens of `userID` in `tenantID`.
    func addGrant(codeHash: String, userID: UserID, tenantID: TenantID, expiresAt: Date, at: Date) async throws
    /// Takes a one-time code (once): `nil` when unknown, expired or already taken.
    func takeGrant(codeHash: String, now: Date) async throws -> (userID: UserID, tenantID: TenantID)?
    /// Remembers an assertion id of a connection until `until`; `false` when it was seen before
    /// (a replay).
    func rememberAssertion(connectionID: SSOConnectionID, assertionID: String, until: Date, now: Date) async throws -> Bool
}
