import Foundation
public import TenantryCore

/// Refresh: exchanges a refresh token for a new token pair, rotating it, with reuse detection.
public struct RefreshService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Issues the access token.
    public let authority: AccessTokenAuthority
    /// Users with their memberships (the session's tenant and role).
    public let directory: UserDirectoryCache
    /// Members' standing (a suspended membership gets no new token).
    public let access: AccessDirectory
    /// The reuse event.
    public let events: UserEvents

    /// Creates the use case from its dependencies.
    public init(
        database: any DataStore, authority: AccessTokenAuthority, directory: UserDirectoryCache, access: AccessDirectory
    ) {
        self.database = database
        self.authority = authority
        self.directory = directory
        self.access = access
        self.events = UserEvents(database: database)
    }

    /// Exchanges a refresh token for a new pair (see ``RefreshTokenRotation``).
    public func refresh(token: String, origin: AuditEvent.Origin) async throws -> (
        tokens: IssuedTokens, tenant: TenantMembership?
    ) {
        let hash = SecretToken.digest(token)
        for _ in 0..<3 {
            let now = Date()
            let successor = SecretToken.generate()
            let successorHash = SecretToken.digest(successor)
            let outcome: RefreshOutcome
            do {
                outcome = try await database.withGlobal { scope -> RefreshOutcome in
                    guard let presented = try await scope.sessions.presentedRefreshToken(hash: hash) else { return .invalid }
                    let (record, session) = (presented.record, presented.session)
                    switch RefreshTokenRotation.decide(
                        record: record, session: session, successorIsLive: presented.successorIsLive, now: now,
                        policy: authority.settings.policy)
                    {
                    case .sessionEnded:
                        return .invalid
                    case .reuseDetected:
                        try await scope.sessions.revoke(id: session.id, reason: "refresh_token_reused", at: now)
                        return .reused(session)
                    case .rotate:
                        // The compare-and-set first: a concurrent loser stops before writing anything.
                        guard try await scope.sessions.markRotated(hash: hash, successor: successorHash, at: now) else {
                            throw RefreshRace()
                        }
                        try await scope.sessions.addRefreshToken(hash: successorHash, sessionID: session.id, at: now)
                    case .replayWithinGrace:
                        try await scope.sessions.addRefreshToken(hash: successorHash, sessionID: session.id, at: now)
                        guard let previous = record.replacedBy,
                            try await scope.sessions.spendGrace(
                                hash: hash, previousSuccessor: previous, newSuccessor: successorHash, at: now)
                        else { throw RefreshRace() }
                    }
                    // A tenant's own idle timeout (one read of its row) shortens the platform's.
                    let settings = try await session.activeTenantID.asyncFlatMap { id in
                        try await scope.tenants.profile(id: id)?.settings
                    }
                    let idle = authority.settings.policy.lifetimes(for: settings).idle
                    try await scope.sessions.touch(
                        id: session.id, at: now, idleExpiresAt: min(now.addingTimeInterval(idle), session.expiresAt)
                    )
                    return .issued(session)
                }
            } catch is RefreshRace {
                outcome = .retry
            }

            switch outcome {
            case .retry:
                continue
            case .invalid:
                throw TenantryError(.invalidRefreshToken, "The refresh token is invalid, expired or revoked.")
            case .reused(let session):
                try await events.record(
                    .authRefreshTokenReused, about: session.userID, origin: origin, in: session.activeTenantID,
                    sessionID: session.id)
                throw TenantryError(.invalidRefreshToken, "The refresh token was already used; the session has been ended.")
            case .issued(let session):
                var membership: TenantMembership?
                var roles: [String] = []
                if let tenantID = session.activeTenantID {
                    membership = try await directory.entry(for: session.userID)?.membership(in: tenantID)
                    guard let membership else {
                        throw TenantryError(.invalidRefreshToken, "You are no longer a member of this session's tenant.")
                    }
                    try membership.tenant.requireUsable(role: membership.role)
                    guard try await access.member(session.userID, in: tenantID)?.membership.status == .active else {
                        throw TenantryError(
                            .invalidRefreshToken, "Your membership in this session's tenant is suspended; sign in again.")
                    }
                    roles = [membership.role.rawValue]
                }
                let access = try await authority.issue(
                    userID: session.userID, sessionID: session.id, tenantID: session.activeTenantID, roles: roles, now: now
                )
                return (
                    IssuedTokens(
                        accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken: successor,
                        sessionID: session.id), membership
                )
            }
        }
        throw TenantryError(.conflict, "The refresh token is being used concurrently; retry.")
    }

    enum RefreshOutcome: Sendable {
        case issued(Session)
        case reused(Session)
        case invalid
        case retry
    }

    struct RefreshRace: Error {}
}
