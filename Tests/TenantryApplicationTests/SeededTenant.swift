import Foundation
import TenantryApplication
import TenantryCore
import Testing

/// One active tenant on the free plan (no limits) with an owner, an admin and a member, in a
/// fresh ``MemoryDataStore``; what every use case test starts from.
struct SeededTenant {
    let store: MemoryDataStore
    let tenant: Tenant
    let owner: User
    let admin: User
    let member: User

    static let origin = AuditEvent.Origin(ip: "192.0.2.1", userAgent: "unit tests", requestID: nil)

    init(status: Tenant.Status = .active) throws {
        let now = Date()
        let tenant = Tenant(
            id: .generate(), slug: try Slug("acme"), name: "Acme", status: status, createdAt: now, updatedAt: now)
        let owner = try Self.user("owner@acme.example", "Olivia Owner", at: now)
        let admin = try Self.user("admin@acme.example", "Adam Admin", at: now)
        let member = try Self.user("member@acme.example", "Mia Member", at: now)
        var state = MemoryState()
        state.plans[Plan.defaultID] = Plan(
            id: Plan.defaultID, name: "Free", description: nil, limits: [:], features: [], modules: [], createdAt: now,
            updatedAt: now)
        state.tenants[tenant.id] = TenantProfile(
            tenant: tenant, planID: Plan.defaultID, overrides: .none, branding: Branding(), settings: TenantSettings(),
            statusReason: nil, purgeAfter: nil)
        for (user, role) in [(owner, TenantRole.owner), (admin, .admin), (member, .member)] {
            state.users[user.id] = user
            state.memberships[tenant.id, default: [:]][user.id] = Membership(
                tenantID: tenant.id, userID: user.id, role: role, createdAt: now, updatedAt: now)
        }
        self.tenant = tenant
        self.owner = owner
        self.admin = admin
        self.member = member
        store = MemoryDataStore(state)
    }

    static func user(_ email: String, _ name: String, at now: Date = Date()) throws -> User {
        User(id: .generate(), email: try EmailAddress(email), name: name, createdAt: now, updatedAt: now)
    }

    /// A signed-in person acting with a built-in role's permissions.
    func access(_ user: User, as rank: TenantRole) -> TenantAccess {
        TenantAccess(
            tenantID: tenant.id, principal: .user(user.id, session: .generate()), rank: rank, permissions: rank.permissions)
    }

    var asOwner: TenantAccess { access(owner, as: .owner) }
    var asAdmin: TenantAccess { access(admin, as: .admin) }
    var asMember: TenantAccess { access(member, as: .member) }

    func membership(of user: User) -> Membership? { store.state.memberships[tenant.id]?[user.id] }

    /// The events recorded in the outbox so far, oldest first.
    var events: [DomainEvent] { store.state.events }

    /// The emails queued so far.
    func emails() throws -> [EmailMessage] {
        try store.state.jobs.filter { $0.queue == EmailMessage.outboxQueue }.map { job in
            try JSONDecoder().decode(EmailMessage.self, from: Data(job.payload.utf8))
        }
    }
}

/// The token in an emailed link (`…?token=<token>`).
func linkToken(in text: String) -> String? {
    guard let start = text.range(of: "token=")?.upperBound else { return nil }
    let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    let token = text[start...].prefix { alphabet.contains($0) }
    return token.isEmpty ? nil : String(token)
}

/// Runs `body` and returns the code of the ``TenantryError`` it throws (`nil`, and an issue,
/// when it throws none or another error).
func errorCode(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async -> ErrorCode? {
    let error = await #expect(throws: TenantryError.self, sourceLocation: sourceLocation) { try await body() }
    return error?.code
}

extension Array {
    /// The one element, or `nil` when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}

extension DomainEvent {
    /// The value a change ended with.
    func after(_ field: String) -> String? { changes[field]?.after ?? nil }
    /// The value a change started from.
    func before(_ field: String) -> String? { changes[field]?.before ?? nil }
}
