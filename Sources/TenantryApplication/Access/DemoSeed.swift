import Foundation
public import TenantryCore

/// `tenantry seed demo`: a demo tenant with an owner, an admin, a member and a viewer (each
/// with a random password), a team, and a read-only API key, in one transaction.
public enum DemoSeed {
    /// A seeded person and how they sign in.
    public struct Account: Sendable {
        public let role: TenantRole
        public let email: EmailAddress
        public let password: String
    }

    /// What the seed made.
    public struct Result: Sendable {
        public let tenant: Tenant
        public let accounts: [Account]
        public let team: Team
        /// The API key's secret (shown once) and its scopes.
        public let apiKey: String
        public let apiKeyScopes: Set<Permission>
    }

    /// Seeds the demo tenant under `slug`; `conflict` when that slug or the demo addresses are taken.
    public static func run(database: any DataStore, hashing: PasswordHashingPool, slug: String = "demo") async throws -> Result {
        let slug = try Slug(slug, field: "slug")
        let now = Date()
        let tenant = Tenant(id: .generate(), slug: slug, name: "Demo Company", status: .active, createdAt: now, updatedAt: now)
        var accounts: [(Account, User, String)] = []
        for role in TenantRole.allCases.reversed() {
            let email = try EmailAddress("\(role.rawValue)@\(slug.rawValue).example.com")
            let password = "demo-" + SecretToken.generate(bytes: 9)
            let user = User(
                id: .generate(), email: email, name: "Demo \(role.rawValue.capitalized)", createdAt: now, updatedAt: now,
                emailVerifiedAt: now)
            accounts.append(
                (Account(role: role, email: email, password: password), user, try await hashing.hash(password)))
        }
        guard let owner = accounts.first?.1 else { throw TenantryError(.internalError, "The demo has no owner.") }
        let team = Team(
            tenantID: tenant.id, id: .generate(), name: "Support", description: "Demo team", createdAt: now, updatedAt: now)
        let secret = APIKeySecret.generate()
        let scopes: Set<Permission> = [.membersRead, .teamsRead, .rolesRead]
        try await database.withTenant(tenant.id) { scope in
            try await scope.tenants.create(tenant, plan: nil)
            for (account, user, hash) in accounts {
                try await scope.users.create(user, passwordHash: hash)
                try await scope.memberships.create(
                    userID: user.id, role: account.role, customRoleID: nil, status: .active, at: now)
            }
            try await scope.teams.create(team)
            for (account, user, _) in accounts where [.admin, .member].contains(account.role) {
                try await scope.teams.addMember(user.id, to: team.id, at: now)
            }
            try await scope.apiKeys.create(
                APIKey(
                    tenantID: tenant.id, id: .generate(), name: "Demo read-only key", prefix: secret.prefix,
                    lastFour: secret.lastFour, scopes: scopes, resource: nil, createdBy: owner.id, createdAt: now,
                    updatedAt: now, expiresAt: nil, revokedAt: nil, lastUsedAt: nil),
                secretHash: secret.hash)
            try await scope.record(
                AuditRecorder.event(
                    in: tenant.id, action: .tenantSeeded, actor: .system,
                    target: .init(type: "tenant", id: tenant.id.description),
                    origin: .none, changes: ["slug": .init(before: nil, after: slug.rawValue)])
            )
        }
        return Result(
            tenant: tenant, accounts: accounts.map(\.0), team: team, apiKey: secret.value, apiKeyScopes: scopes)
    }
}
