public import Foundation
public import TenantryCore

/// Tokens handed to a client after sign-up, sign-in, refresh or an accepted invitation.
public struct IssuedTokens: Sendable {
    /// The signed access token.
    public var accessToken: String
    /// When the access token expires.
    public var accessTokenExpiresAt: Date
    /// The new refresh token (`nil` when only an access token was issued).
    public var refreshToken: String?
    /// The session the tokens belong to.
    public var sessionID: SessionID

    /// Creates a value.
    public init(accessToken: String, accessTokenExpiresAt: Date, refreshToken: String?, sessionID: SessionID) {
        self.accessToken = accessToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshToken = refreshToken
        self.sessionID = sessionID
    }
}

/// A tenant with the caller's role in it.
public struct TenantMembership: Sendable {
    /// The tenant.
    public var tenant: Tenant
    /// The user's role in it.
    public var role: TenantRole

    /// Creates a value.
    public init(tenant: Tenant, role: TenantRole) {
        self.tenant = tenant
        self.role = role
    }
}

extension Tenant {
    /// Refuses a tenant that cannot be acted in (see ``TenantryCore/Tenant/Status/requireUsable(pendingDeletionAllowed:)``);
    /// a tenant pending deletion admits its owners only, who may sign in to restore it.
    public func requireUsable(role: TenantRole? = nil) throws {
        try status.requireUsable(pendingDeletionAllowed: role == .owner)
    }
}

extension Tenant.Status {
    /// Refuses a tenant that cannot be acted in: suspended (`tenant_suspended`), pending
    /// deletion unless `pendingDeletionAllowed` (`tenant_pending_deletion`), gone (`not_found`).
    public func requireUsable(pendingDeletionAllowed: Bool) throws {
        switch self {
        case .active: return
        case .suspended: throw TenantryError(.tenantSuspended, "This tenant is suspended.")
        case .pendingDeletion where pendingDeletionAllowed: return
        case .pendingDeletion:
            throw TenantryError(
                .tenantPendingDeletion, "This tenant is pending deletion; only its owners can sign in to restore it.")
        case .deleted: throw TenantryError(.notFound, "No such tenant.")
        }
    }
}

extension SessionPolicy {
    /// The platform's session lifetime and idle timeout, shortened by a tenant's own settings
    /// (which `PATCH /api/v1/tenant` keeps within the platform's bounds).
    public func lifetimes(for settings: TenantSettings?) -> (absolute: TimeInterval, idle: TimeInterval) {
        (
            min(absoluteLifetime, settings?.sessionLifetimeSeconds.map(TimeInterval.init) ?? .infinity),
            min(idleTimeout, settings?.sessionIdleTimeoutSeconds.map(TimeInterval.init) ?? .infinity)
        )
    }
}

/// The tenants a user belongs to, and the security events about a user recorded in them: what
/// every identity use case shares.
public struct UserEvents: Sendable {
    /// The data store.
    public let database: any DataStore

    /// Creates the helper over `database`.
    public init(database: any DataStore) {
        self.database = database
    }

    /// The tenants a user belongs to (the one cross-tenant read identity needs; see
    /// ``UserTenantDirectory``).
    public func memberships(of userID: UserID) async throws -> [TenantMembership] {
        try await database.readGlobal { scope in
            try await scope.userTenants.memberships(of: userID).map { TenantMembership(tenant: $0.tenant, role: $0.role) }
        }
    }

    /// Records a security event about a user: in `preferred` tenant when given, otherwise in
    /// every tenant the user belongs to (each tenant's admins see their members' events).
    public func record(
        _ action: EventType,
        about userID: UserID,
        origin: AuditEvent.Origin,
        in preferred: TenantID?,
        sessionID: SessionID? = nil,
        changes: [String: AuditEvent.Change] = [:],
        actor: AuditEvent.Actor? = nil
    ) async throws {
        let target =
            sessionID.map { AuditEvent.Target(type: "session", id: $0.description) }
            ?? AuditEvent.Target(type: "user", id: userID.description)
        let tenants: [TenantID]
        if let preferred {
            tenants = [preferred]
        } else {
            tenants = try await memberships(of: userID).map(\.tenant.id)
        }
        for tenantID in tenants {
            try await database.withTenant(tenantID) { scope in
                try await scope.record(
                    AuditRecorder.event(
                        in: tenantID, action: action, actor: actor ?? .user(userID), target: target, origin: origin,
                        changes: changes)
                )
            }
        }
    }
}

extension Optional {
    /// `flatMap` with an asynchronous transform.
    public func asyncFlatMap<Other>(_ transform: (Wrapped) async throws -> Other?) async rethrows -> Other? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
