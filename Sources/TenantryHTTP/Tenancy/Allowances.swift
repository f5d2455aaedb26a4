import TenantryCore
import TenantryStorage

extension IdentityRuntime {
    /// Makes sure the tenant may create one more item counted by `limit`, or throws 403
    /// `limit_exceeded` naming the limit, the current count and the allowance. It first takes
    /// the tenant's lock, so the count and the caller's insert, in the same transaction, cannot
    /// race another creation past the limit. With `countingInvitations`, pending invitations
    /// count as members too (they reserve seats).
    func requireRoom(for limit: Limit, in scope: TenantScope, countingInvitations: Bool = false) async throws {
        try await scope.lockTenant()
        let allowed = try await entitlements.entitlements(for: scope.tenantID)
        guard allowed.allowance(limit) != nil, let current = try await scope.count(limit) else { return }
        let reserved = countingInvitations ? try await scope.pendingInvitations() : 0
        try allowed.requireRoom(for: limit, current: current + reserved)
    }
}

extension TenantScope {
    /// Refuses an address outside the tenant's allowed email domains (422 on `field`, code
    /// `domain_not_allowed`); any address passes when the tenant lists none.
    func requireAllowedDomain(_ email: EmailAddress, field: String = "email") async throws {
        guard let settings = try await tenants.profile(id: tenantID)?.settings, !settings.allows(email) else { return }
        throw Validator.fail(
            field, "domain_not_allowed",
            "This tenant accepts addresses at \(settings.allowedEmailDomains.joined(separator: ", ")) only.")
    }
}
