import Foundation
public import TenantryCore

/// The team use cases: list, read, create, change, delete, and add or remove members. Each
/// change runs in one tenant transaction with its audit event. Teams grant nothing by
/// themselves, so changing them does not touch the access caches.
public struct TeamService: Sendable {
    /// The data store.
    public let database: any DataStore

    /// Creates the use case from its dependencies.
    public init(database: any DataStore) {
        self.database = database
    }

    /// A team with the ids of its members.
    public struct Detail: Sendable {
        public var team: Team
        public var memberIDs: [UserID]
    }

    public func list(_ access: TenantAccess, page: PageRequest) async throws -> Page<Team> {
        try await database.withTenant(access.tenantID) { scope in try await scope.teams.list(page) }
    }

    public func get(_ access: TenantAccess, id: TeamID) async throws -> Detail {
        try await database.withTenant(access.tenantID) { scope in try await Self.detail(id, in: scope) }
    }

    public func create(_ access: TenantAccess, name: String, description: String?, origin: AuditEvent.Origin) async throws
        -> Detail
    {
        let now = Date()
        let team = Team(
            tenantID: access.tenantID, id: .generate(), name: name, description: description, createdAt: now, updatedAt: now)
        try await database.withTenant(access.tenantID) { scope in
            try await scope.requireRoom(for: .teams)
            try await scope.teams.create(team)
            var changes: [String: AuditEvent.Change] = ["name": .init(before: nil, after: name)]
            if let description { changes["description"] = .init(before: nil, after: description) }
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .teamCreated, target: Self.target(team.id), origin: origin, changes: changes))
        }
        return Detail(team: team, memberIDs: [])
    }

    /// Changes name and/or description (`.some(nil)` clears the description); records only
    /// what changed.
    public func update(_ access: TenantAccess, id: TeamID, name: String?, description: String??, origin: AuditEvent.Origin)
        async throws -> Detail
    {
        try await database.withTenant(access.tenantID) { scope in
            guard var team = try await scope.teams.find(id: id) else { throw Self.noSuchTeam }
            var changes: [String: AuditEvent.Change] = [:]
            if let name, name != team.name {
                changes["name"] = .init(before: team.name, after: name)
                team.name = name
            }
            if let description, description != team.description {
                changes["description"] = .init(before: team.description, after: description)
                team.description = description
            }
            if !changes.isEmpty {
                team.updatedAt = Date()
                try await scope.teams.update(team)
                try await scope.record(
                    AuditRecorder.event(
                        by: access, action: .teamUpdated, target: Self.target(id), origin: origin, changes: changes))
            }
            return Detail(team: team, memberIDs: try await scope.teams.memberIDs(of: id))
        }
    }

    /// Deletes a team with its membership list.
    public func delete(_ access: TenantAccess, id: TeamID, origin: AuditEvent.Origin) async throws {
        try await database.withTenant(access.tenantID) { scope in
            guard let team = try await scope.teams.find(id: id) else { throw Self.noSuchTeam }
            try await scope.teams.delete(id: id)
            var changes: [String: AuditEvent.Change] = ["name": .init(before: team.name, after: nil)]
            if let description = team.description { changes["description"] = .init(before: description, after: nil) }
            try await scope.record(
                AuditRecorder.event(by: access, action: .teamDeleted, target: Self.target(id), origin: origin, changes: changes)
            )
        }
    }

    /// Adds a member of the tenant to a team; adding someone already in it changes nothing.
    public func addMember(_ access: TenantAccess, teamID: TeamID, userID: UserID, origin: AuditEvent.Origin) async throws
        -> Detail
    {
        try await database.withTenant(access.tenantID) { scope in
            guard try await scope.teams.find(id: teamID) != nil else { throw Self.noSuchTeam }
            guard try await scope.memberships.find(userID: userID) != nil else { throw MemberService.noSuchMember }
            if try await scope.teams.addMember(userID, to: teamID, at: Date()) {
                try await scope.record(
                    AuditRecorder.event(
                        by: access, action: .teamMemberAdded, target: Self.target(teamID), origin: origin,
                        changes: ["member": .init(before: nil, after: userID.description)]))
            }
            return try await Self.detail(teamID, in: scope)
        }
    }

    /// Removes a member from a team; `not_found` when the team does not exist or the user is
    /// not in it.
    public func removeMember(_ access: TenantAccess, teamID: TeamID, userID: UserID, origin: AuditEvent.Origin) async throws {
        try await database.withTenant(access.tenantID) { scope in
            guard try await scope.teams.find(id: teamID) != nil else { throw Self.noSuchTeam }
            guard try await scope.teams.removeMember(userID, from: teamID) else {
                throw TenantryError(.notFound, "That user is not in this team.")
            }
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .teamMemberRemoved, target: Self.target(teamID), origin: origin,
                    changes: ["member": .init(before: userID.description, after: nil)]))
        }
    }

    private static func detail(_ id: TeamID, in scope: any TenantTransaction) async throws -> Detail {
        guard let team = try await scope.teams.find(id: id) else { throw noSuchTeam }
        return Detail(team: team, memberIDs: try await scope.teams.memberIDs(of: id))
    }

    private static func target(_ id: TeamID) -> AuditEvent.Target { .init(type: "team", id: id.description) }

    public static var noSuchTeam: TenantryError { TenantryError(.notFound, "No such team.") }
}
