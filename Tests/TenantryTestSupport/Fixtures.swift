import Foundation
public import TenantryCore
public import TenantryStorage

/// Builds domain values with sensible defaults for tests.
public enum Fixtures {
    /// A unique tenant (its slug derives from a fresh id).
    public static func tenant(name: String = "Acme") throws -> Tenant {
        let id = TenantID.generate()
        let suffix = id.description.replacingOccurrences(of: "-", with: "").suffix(12)
        let now = Date()
        return Tenant(id: id, slug: try Slug("t-\(suffix)"), name: name, status: .active, createdAt: now, updatedAt: now)
    }

    /// A unique user.
    public static func user(name: String = "Ada") throws -> User {
        let id = UserID.generate()
        let now = Date()
        return User(id: id, email: try EmailAddress("user-\(id)@example.com"), name: name, createdAt: now, updatedAt: now)
    }

    /// An audit event in `tenantID`.
    public static func auditEvent(in tenantID: TenantID, action: String = "test.happened", actor: UserID? = nil) -> AuditEvent {
        AuditEvent(
            tenantID: tenantID,
            id: AuditEventID.generate(),
            occurredAt: Date(),
            actor: actor.map(AuditEvent.Actor.user) ?? .system,
            action: action,
            target: AuditEvent.Target(type: "tenant", id: tenantID.description),
            origin: AuditEvent.Origin(ip: "127.0.0.1", userAgent: "tests", requestID: "req-1"),
            changes: ["name": AuditEvent.Change(before: "old", after: "new")]
        )
    }

    /// A tenant with one owner, one member and one audit event: at least one row in every
    /// tenant-scoped table. Extend this when a new tenant-scoped table arrives (the isolation
    /// test fails for a table that has no seeded rows).
    @discardableResult
    public static func seedTenant(_ database: any DatabaseClient, name: String = "Acme") async throws -> Tenant {
        let tenant = try tenant(name: name)
        let owner = try user(name: "Owner of \(name)")
        let member = try user(name: "Member of \(name)")
        try await database.withTenant(tenant.id) { scope in
            try await scope.tenants.create(tenant)
            try await scope.users.create(owner)
            try await scope.users.create(member)
            _ = try await scope.memberships.create(userID: owner.id, role: .owner, at: Date())
            _ = try await scope.memberships.create(userID: member.id, role: .member, at: Date())
            try await scope.auditEvents.append(auditEvent(in: tenant.id, action: "tenant.created", actor: owner.id))
        }
        return tenant
    }
}
