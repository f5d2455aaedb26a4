public import Foundation

/// One tenant's teams and their members.
public protocol TeamRepository: Sendable {
    /// The tenant whose teams this repository reads and writes.
    var tenantID: TenantID { get }
    /// Stores a new team; a taken name is a `conflict` on `name`.
    func create(_ team: Team) async throws
    /// The team with this id, if any.
    func find(id: TeamID) async throws -> Team?
    /// Teams in creation order, one page at a time.
    func list(_ page: PageRequest) async throws -> Page<Team>
    /// Saves a team's name and description.
    func update(_ team: Team) async throws
    /// Deletes a team and its membership list; `not_found` when there is none.
    func delete(id: TeamID) async throws
    /// Adds a tenant member to a team; returns whether they were not in it yet.
    @discardableResult
    func addMember(_ userID: UserID, to teamID: TeamID, at time: Date) async throws -> Bool
    /// Removes a member from a team; returns whether they were in it.
    @discardableResult
    func removeMember(_ userID: UserID, from teamID: TeamID) async throws -> Bool
    /// The ids of a team's members, in order of user id.
    func memberIDs(of teamID: TeamID) async throws -> [UserID]
}
