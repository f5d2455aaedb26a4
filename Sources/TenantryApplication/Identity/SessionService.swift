public import Foundation
public import TenantryCore

/// A signed-in user's sessions: sign out (here or everywhere), list, revoke one, switch tenant.
public struct SessionService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Issues the access token for a switched tenant.
    public let authority: AccessTokenAuthority
    /// Memberships and the security events.
    public let events: UserEvents

    /// Creates the use case from its dependencies.
    public init(database: any DataStore, authority: AccessTokenAuthority) {
        self.database = database
        self.authority = authority
        self.events = UserEvents(database: database)
    }

    /// Ends the caller's session.
    public func signOut(_ caller: AuthenticatedCaller, origin: AuditEvent.Origin) async throws {
        _ = try await database.withGlobal { scope in
            try await scope.sessions.revoke(id: caller.sessionID, reason: "logout", at: Date())
        }
        try await events.record(
            .authLoggedOut, about: caller.userID, origin: origin, in: caller.tenantID, sessionID: caller.sessionID)
    }

    /// Ends every session of the caller.
    public func signOutEverywhere(_ caller: AuthenticatedCaller, origin: AuditEvent.Origin) async throws {
        _ = try await database.withGlobal { scope in
            try await scope.sessions.revokeAll(userID: caller.userID, except: nil, reason: "logout_all", at: Date())
        }
        try await events.record(
            .authLoggedOutEverywhere, about: caller.userID, origin: origin, in: caller.tenantID)
    }

    /// The caller's active sessions.
    public func sessions(of caller: AuthenticatedCaller) async throws -> [Session] {
        try await database.withGlobal { scope in try await scope.sessions.active(userID: caller.userID, at: Date()) }
    }

    /// Ends one of the caller's sessions; another user's session is `not_found`.
    public func revokeSession(_ id: SessionID, caller: AuthenticatedCaller, origin: AuditEvent.Origin) async throws {
        let revoked = try await database.withGlobal { scope -> Bool in
            guard let session = try await scope.sessions.find(id: id), session.userID == caller.userID,
                session.isActive(at: Date())
            else { return false }
            return try await scope.sessions.revoke(id: id, reason: "revoked_by_user", at: Date())
        }
        guard revoked else { throw TenantryError(.notFound, "No such session.") }
        try await events.record(
            .sessionRevoked, about: caller.userID, origin: origin, in: caller.tenantID, sessionID: id)
    }

    /// Points the caller's session at another of their tenants and issues an access token for it.
    public func switchTenant(_ caller: AuthenticatedCaller, to slug: Slug, origin: AuditEvent.Origin) async throws -> (
        accessToken: String, expiresAt: Date, tenant: TenantMembership
    ) {
        guard let chosen = try await events.memberships(of: caller.userID).first(where: { $0.tenant.slug == slug }) else {
            throw TenantryError(.notFound, "You are not a member of a tenant with that slug.")
        }
        try chosen.tenant.requireUsable(role: chosen.role)
        try await database.withGlobal { scope in
            // A tenant that requires a second factor of this member is not entered without one.
            if let settings = try await scope.tenants.profile(id: chosen.tenant.id)?.settings {
                try await MultiFactorService.requireFactorIfDemanded(
                    userID: caller.userID, role: chosen.role, settings: settings, repository: scope.multiFactor)
            }
            try await scope.sessions.setActiveTenant(chosen.tenant.id, of: caller.sessionID)
        }
        let access = try await authority.issue(
            userID: caller.userID, sessionID: caller.sessionID, tenantID: chosen.tenant.id, roles: [chosen.role.rawValue]
        )
        try await events.record(
            .authTenantSwitched, about: caller.userID, origin: origin, in: chosen.tenant.id,
            sessionID: caller.sessionID)
        return (access.token, access.expiresAt, chosen)
    }
}
