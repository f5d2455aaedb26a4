import Foundation
public import TenantryCore

extension TenantTransaction {
    /// Makes sure the tenant may create one more item counted by `limit`, or throws 403
    /// `limit_exceeded` naming the limit, the current count and the allowance. It first takes
    /// the tenant's lock, so the count and the caller's insert, in the same transaction, cannot
    /// race another creation past the limit. With `countingInvitations`, pending invitations
    /// count as members too (they reserve seats).
    ///
    /// The allowance is read from the database in the same transaction, under the lock, so a
    /// plan change committed on another node a moment ago already counts.
    public func requireRoom(for limit: Limit, countingInvitations: Bool = false) async throws {
        try await lockTenant()
        guard let allowed = try await EntitlementDirectory.load(tenantID, from: global)?.entitlements else {
            throw TenantryError(.notFound, "No such tenant.")
        }
        guard allowed.allowance(limit) != nil, let current = try await count(limit, at: Date()) else { return }
        let reserved = countingInvitations ? try await pendingInvitations(at: Date()) : 0
        try allowed.requireRoom(for: limit, current: current + reserved)
    }

    /// Whether the tenant may create one more item counted by `limit` (``requireRoom(for:countingInvitations:)``
    /// without the refusal).
    public func hasRoom(for limit: Limit) async throws -> Bool {
        do {
            try await requireRoom(for: limit)
            return true
        } catch let error as TenantryError where error.code == .limitExceeded {
            return false
        }
    }

    /// Refuses an address outside the tenant's allowed email domains (422 on `field`, code
    /// `domain_not_allowed`); any address passes when the tenant lists none.
    public func requireAllowedDomain(_ email: EmailAddress, field: String = "email") async throws {
        guard let settings = try await tenants.profile(id: tenantID)?.settings, !settings.allows(email) else { return }
        throw Validator.fail(
            field, "domain_not_allowed",
            "This tenant accepts addresses at \(settings.allowedEmailDomains.joined(separator: ", ")) only.")
    }
}
