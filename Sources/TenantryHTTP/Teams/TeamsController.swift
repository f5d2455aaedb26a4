import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/teams*`. Routes about one team declare it as their resource, so a key bound to a
/// team reaches that team alone (and cannot list or create teams).
struct TeamsController: Sendable {
    let service: TeamService

    static let oneTeam = (type: "team", parameter: String?.some("id"))
    static let anyTeam = (type: "team", parameter: String?.none)

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/teams", .teamsRead, resource: Self.anyTeam, module: .teams) { request, context in
            let result = try await service.list(context.access, page: try request.pageRequest())
            return try TeamPage(items: result.items.map(TeamBody.init), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.post, "/teams", .teamsManage, resource: Self.anyTeam, module: .teams) { request, context in
            let body = try await request.decodeJSON(as: CreateTeamRequest.self, context: context.base)
            var validator = Validator()
            let name = try validator.capture { try Team.validatedName(body.name) }
            let description = try validator.capture { try Team.validatedDescription(body.description) }
            try validator.check()
            guard let name else { throw TenantryError(.internalError, "Validation passed without values.") }
            let team = try await service.create(
                context.access, name: name, description: description ?? nil, origin: context.origin(of: request))
            var response = try TeamDetailBody(team).response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.get, "/teams/{id}", .teamsRead, resource: Self.oneTeam, module: .teams) { request, context in
            let team = try await service.get(context.access, id: try Self.teamID(context))
            return try TeamDetailBody(team).response(from: request, context: context)
        }
        routes.on(.patch, "/teams/{id}", .teamsManage, resource: Self.oneTeam, module: .teams) { request, context in
            let id = try Self.teamID(context)
            let body = try await request.decodeJSON(as: UpdateTeamRequest.self, context: context.base)
            var validator = Validator()
            let name = try body.name.flatMap { name in try validator.capture { try Team.validatedName(name) } }
            var description: String??
            if let given = body.description {
                description = .some(try validator.capture { try Team.validatedDescription(given) } ?? nil)
            }
            try validator.check()
            let team = try await service.update(
                context.access, id: id, name: name, description: description, origin: context.origin(of: request))
            return try TeamDetailBody(team).response(from: request, context: context)
        }
        routes.on(.delete, "/teams/{id}", .teamsManage, resource: Self.oneTeam, module: .teams) { request, context in
            try await service.delete(context.access, id: try Self.teamID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
        routes.on(.put, "/teams/{id}/members/{user_id}", .teamsManage, resource: Self.oneTeam, module: .teams) {
            request, context in
            let team = try await service.addMember(
                context.access, teamID: try Self.teamID(context), userID: try MembersController.userID(context),
                origin: context.origin(of: request))
            return try TeamDetailBody(team).response(from: request, context: context)
        }
        routes.on(.delete, "/teams/{id}/members/{user_id}", .teamsManage, resource: Self.oneTeam, module: .teams) {
            request, context in
            try await service.removeMember(
                context.access, teamID: try Self.teamID(context), userID: try MembersController.userID(context),
                origin: context.origin(of: request))
            return Response(status: .noContent)
        }
    }

    /// The `{id}` path parameter; a malformed id names no team (404).
    static func teamID(_ context: TenantRequestContext) throws -> TeamID {
        try context.identifier("id", notFound: TeamService.noSuchTeam)
    }
}

struct CreateTeamRequest: Decodable {
    let name: String
    @NotNull var description: String?
}

struct UpdateTeamRequest: Decodable {
    let name: String?
    /// Absent: leave as is; `null`: clear; a string: set.
    let description: String??

    enum CodingKeys: String, CodingKey { case name, description }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfGiven(String.self, forKey: .name)
        description = try container.decodeUpdate(String.self, forKey: .description)
    }
}

/// A team as lists show it.
struct TeamBody: ResponseEncodable {
    let id: String
    let name: String
    let description: String?
    let createdAt: Date
    let updatedAt: Date

    init(_ team: Team) {
        id = team.id.description
        name = team.name
        description = team.description
        createdAt = team.createdAt
        updatedAt = team.updatedAt
    }
}

/// One team with its members' ids.
struct TeamDetailBody: ResponseEncodable {
    let id: String
    let name: String
    let description: String?
    let memberIds: [String]
    let createdAt: Date
    let updatedAt: Date

    init(_ detail: TeamService.Detail) {
        id = detail.team.id.description
        name = detail.team.name
        description = detail.team.description
        memberIds = detail.memberIDs.map(\.description)
        createdAt = detail.team.createdAt
        updatedAt = detail.team.updatedAt
    }
}

struct TeamPage: ResponseEncodable {
    let items: [TeamBody]
    let nextCursor: String?
}
