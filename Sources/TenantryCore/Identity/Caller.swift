/// Who is calling, once a bearer token has been verified and its session found active.
public struct AuthenticatedCaller: Sendable, Equatable {
    /// The user.
    public var userID: UserID
    /// The session the token belongs to.
    public var sessionID: SessionID
    /// The tenant the token acts in, if any.
    public var tenantID: TenantID?
    /// The caller's roles in that tenant.
    public var roles: [String]

    /// Creates a caller.
    public init(userID: UserID, sessionID: SessionID, tenantID: TenantID?, roles: [String]) {
        self.userID = userID
        self.sessionID = sessionID
        self.tenantID = tenantID
        self.roles = roles
    }
}

/// A platform operator acting on the platform API.
public struct PlatformOperator: Sendable, Equatable {
    public var userID: UserID
    public var role: PlatformRole

    /// Creates an operator value.
    public init(userID: UserID, role: PlatformRole) {
        self.userID = userID
        self.role = role
    }

    /// The operator as an audit actor.
    public var actor: AuditEvent.Actor { AuditEvent.Actor(type: "operator", id: userID.description) }
}
