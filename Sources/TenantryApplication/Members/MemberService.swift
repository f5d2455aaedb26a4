public import Foundation
public import TenantryCore

/// The member use cases: list, read, add, change, suspend, remove, and hand over ownership.
/// Grant rules come from ``GrantPolicy``; every change runs in one tenant transaction with its
/// audit event, announces the access change to every node, and clears this node's cache.
public struct MemberService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Sends and redeems the one-time links of emails.
    public let emailedTokens: EmailedTokenIssuer

    /// Creates the use case from its dependencies.
    public init(database: any DataStore, emailedTokens: EmailedTokenIssuer) {
        self.database = database
        self.emailedTokens = emailedTokens
    }

    public func list(_ access: TenantAccess, filter: MemberFilter, page: PageRequest) async throws
        -> Page<Member>
    {
        try await database.readTenant(access.tenantID) { reads in try await reads.members(filter, page: page) }
    }

    public func get(_ access: TenantAccess, userID: UserID) async throws -> Member {
        guard
            let member = try await database.withTenant(
                access.tenantID, { scope in try await scope.memberships.member(userID: userID) })
        else { throw Self.noSuchMember }
        return member
    }

    /// Adds a person by email: creates the identity when it is new (and emails a link to choose
    /// a password), then the membership.
    public func add(
        _ access: TenantAccess, email: EmailAddress, name: String?, role reference: RoleReference, origin: AuditEvent.Origin
    )
        async throws -> Member
    {
        let now = Date()
        let member = try await database.withTenant(access.tenantID) { scope -> Member in
            let role = try await RoleResolution.resolve(reference, in: scope)
            try GrantPolicy.checkAssign(role, by: access)
            try await scope.requireAllowedDomain(email)
            try await scope.requireRoom(for: .members)
            let user = try await account(email: email, name: name, in: scope, now: now)
            try await scope.memberships.create(
                userID: user.id, role: role.rank, customRoleID: role.customID, status: .active, at: now)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .memberAdded,
                    target: .init(type: "member", id: user.id.description), origin: origin,
                    changes: [
                        "role": .init(before: nil, after: role.reference.description),
                        "status": .init(before: nil, after: "active"),
                    ]
                )
            )
            guard let member = try await scope.memberships.member(userID: user.id) else { throw Self.noSuchMember }
            return member
        }
        return member
    }

    /// Changes a member's role and/or status.
    public func update(
        _ access: TenantAccess, userID: UserID, role reference: RoleReference?, status: MemberStatus?, origin: AuditEvent.Origin
    ) async throws -> Member {
        let now = Date()
        let member = try await database.withTenant(access.tenantID) { scope -> Member in
            try await scope.lockTenant()
            guard let current = try await scope.memberships.access(userID: userID) else { throw Self.noSuchMember }
            try GrantPolicy.checkManage(member: current.role, by: access)
            var changes: [String: AuditEvent.Change] = [:]
            var losesOwnership = false
            if let reference, reference != current.role.reference {
                let role = try await RoleResolution.resolve(reference, in: scope)
                try GrantPolicy.checkAssign(role, by: access)
                losesOwnership = current.role.rank == .owner && role.rank != .owner
                try await scope.memberships.setRole(role.rank, customRoleID: role.customID, of: userID, at: now)
                changes["role"] = .init(before: current.role.reference.description, after: role.reference.description)
            }
            if let status, status != current.membership.status {
                if status == .suspended, userID == access.userID {
                    throw TenantryError(.forbidden, "You cannot suspend yourself.")
                }
                losesOwnership = losesOwnership || (current.role.rank == .owner && status == .suspended)
                try await scope.memberships.setStatus(status, of: userID, at: now)
                changes["status"] = .init(before: current.membership.status.rawValue, after: status.rawValue)
            }
            if losesOwnership { try await Self.requireAnotherOwner(scope) }
            if !changes.isEmpty {
                try await scope.record(
                    AuditRecorder.event(
                        by: access, action: .memberUpdated,
                        target: .init(type: "member", id: userID.description), origin: origin, changes: changes)
                )
            }
            guard let member = try await scope.memberships.member(userID: userID) else { throw Self.noSuchMember }
            return member
        }
        return member
    }

    /// Removes a member; the API keys they created are revoked with them.
    public func remove(_ access: TenantAccess, userID: UserID, origin: AuditEvent.Origin) async throws {
        let now = Date()
        try await database.withTenant(access.tenantID) { scope in
            try await scope.lockTenant()
            guard let current = try await scope.memberships.access(userID: userID) else { throw Self.noSuchMember }
            try GrantPolicy.checkManage(member: current.role, by: access)
            let revoked = try await scope.apiKeys.revokeAll(createdBy: userID, at: now)
            try await scope.memberships.delete(userID: userID)
            if current.role.rank == .owner { try await Self.requireAnotherOwner(scope) }
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .memberRemoved,
                    target: .init(type: "member", id: userID.description), origin: origin,
                    changes: ["role": .init(before: current.role.reference.description, after: nil)])
            )
            for key in revoked {
                try await scope.record(
                    AuditRecorder.event(
                        by: access, action: .apiKeyRevoked,
                        target: .init(type: "api_key", id: key.description), origin: origin,
                        changes: ["reason": .init(before: nil, after: "creator_removed")])
                )
            }
        }
    }

    /// Makes another active member an owner and the calling owner an admin, atomically:
    /// concurrent transfers run one after the other, and the second finds its caller no longer
    /// an owner.
    public func transferOwnership(_ access: TenantAccess, to userID: UserID, origin: AuditEvent.Origin) async throws
        -> Member
    {
        guard let callerID = access.userID else {
            throw TenantryError(.forbidden, "Only a signed-in owner can hand over ownership.")
        }
        let now = Date()
        let member = try await database.withTenant(access.tenantID) { scope -> Member in
            try await scope.lockTenant()
            guard let caller = try await scope.memberships.access(userID: callerID), caller.role.rank == .owner,
                caller.role.customID == nil, caller.membership.status == .active
            else { throw TenantryError(.forbidden, "Only an owner can hand over ownership.") }
            guard userID != callerID else {
                throw TenantryError(.conflict, "You already own this tenant; name another member to hand ownership to.")
            }
            guard let target = try await scope.memberships.access(userID: userID) else { throw Self.noSuchMember }
            guard target.membership.status == .active else {
                throw TenantryError(.conflict, "Ownership can only go to an active member.")
            }
            try await scope.memberships.setRole(.owner, customRoleID: nil, of: userID, at: now)
            try await scope.memberships.setRole(.admin, customRoleID: nil, of: callerID, at: now)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .tenantOwnershipTransferred,
                    target: .init(type: "member", id: userID.description), origin: origin,
                    changes: [
                        "owner": .init(before: callerID.description, after: userID.description),
                        "previous_owner_role": .init(before: TenantRole.owner.rawValue, after: TenantRole.admin.rawValue),
                        "new_owner_role": .init(before: target.role.reference.description, after: TenantRole.owner.rawValue),
                    ])
            )
            guard let member = try await scope.memberships.member(userID: userID) else { throw Self.noSuchMember }
            return member
        }
        return member
    }

    /// Refuses a change that leaves the tenant without an active owner (checked after the
    /// change, inside the same locked transaction).
    /// The account with this email, or a new one (emailed a link to choose a password, valid
    /// for ``EmailedToken/Purpose/setPassword``'s lifetime) when there is none; a new account
    /// needs a `name`.
    public func account(
        email: EmailAddress, name: String?, in scope: any TenantTransaction, now: Date, nameField: String = "name"
    )
        async throws -> User
    {
        if let user = try await scope.users.find(email: email) { return user }
        guard let name else {
            throw Validator.fail(nameField, "required", "Give a name: this email address has no account yet.")
        }
        let created = User(id: .generate(), email: email, name: name, createdAt: now, updatedAt: now)
        try await scope.users.create(created, passwordHash: nil)
        let tenant = try await scope.tenants.find(id: scope.tenantID)
        try await emailedTokens.send(
            .setPassword, to: created, tenant: scope.tenantID, tenantName: tenant?.name, scope: scope.global, now: now)
        return created
    }

    public static func requireAnotherOwner(_ scope: any TenantTransaction) async throws {
        guard try await scope.memberships.count(role: .owner, activeOnly: true) > 0 else {
            throw TenantryError(
                .lastOwner,
                "The tenant needs an active owner: make someone else owner first (POST /api/v1/tenant/transfer-ownership).")
        }
    }

    public static var noSuchMember: TenantryError { TenantryError(.notFound, "No such member.") }
}

/// Turns a role reference into the role it means within a tenant.
public enum RoleResolution {
    public static func resolve(_ reference: RoleReference, in scope: any TenantTransaction, field: String = "role") async throws
        -> ResolvedRole
    {
        switch reference {
        case .builtIn(let role):
            return ResolvedRole(role)
        case .custom(let id):
            guard let role = try await scope.roles.find(id: id) else {
                throw Validator.fail(field, "unknown_role", "No such role in this tenant.")
            }
            return ResolvedRole(role)
        }
    }
}

extension ResolvedRole {
    /// The custom role's id, when this is one.
    public var customID: RoleID? {
        if case .custom(let id) = reference { return id }
        return nil
    }
}
