public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's teams and their members.
public struct SQLTeamRepository: TeamRepository {
    let sql: any SQLDatabase
    /// The tenant whose teams this repository reads and writes.
    public let tenantID: TenantID

    private static let columns = "tenant_id, id, name, description, created_at, updated_at"

    /// Stores a new team; a taken name is a `conflict` on `name`.
    public func create(_ team: Team) async throws {
        do {
            try await sql.raw(
                """
                INSERT INTO teams (tenant_id, id, name, name_key, description, created_at, updated_at)
                VALUES (\(bind: tenantID.rawValue), \(bind: team.id.rawValue), \(bind: team.name),
                        \(bind: team.name.lowercased()), \(bind: team.description), \(bind: team.createdAt),
                        \(bind: team.updatedAt))
                """
            ).run()
        } catch  where DatabaseFailure.isUniqueViolation(error) {
            throw Self.nameTaken
        }
    }

    /// The team with this id, if any.
    public func find(id: TeamID) async throws -> Team? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM teams
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decode)
    }

    /// Teams in creation order, one page at a time.
    public func list(_ page: PageRequest) async throws -> Page<Team> {
        try await KeysetPagination.fetch(
            sql,
            select: "SELECT \(unsafeRaw: Self.columns) FROM teams WHERE tenant_id = \(bind: tenantID.rawValue)",
            key: "id",
            page: page,
            decode: Self.decode
        ) { $0.id.rawValue }
    }

    /// Saves a team's name and description.
    public func update(_ team: Team) async throws {
        do {
            let rows = try await sql.raw(
                """
                UPDATE teams SET name = \(bind: team.name), name_key = \(bind: team.name.lowercased()),
                    description = \(bind: team.description), updated_at = \(bind: team.updatedAt)
                WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: team.id.rawValue)
                RETURNING id
                """
            ).all()
            guard !rows.isEmpty else { throw TenantryError(.notFound, "No such team.") }
        } catch  where DatabaseFailure.isUniqueViolation(error) {
            throw Self.nameTaken
        }
    }

    /// Deletes a team and its membership list; `not_found` when there is none.
    public func delete(id: TeamID) async throws {
        let rows = try await sql.raw(
            "DELETE FROM teams WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue) RETURNING id"
        ).all()
        guard !rows.isEmpty else { throw TenantryError(.notFound, "No such team.") }
    }

    /// Adds a tenant member to a team; returns whether they were not in it yet.
    @discardableResult
    public func addMember(_ userID: UserID, to teamID: TeamID, at time: Date) async throws -> Bool {
        let rows = try await sql.raw(
            """
            INSERT INTO team_members (tenant_id, team_id, user_id, created_at)
            VALUES (\(bind: tenantID.rawValue), \(bind: teamID.rawValue), \(bind: userID.rawValue), \(bind: time))
            ON CONFLICT DO NOTHING RETURNING user_id
            """
        ).all()
        return !rows.isEmpty
    }

    /// Removes a member from a team; returns whether they were in it.
    @discardableResult
    public func removeMember(_ userID: UserID, from teamID: TeamID) async throws -> Bool {
        let rows = try await sql.raw(
            """
            DELETE FROM team_members
            WHERE tenant_id = \(bind: tenantID.rawValue) AND team_id = \(bind: teamID.rawValue)
                AND user_id = \(bind: userID.rawValue)
            RETURNING user_id
            """
        ).all()
        return !rows.isEmpty
    }

    /// The ids of a team's members, in order of user id.
    public func memberIDs(of teamID: TeamID) async throws -> [UserID] {
        try await sql.raw(
            """
            SELECT user_id FROM team_members
            WHERE tenant_id = \(bind: tenantID.rawValue) AND team_id = \(bind: teamID.rawValue)
            ORDER BY user_id
            """
        ).all().map { try $0.identifier("user_id") }
    }

    private static var nameTaken: TenantryError {
        TenantryError(
            .conflict, "Another team has this name.",
            fieldErrors: [FieldError(field: "name", code: "taken", message: "Another team of this tenant has this name.")]
        )
    }

    static func decode(_ row: any SQLRow) throws -> Team {
        Team(
            tenantID: try row.identifier("tenant_id"),
            id: try row.identifier("id"),
            name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}
