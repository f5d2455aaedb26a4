import Foundation
public import TenantryCore

/// The caller's own profile and password.
public struct ProfileService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Verifies and hashes passwords off the request threads.
    public let hashing: PasswordHashingPool
    /// Users with their memberships (for `/me`).
    public let directory: UserDirectoryCache
    /// Memberships and the security events.
    public let events: UserEvents

    /// Creates the use case from its dependencies.
    public init(database: any DataStore, hashing: PasswordHashingPool, directory: UserDirectoryCache) {
        self.database = database
        self.hashing = hashing
        self.directory = directory
        self.events = UserEvents(database: database)
    }

    /// The caller's identity and current tenant, from the user directory cache.
    public func profile(of caller: AuthenticatedCaller) async throws -> (
        user: User, tenant: TenantMembership?, memberships: [TenantMembership]
    ) {
        guard let entry = try await directory.entry(for: caller.userID) else {
            throw TenantryError(.notFound, "No such user.")
        }
        return (entry.user, caller.tenantID.flatMap(entry.membership(in:)), entry.memberships)
    }

    /// Changes display name and locale.
    public func updateProfile(_ caller: AuthenticatedCaller, name: String?, locale: String??, origin: AuditEvent.Origin)
        async throws -> User
    {
        // Read from the database, not the directory cache: a write starts from the stored row.
        let now = Date()
        let (before, after) = try await database.withGlobal { scope -> (User, User) in
            guard let before = try await scope.users.find(id: caller.userID) else {
                throw TenantryError(.notFound, "No such user.")
            }
            var after = before
            if let name { after.name = name }
            if let locale { after.locale = locale }
            guard after != before else { return (before, before) }
            after.updatedAt = now
            try await scope.users.updateProfile(id: caller.userID, name: after.name, locale: after.locale, at: now)
            return (before, after)
        }
        guard after != before else { return before }
        var changes: [String: AuditEvent.Change] = [:]
        if before.name != after.name { changes["name"] = .init(before: before.name, after: after.name) }
        if before.locale != after.locale { changes["locale"] = .init(before: before.locale, after: after.locale) }
        try await events.record(
            .userProfileUpdated, about: caller.userID, origin: origin, in: caller.tenantID, changes: changes)
        return after
    }

    /// Changes the password after checking the current one; ends every other session.
    public func changePassword(_ caller: AuthenticatedCaller, current: String, new: String, origin: AuditEvent.Origin)
        async throws
    {
        guard let stored = try await database.withGlobal({ scope in try await scope.users.passwordHash(id: caller.userID) }),
            try await hashing.verify(current, against: stored)
        else {
            throw TenantryError(
                .validationFailed, "The request has invalid fields.",
                fieldErrors: [
                    FieldError(field: "current_password", code: "incorrect", message: "The current password is incorrect.")
                ]
            )
        }
        try PasswordPolicy.validate(new, field: "new_password")
        let hash = try await hashing.hash(new)
        _ = try await database.withGlobal { scope in
            try await scope.users.setPasswordHash(hash, id: caller.userID, at: Date())
            return try await scope.sessions.revokeAll(
                userID: caller.userID, except: caller.sessionID, reason: "password_changed", at: Date())
        }
        try await events.record(
            .userPasswordChanged, about: caller.userID, origin: origin, in: caller.tenantID)
    }
}
