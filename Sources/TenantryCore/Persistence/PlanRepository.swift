public import Foundation

/// Plans: a global table. Every change announces that entitlements changed for every tenant
/// (payload `*` on ``TenantScope/accessChangedChannel``), so each node drops its cached
/// entitlements when the change commits.
public protocol PlanRepository: Sendable {
    /// Every plan, ordered by id.
    func all() async throws -> [Plan]
    /// The plan with this id, if any.
    func find(id: String) async throws -> Plan?
    /// Stores a new plan; a taken id is a `conflict` naming `id`.
    func create(_ plan: Plan) async throws
    /// Saves a plan's name, description, limits, features and modules.
    func update(_ plan: Plan) async throws
}

/// Platform operators and their roles: a global table, read per request by the platform API.
public protocol PlatformOperatorRepository: Sendable {
    /// The user's platform role, or `nil` when they are no operator.
    func role(of userID: UserID) async throws -> PlatformRole?
    /// Gives a user a platform role (creating or changing their operator row); returns the
    /// role they had before.
    @discardableResult
    func grant(_ role: PlatformRole, to userID: UserID, at time: Date) async throws -> PlatformRole?
    /// Takes a user's platform role away; returns whether they had one.
    @discardableResult
    func revoke(_ userID: UserID) async throws -> Bool
    /// Every operator, with their account's address and name, longest-serving first.
    func list() async throws -> [PlatformOperatorEntry]
}

/// An operator as the operators' list shows them.
public struct PlatformOperatorEntry: Sendable, Equatable {
    public var userID: UserID
    public var email: String
    public var name: String
    public var role: PlatformRole
    /// When they became an operator.
    public var since: Date

    /// Creates a value.
    public init(userID: UserID, email: String, name: String, role: PlatformRole, since: Date) {
        self.userID = userID
        self.email = email
        self.name = name
        self.role = role
        self.since = since
    }
}
