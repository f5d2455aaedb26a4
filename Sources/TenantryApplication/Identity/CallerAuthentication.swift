public import TenantryCore

/// Tells who sends a request from its access token: the token's signature and lifetime, its
/// session's standing (``SessionValidator``), and, for a token issued in a tenant, the
/// membership it was issued for. What every signed-in route runs first, tenant route or not.
public struct CallerAuthentication: Sendable {
    /// Verifies access tokens.
    public let authority: AccessTokenAuthority
    /// Checks the token's session.
    public let sessions: SessionValidator
    /// Members' standing in their tenants.
    public let access: AccessDirectory

    /// Creates the check.
    public init(authority: AccessTokenAuthority, sessions: SessionValidator, access: AccessDirectory) {
        self.authority = authority
        self.sessions = sessions
        self.access = access
    }

    /// Verifies an access token, checks that its session is still active and, when the token
    /// acts in a tenant, that the membership it was issued for still stands: a token whose
    /// membership ended or is suspended is refused on every route (401), not only on the
    /// tenant's; the person signs in again, to another of their tenants.
    public func authenticate(accessToken: String) async throws -> AuthenticatedCaller {
        try await authenticateMember(accessToken: accessToken).caller
    }

    /// ``authenticate(accessToken:)`` with the member's grant in the token's tenant (`nil` for
    /// a token that acts in no tenant), for routes that go on to act in that tenant.
    public func authenticateMember(accessToken: String) async throws -> (
        caller: AuthenticatedCaller, grant: AccessDirectory.MemberGrant?
    ) {
        let identity = try await authority.verify(accessToken)
        try await sessions.validate(sessionID: identity.sessionID, userID: identity.userID)
        let caller = AuthenticatedCaller(
            userID: identity.userID,
            sessionID: identity.sessionID,
            tenantID: identity.tenantID,
            roles: identity.roles
        )
        guard let tenantID = identity.tenantID else { return (caller, nil) }
        guard let grant = try await access.member(identity.userID, in: tenantID) else {
            throw TenantryError(
                .invalidToken, "You are no longer a member of this token's tenant; sign in again.",
                cause: InvalidTokenReason(reason: "membership ended"))
        }
        guard grant.membership.status == .active else {
            throw TenantryError(
                .memberSuspended, "Your membership in this token's tenant is suspended; sign in to another tenant.")
        }
        return (caller, grant)
    }
}
