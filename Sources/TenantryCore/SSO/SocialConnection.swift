public import Foundation

/// The id of a platform-level social sign-in connection.
public typealias SocialConnectionID = Identifier<SocialConnection>

/// The consumer identity providers a platform operator can offer for sign-in and sign-up.
public enum SocialProvider: String, Sendable, Codable, CaseIterable {
    /// Google accounts (Gmail and Workspace).
    case google
    /// Microsoft Entra ID work and school accounts (the multi-tenant `organizations` issuer).
    case microsoft

    /// The issuer a connection uses unless an operator overrides it. Microsoft's is the
    /// multi-tenant form, whose discovery document names the `{tenantid}` issuer: any Entra
    /// directory's users can sign in, and each token's issuer is checked against its own `tid`.
    public var defaultIssuer: String {
        switch self {
        case .google: "https://accounts.google.com"
        case .microsoft: "https://login.microsoftonline.com/organizations/v2.0"
        }
    }

    /// The provider's name for people.
    public var displayName: String {
        switch self {
        case .google: "Google"
        case .microsoft: "Microsoft"
        }
    }
}

/// A platform-level OpenID Connect connection to a social provider: one per provider, for every
/// tenant and for sign-up. The client secret is stored apart, sealed.
public struct SocialConnection: Sendable, Equatable {
    /// The connection's id.
    public var id: SocialConnectionID
    /// Which provider; also the name in `/api/v1/auth/social/{provider}/start`.
    public var provider: SocialProvider
    /// The issuer whose discovery document is read: the provider's default or an override.
    public var issuer: String
    /// The client id registered at the provider.
    public var clientID: String
    /// Whether people can sign in through it.
    public var enabled: Bool
    /// When not empty, only addresses at these domains are accepted.
    public var allowedDomains: [String]
    /// The application URLs the browser may be sent back to (`return_to` must be one of them).
    public var returnURLs: [String]
    /// When it was created.
    public var createdAt: Date
    /// When it last changed.
    public var updatedAt: Date

    /// Creates a value.
    public init(
        id: SocialConnectionID, provider: SocialProvider, issuer: String, clientID: String, enabled: Bool,
        allowedDomains: [String], returnURLs: [String], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.provider = provider
        self.issuer = issuer
        self.clientID = clientID
        self.enabled = enabled
        self.allowedDomains = allowedDomains
        self.returnURLs = returnURLs
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether the address may sign in through this connection (any, without allowed domains).
    public func accepts(_ email: EmailAddress) -> Bool {
        guard !allowedDomains.isEmpty else { return true }
        return allowedDomains.contains(email.domain)
    }
}

/// The platform's social sign-in connections (a global table).
public protocol SocialConnectionRepository: Sendable {
    /// Stores a new connection with its sealed client secret, if any; a second connection of
    /// the same provider is a `conflict`.
    func create(_ connection: SocialConnection, sealedClientSecret: String?) async throws
    /// The connection with this id, if any.
    func find(id: SocialConnectionID) async throws -> SocialConnection?
    /// The connection of this provider, if any.
    func find(provider: SocialProvider) async throws -> SocialConnection?
    /// Connections in order of id, one page at a time.
    func list(_ page: PageRequest) async throws -> Page<SocialConnection>
    /// Saves everything but the secret; with `sealedClientSecret` also replaces the secret.
    func update(_ connection: SocialConnection, sealedClientSecret: String?) async throws
    /// Deletes a connection; returns whether there was one.
    @discardableResult
    func delete(id: SocialConnectionID) async throws -> Bool
    /// The connection's sealed client secret, if it has one.
    func sealedClientSecret(of id: SocialConnectionID) async throws -> String?
}

/// What the person asked for when they set out.
public enum SocialIntent: String, Sendable, Codable, CaseIterable {
    /// Sign in to an existing account; an unknown address is refused.
    case signIn = "sign_in"
    /// Create an account and a tenant; an address that already has an account is refused.
    case signUp = "sign_up"
}

/// A social sign-in between the redirect to the provider and its answer, found by the hash of
/// its `state`.
public struct SocialFlow: Sendable, Equatable {
    /// The connection.
    public var connectionID: SocialConnectionID
    /// Sign-in or sign-up.
    public var intent: SocialIntent
    /// The nonce the ID token must carry.
    public var nonce: String
    /// The PKCE verifier, sealed with the master key.
    public var sealedCodeVerifier: String
    /// Where the browser goes back to (one of the connection's return URLs).
    public var returnURL: String
    /// An opaque value of the application's own, handed back with the code.
    public var clientState: String?
    /// When the flow stops being accepted.
    public var expiresAt: Date

    /// Creates a value.
    public init(
        connectionID: SocialConnectionID, intent: SocialIntent, nonce: String, sealedCodeVerifier: String, returnURL: String,
        clientState: String?, expiresAt: Date
    ) {
        self.connectionID = connectionID
        self.intent = intent
        self.nonce = nonce
        self.sealedCodeVerifier = sealedCodeVerifier
        self.returnURL = returnURL
        self.clientState = clientState
        self.expiresAt = expiresAt
    }
}

/// What a one-time code of a social sign-in hands over: an existing account (sign-in), or a
/// verified address to make an account and a tenant for (sign-up).
public struct SocialGrant: Sendable, Equatable {
    /// The connection the person came through.
    public var connectionID: SocialConnectionID
    /// Sign-in or sign-up.
    public var intent: SocialIntent
    /// The account signing in (sign-in only).
    public var userID: UserID?
    /// The address the provider vouched for.
    public var email: EmailAddress
    /// The name the provider gave, if any.
    public var name: String?
    /// When the code stops working.
    public var expiresAt: Date

    /// Creates a value.
    public init(
        connectionID: SocialConnectionID, intent: SocialIntent, userID: UserID?, email: EmailAddress, name: String?,
        expiresAt: Date
    ) {
        self.connectionID = connectionID
        self.intent = intent
        self.userID = userID
        self.email = email
        self.name = name
        self.expiresAt = expiresAt
    }
}

/// Social sign-in flows in progress and the one-time codes that end them (global tables).
public protocol SocialFlowRepository: Sendable {
    /// Stores a flow under the hash of its state.
    func addFlow(stateHash: String, flow: SocialFlow, at: Date) async throws
    /// Takes a flow (once): `nil` when unknown, expired or already taken.
    func takeFlow(stateHash: String, now: Date) async throws -> SocialFlow?
    /// Stores a one-time code.
    func addGrant(codeHash: String, grant: SocialGrant, at: Date) async throws
    /// Reads a usable code without taking it: `nil` when unknown, expired or already taken.
    func findGrant(codeHash: String, now: Date) async throws -> SocialGrant?
    /// Takes a code (once): `nil` when unknown, expired or already taken.
    func takeGrant(codeHash: String, now: Date) async throws -> SocialGrant?
}
