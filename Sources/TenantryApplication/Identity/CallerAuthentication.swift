public import TenantryCore

/// Tells who sends a request from its access token: the token's signature and lifetime, then
/// its session's standing (``SessionValidator``). What every signed-in route runs first.
public struct CallerAuthentication: Sendable {
    /// Verifies access tokens.
    public let authority: AccessTokenAuthority
    /// Checks the token's session.
    public let sessions: SessionValidator

    /// Creates the check.
    public init(authority: AccessTokenAuthority, sessions: SessionValidator) {
        self.authority = authority
        self.sessions = sessions
    }

    /// Verifies an access token and checks that its session is still active.
    public func authenticate(accessToken: String) async throws -> AuthenticatedCaller {
        let identity = try await authority.verify(accessToken)
        try await sessions.validate(sessionID: identity.sessionID, userID: identity.userID)
        return AuthenticatedCaller(
            userID: identity.userID,
            sessionID: identity.sessionID,
            tenantID: identity.tenantID,
            roles: identity.roles
        )
    }
}
