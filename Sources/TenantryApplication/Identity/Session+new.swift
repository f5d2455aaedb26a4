public import Foundation
public import TenantryCore

extension Session {
    /// A new session for `userID` starting `now`, its lifetimes the platform's `policy`
    /// shortened by the tenant's own `settings` (see ``TenantryCore/SessionPolicy/lifetimes(for:)``).
    public static func new(
        policy: SessionPolicy, userID: UserID, tenantID: TenantID?, origin: AuditEvent.Origin, now: Date,
        settings: TenantSettings? = nil
    ) -> Session {
        let lifetimes = policy.lifetimes(for: settings)
        return Session(
            id: .generate(), userID: userID, activeTenantID: tenantID, createdAt: now, lastSeenAt: now,
            expiresAt: now.addingTimeInterval(lifetimes.absolute),
            idleExpiresAt: now.addingTimeInterval(min(lifetimes.idle, lifetimes.absolute)),
            revokedAt: nil, revokedReason: nil, ip: origin.ip, userAgent: origin.userAgent
        )
    }
}
