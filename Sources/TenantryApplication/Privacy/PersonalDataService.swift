public import Foundation
public import TenantryCore

/// A person's own data as they may take it away (`GET /api/v1/me/export`): their profile,
/// memberships, sessions, second factor (metadata only), the API keys they created (no
/// secrets), and the audit events about them in every tenant they belong to, read in keyset
/// batches so a long history never sits in memory (`docs/privacy.md`).
public struct PersonalDataService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// The audit events read per transaction.
    public static let auditBatchSize = 1000

    /// Creates the use case.
    public init(database: any DataStore) {
        self.database = database
    }

    /// Everything but the audit events: small, read at once.
    public struct Summary: Sendable {
        /// The identity.
        public var user: User
        /// Every tenant the person belongs to, with their role.
        public var memberships: [TenantMembership]
        /// Their active sessions.
        public var sessions: [Session]
        /// Whether TOTP is on, since when, and how many recovery codes remain (never secrets).
        public var totpEnabled: Bool
        /// When TOTP was turned on.
        public var totpEnabledAt: Date?
        /// Unused recovery codes.
        public var recoveryCodesRemaining: Int
        /// The API keys they created, in every tenant they belong to (no secrets).
        public var apiKeys: [APIKey]
    }

    /// The caller's profile, memberships, sessions, second factor and API keys.
    public func summary(of caller: AuthenticatedCaller) async throws -> Summary {
        let userID = caller.userID
        let (user, sessions, factor, codes) = try await database.readGlobal { scope in
            (
                try await scope.users.find(id: userID), try await scope.sessions.active(userID: userID, at: Date()),
                try await scope.multiFactor.find(userID: userID),
                try await scope.multiFactor.remainingRecoveryCodes(userID: userID)
            )
        }
        guard let user else { throw TenantryError(.notFound, "No such user.") }
        let memberships = try await UserEvents(database: database).memberships(of: userID)
        var keys: [APIKey] = []
        for membership in memberships {
            var page = PageRequest(limit: PageRequest.maximumLimit)
            while true {
                let found = try await database.withTenant(membership.tenant.id) { [page] scope in
                    try await scope.apiKeys.list(page)
                }
                keys += found.items.filter { $0.createdBy == userID }
                guard found.nextCursor != nil, let last = found.items.last else { break }
                page = PageRequest(limit: PageRequest.maximumLimit, after: last.id.rawValue)
            }
        }
        return Summary(
            user: user, memberships: memberships, sessions: sessions, totpEnabled: factor?.isEnabled ?? false,
            totpEnabledAt: factor?.enabledAt, recoveryCodesRemaining: codes, apiKeys: keys)
    }

    /// Which of the person's audit events a batch reads: those they did, or those done to them
    /// (as a user or as a member) by someone else (an event they did to themselves is read
    /// once, as theirs).
    public enum AuditRole: Sendable, CaseIterable {
        /// The person acted.
        case actor
        /// The person's identity was the target, and someone else acted.
        case targetUser
        /// The person's membership was the target, and someone else acted.
        case targetMember
    }

    /// One batch of the audit events about `userID` in `tenantID`, oldest first, after the
    /// event id `after`; `next` is where the following batch starts (`nil`: this was the last).
    public func auditEvents(
        about userID: UserID, in tenantID: TenantID, as role: AuditRole, after: UUID?
    ) async throws -> (records: [AuditChain.Record], next: UUID?) {
        var page = PageRequest(after: after)
        page.limit = Self.auditBatchSize
        var filter = AuditEventFilter()
        switch role {
        case .actor:
            filter.actorType = "user"
            filter.actorID = userID.description
        case .targetUser, .targetMember:
            filter.targetType = role == .targetUser ? "user" : "member"
            filter.targetID = userID.description
        }
        let found = try await database.withTenant(tenantID) { scope in try await scope.auditEvents.records(filter, page: page) }
        let next = found.nextCursor == nil ? nil : found.items.last?.id.rawValue
        guard role != .actor else { return (found.items, next) }
        return (found.items.filter { !($0.actorType == "user" && $0.actorID == userID.description) }, next)
    }
}
