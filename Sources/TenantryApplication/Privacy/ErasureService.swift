import Foundation
public import TenantryCore

/// Erasure of a person's account at their request (`DELETE /api/v1/me`, after a fresh
/// authentication) or through an operator (`DELETE /api/v1/platform/users/{id}`, for requests
/// that arrive by other channels). One platform transaction: the identity is anonymised, it
/// leaves every tenant, everything else about it is removed or pseudonymised, and the audit
/// events about it are redacted so every chain still verifies (decision 0025,
/// `docs/privacy.md`).
public struct ErasureService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// The one check of a fresh authentication.
    public let multiFactor: MultiFactorService

    /// Creates the use case from its dependencies.
    public init(database: any DataStore, multiFactor: MultiFactorService) {
        self.database = database
        self.multiFactor = multiFactor
    }

    /// Erases the caller's own account. Needs an authentication of the last five minutes (a
    /// sign-in, or `POST /api/v1/auth/reauthenticate` with the password or a second-factor
    /// code): `reauthentication_required` otherwise. The erasure's events carry no IP or user
    /// agent: they would be the erased person's.
    public func eraseSelf(_ caller: AuthenticatedCaller, origin: AuditEvent.Origin) async throws -> ErasureReport {
        try await multiFactor.requireFreshAuthentication(caller)
        return try await erase(
            caller.userID, actor: .user(caller.userID),
            origin: AuditEvent.Origin(ip: nil, userAgent: nil, requestID: origin.requestID))
    }

    /// Erases a user's account for an operator.
    public func erase(by actor: PlatformOperator, _ userID: UserID, origin: AuditEvent.Origin) async throws -> ErasureReport {
        guard userID != actor.userID else {
            throw TenantryError(.conflict, "Operators cannot erase their own account here; use DELETE /api/v1/me.")
        }
        return try await erase(userID, actor: actor.actor, origin: origin)
    }

    private func erase(_ userID: UserID, actor: AuditEvent.Actor, origin: AuditEvent.Origin) async throws -> ErasureReport {
        let target = AuditEvent.Target(type: "user", id: userID.description)
        return try await database.withPlatform { scope in
            guard let user = try await scope.users.find(id: userID), user.status != .erased else {
                throw TenantryError(.notFound, "No such user.")
            }
            let owned = try await scope.personalData.soleOwnerships(of: userID)
            guard owned.isEmpty else {
                throw TenantryError(
                    .lastOwner,
                    "The account is the last owner of \(owned.count) tenant(s) (\(owned.map(\.description).joined(separator: ", "))): transfer ownership (POST /api/v1/tenant/transfer-ownership) or delete those tenants first."
                )
            }
            let subject = ErasureSubject(userID: userID, email: user.email, name: user.name)
            let report = try await scope.personalData.erase(subject, at: Date()) { tenant in
                AuditRecorder.event(in: tenant, action: .userErased, actor: actor, target: target, origin: origin)
            }
            try await scope.global.platformAuditEvents.append(
                AuditRecorder.platformEvent(
                    actor: actor, action: EventType.userErased.rawValue, target: target, origin: origin,
                    changes: [
                        "tenants_left": .init(before: nil, after: String(report.tenants.count)),
                        "audit_events_redacted": .init(before: nil, after: String(report.redactedAuditEvents)),
                    ])
            )
            return report
        }
    }
}
