public import Foundation

/// The id of a domain a tenant claims.
public typealias TenantDomainID = Identifier<TenantDomain>

/// The id of a request to join a tenant through its domain.
public typealias JoinRequestID = Identifier<JoinRequest>

/// What happens when someone signs up with an address at a tenant's verified domain.
public enum DomainJoinPolicy: String, Sendable, Codable, CaseIterable {
    /// Nothing: they sign up as anyone else does.
    case off
    /// They join the tenant at once with the domain's default role.
    case join
    /// They ask to join; an admin approves or rejects the request.
    case approval
}

/// An email domain a tenant claims. Proven by a DNS TXT record, it may let people with an
/// address there join the tenant (``DomainJoinPolicy``) and require single sign-on of them. A
/// domain is verified by one tenant at a time.
public struct TenantDomain: Sendable, Equatable {
    /// The tenant that claims it.
    public var tenantID: TenantID
    public var id: TenantDomainID
    /// The domain, lower case, without a trailing dot (`example.com`).
    public var domain: String
    /// The random value the TXT record must carry (published in DNS, so not a secret).
    public var verificationToken: String
    /// When the TXT record was found; `nil` while the domain is unproven.
    public var verifiedAt: Date?
    /// When the TXT record was last looked up.
    public var lastCheckedAt: Date?
    /// Who may join through the domain.
    public var joinPolicy: DomainJoinPolicy
    /// The role of people who join through the domain.
    public var defaultRole: TenantRole
    /// Whether people with an address here must sign in through single sign-on (owners of the
    /// tenant keep a password sign-in, audited, for emergencies).
    public var ssoRequired: Bool
    public var createdAt: Date
    public var updatedAt: Date

    /// Creates a value.
    public init(
        tenantID: TenantID, id: TenantDomainID, domain: String, verificationToken: String, verifiedAt: Date?,
        lastCheckedAt: Date?, joinPolicy: DomainJoinPolicy, defaultRole: TenantRole, ssoRequired: Bool, createdAt: Date,
        updatedAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.domain = domain
        self.verificationToken = verificationToken
        self.verifiedAt = verifiedAt
        self.lastCheckedAt = lastCheckedAt
        self.joinPolicy = joinPolicy
        self.defaultRole = defaultRole
        self.ssoRequired = ssoRequired
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether the TXT record has been found.
    public var isVerified: Bool { verifiedAt != nil }

    /// The name whose TXT record proves the claim: `_tenantry-challenge.<domain>`.
    public var recordName: String { "_tenantry-challenge.\(domain)" }

    /// The TXT record's value: `tenantry-domain-verification=<token>`.
    public var recordValue: String { "tenantry-domain-verification=\(verificationToken)" }
}

/// A person's request to join a tenant through its domain (policy ``DomainJoinPolicy/approval``),
/// waiting for an admin.
public struct JoinRequest: Sendable, Equatable {
    public var tenantID: TenantID
    public var id: JoinRequestID
    /// Who asks.
    public var userID: UserID
    /// Their address when they asked.
    public var email: EmailAddress
    /// Through which domain.
    public var domainID: TenantDomainID
    /// The role they get when approved.
    public var role: TenantRole
    public var createdAt: Date

    /// Creates a value.
    public init(
        tenantID: TenantID, id: JoinRequestID, userID: UserID, email: EmailAddress, domainID: TenantDomainID,
        role: TenantRole, createdAt: Date
    ) {
        self.tenantID = tenantID
        self.id = id
        self.userID = userID
        self.email = email
        self.domainID = domainID
        self.role = role
        self.createdAt = createdAt
    }
}

/// One tenant's claimed domains and the join requests they brought.
public protocol TenantDomainRepository: Sendable {
    /// The tenant whose domains these are.
    var tenantID: TenantID { get }
    /// Stores a new claim; a `conflict` when the tenant already claims the domain.
    func create(_ domain: TenantDomain) async throws
    /// The claim with this id, if any.
    func find(id: TenantDomainID) async throws -> TenantDomain?
    /// Claims in order of id, one page at a time.
    func list(_ page: PageRequest) async throws -> Page<TenantDomain>
    /// Saves a claim's verification and policy.
    func update(_ domain: TenantDomain) async throws
    /// Deletes a claim and its join requests; returns whether there was one.
    @discardableResult
    func delete(id: TenantDomainID) async throws -> Bool
    /// Stores a join request; `false` (and nothing stored) when the person already asked.
    @discardableResult
    func addJoinRequest(_ request: JoinRequest) async throws -> Bool
    /// The join request with this id, if any.
    func findJoinRequest(id: JoinRequestID) async throws -> JoinRequest?
    /// Join requests in order of id, one page at a time.
    func listJoinRequests(_ page: PageRequest) async throws -> Page<JoinRequest>
    /// Deletes a join request; returns whether there was one.
    @discardableResult
    func deleteJoinRequest(id: JoinRequestID) async throws -> Bool
}

/// Which tenant has verified each domain (a global table: at most one per domain), so a sign-in
/// or a sign-up finds the domain's policy without reading every tenant.
public protocol VerifiedDomainRepository: Sendable {
    /// The tenant and claim that verified `domain`, if any.
    func owner(of domain: String) async throws -> (tenantID: TenantID, domainID: TenantDomainID)?
    /// Records that the tenant verified the domain; `false` when another claim holds it.
    func claim(domain: String, tenantID: TenantID, domainID: TenantDomainID, at: Date) async throws -> Bool
    /// Forgets the claim's hold on its domain, if it has one.
    func release(domainID: TenantDomainID) async throws
}
