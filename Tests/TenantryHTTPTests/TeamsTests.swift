import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryHTTP
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Teams")
struct TeamsTests {
    @Test("create, read, rename, clear the description and delete a team, each audited", arguments: TestDatabase.all)
    func crud(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let created = try await client.json(
                .post, "/api/v1/teams", ["name": "  Support ", "description": "Answers tickets"], token: owner.accessToken)
            #expect(created.status == .created, "\(created.raw)")
            #expect(created.body["name"] as? String == "Support")
            #expect(created.body["description"] as? String == "Answers tickets")
            #expect((created.body["member_ids"] as? [String]) == [])
            let id = try #require(created.body["id"] as? String)

            let read = try await client.json(.get, "/api/v1/teams/\(id)", token: owner.accessToken)
            #expect(read.status == .ok)
            #expect(read.body["name"] as? String == "Support")

            let renamed = try await client.json(
                .patch, "/api/v1/teams/\(id)", ["name": "Customer support", "description": NSNull()], token: owner.accessToken)
            #expect(renamed.status == .ok, "\(renamed.raw)")
            #expect(renamed.body["name"] as? String == "Customer support")
            #expect(renamed.body["description"] == nil)
            // An empty change changes nothing and records nothing.
            let unchanged = try await client.json(.patch, "/api/v1/teams/\(id)", [:], token: owner.accessToken)
            #expect(unchanged.status == .ok)
            #expect(unchanged.body["name"] as? String == "Customer support")

            let list = try await client.json(.get, "/api/v1/teams", token: owner.accessToken)
            #expect(list.status == .ok)
            let items = try #require(list.body["items"] as? [[String: Any]])
            #expect(items.map { $0["id"] as? String } == [id])
            #expect(list.body["next_cursor"] == nil)

            #expect(try await client.json(.delete, "/api/v1/teams/\(id)", token: owner.accessToken).status == .noContent)
            let gone = try await client.json(.get, "/api/v1/teams/\(id)", token: owner.accessToken)
            #expect(gone.status == .notFound)
            #expect(problemCode(gone.body) == "not_found")
            #expect(try await client.json(.delete, "/api/v1/teams/\(id)", token: owner.accessToken).status == .notFound)

            let createdEvents = try await auditEvents("team.created", in: owner.tenantID, context)
            #expect(createdEvents.count == 1)
            #expect(createdEvents.first?.target?.id == id)
            let ownerID = try #require(UserID(owner.userID))
            #expect(createdEvents.first?.actor == .user(ownerID))
            #expect(createdEvents.first?.changes["name"] == .init(before: nil, after: "Support"))
            let updated = try await auditEvents("team.updated", in: owner.tenantID, context)
            #expect(updated.count == 1)
            #expect(updated.first?.changes["name"] == .init(before: "Support", after: "Customer support"))
            #expect(updated.first?.changes["description"] == .init(before: "Answers tickets", after: nil))
            let deleted = try await auditEvents("team.deleted", in: owner.tenantID, context)
            #expect(deleted.first?.changes["name"] == .init(before: "Customer support", after: nil))
        }
    }

    @Test("invalid input is 422 naming each field; a taken name is 409; a malformed id is 404", arguments: TestDatabase.all)
    func validation(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            let token = owner.accessToken
            let blank = try await client.json(
                .post, "/api/v1/teams", ["name": "  ", "description": String(repeating: "d", count: 501)], token: token)
            #expect(blank.status == .unprocessableContent)
            let fields = Set(((blank.body["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
            #expect(fields == ["name", "description"])
            let long = try await client.json(.post, "/api/v1/teams", ["name": String(repeating: "n", count: 101)], token: token)
            #expect(long.status == .unprocessableContent)
            #expect((long.body["errors"] as? [[String: Any]])?.first?["code"] as? String == "too_long")
            let missing = try await client.json(.post, "/api/v1/teams", ["description": "no name"], token: token)
            #expect(missing.status == .unprocessableContent)
            #expect((missing.body["errors"] as? [[String: Any]])?.first?["field"] as? String == "name")

            let first = try await client.json(.post, "/api/v1/teams", ["name": "Ops"], token: token)
            let id = try #require(first.body["id"] as? String)
            let taken = try await client.json(.post, "/api/v1/teams", ["name": "OPS"], token: token)
            #expect(taken.status == .conflict)
            #expect((taken.body["errors"] as? [[String: Any]])?.first?["code"] as? String == "taken")
            let other = try await client.json(.post, "/api/v1/teams", ["name": "Dev"], token: token)
            let renameToTaken = try await client.json(
                .patch, "/api/v1/teams/\(try #require(other.body["id"] as? String))", ["name": "ops"], token: token)
            #expect(renameToTaken.status == .conflict)
            let blankRename = try await client.json(.patch, "/api/v1/teams/\(id)", ["name": ""], token: token)
            #expect(blankRename.status == .unprocessableContent)

            #expect(try await client.json(.get, "/api/v1/teams/not-a-uuid", token: token).status == .notFound)
            #expect(try await client.json(.get, "/api/v1/teams/\(UUID())", token: token).status == .notFound)
            #expect(try await client.json(.get, "/api/v1/teams?limit=0", token: token).status == .unprocessableContent)
            #expect(try await client.json(.get, "/api/v1/teams?cursor=nonsense", token: token).status == .unprocessableContent)
        }
    }

    @Test("teams list in creation order, one page at a time", arguments: TestDatabase.all)
    func pagination(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let owner = try await client.register()
            var ids: [String] = []
            for name in ["A", "B", "C"] {
                let created = try await client.json(.post, "/api/v1/teams", ["name": name], token: owner.accessToken)
                ids.append(try #require(created.body["id"] as? String))
            }
            let first = try await client.json(.get, "/api/v1/teams?limit=2", token: owner.accessToken)
            #expect((first.body["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[0], ids[1]])
            let cursor = try #require(first.body["next_cursor"] as? String)
            let second = try await client.json(.get, "/api/v1/teams?limit=2&cursor=\(cursor)", token: owner.accessToken)
            #expect((second.body["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [ids[2]])
            #expect(second.body["next_cursor"] == nil)
        }
    }

    @Test(
        "members join and leave teams; only the tenant's members; leaving the tenant leaves its teams",
        arguments: TestDatabase.all)
    func teamMembers(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let member = try await client.join(owner, role: "member", context: context)
            let stranger = try await client.register()
            let team = try await client.json(.post, "/api/v1/teams", ["name": "Core"], token: owner.accessToken)
            let id = try #require(team.body["id"] as? String)
            let path = "/api/v1/teams/\(id)/members"

            let added = try await client.json(.put, "\(path)/\(member.userID)", token: owner.accessToken)
            #expect(added.status == .ok, "\(added.raw)")
            #expect(added.body["member_ids"] as? [String] == [member.userID])
            let again = try await client.json(.put, "\(path)/\(member.userID)", token: owner.accessToken)
            #expect(again.status == .ok)
            #expect(again.body["member_ids"] as? [String] == [member.userID])
            #expect(try await auditEvents("team.member_added", in: owner.tenantID, context).count == 1)
            let both = try await client.json(.put, "\(path)/\(owner.userID)", token: owner.accessToken)
            #expect(Set(both.body["member_ids"] as? [String] ?? []) == [member.userID, owner.userID])

            // Not members of this tenant: a user of another tenant, an unknown id, a malformed id.
            for user in [stranger.userID, UUID().uuidString, "nobody"] {
                let refused = try await client.json(.put, "\(path)/\(user)", token: owner.accessToken)
                #expect(refused.status == .notFound, "\(user)")
            }
            #expect(
                try await client.json(.put, "/api/v1/teams/\(UUID())/members/\(member.userID)", token: owner.accessToken).status
                    == .notFound)

            #expect(try await client.json(.delete, "\(path)/\(owner.userID)", token: owner.accessToken).status == .noContent)
            #expect(try await client.json(.delete, "\(path)/\(owner.userID)", token: owner.accessToken).status == .notFound)
            let removed = try await auditEvents("team.member_removed", in: owner.tenantID, context)
            #expect(removed.map { $0.changes["member"] } == [.init(before: owner.userID, after: nil)])

            // Removing the member from the tenant removes them from its teams.
            let gone = try await client.json(.delete, "/api/v1/members/\(member.userID)", token: owner.accessToken)
            #expect(gone.status == .noContent, "\(gone.raw)")
            let after = try await client.json(.get, "/api/v1/teams/\(id)", token: owner.accessToken)
            #expect(after.body["member_ids"] as? [String] == [])
        }
    }

    @Test("another tenant's team is 404 on every route and stays unchanged", arguments: TestDatabase.all)
    func isolation(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, _ in
            let ownerA = try await client.register()
            let ownerB = try await client.register()
            let team = try await client.json(
                .post, "/api/v1/teams", ["name": "Secret", "description": "A's"], token: ownerA.accessToken)
            let id = try #require(team.body["id"] as? String)
            #expect(
                try await client.json(.put, "/api/v1/teams/\(id)/members/\(ownerA.userID)", token: ownerA.accessToken).status
                    == .ok)

            let attempts: [(HTTPRequest.Method, String, [String: Any]?)] = [
                (.get, "/api/v1/teams/\(id)", nil),
                (.patch, "/api/v1/teams/\(id)", ["name": "Stolen"]),
                (.put, "/api/v1/teams/\(id)/members/\(ownerB.userID)", nil),
                (.delete, "/api/v1/teams/\(id)/members/\(ownerA.userID)", nil),
                (.delete, "/api/v1/teams/\(id)", nil),
            ]
            for (method, path, body) in attempts {
                let response = try await client.json(method, path, body, token: ownerB.accessToken)
                #expect(response.status == .notFound, "\(method) \(path): \(response.raw)")
            }
            let listB = try await client.json(.get, "/api/v1/teams", token: ownerB.accessToken)
            #expect((listB.body["items"] as? [[String: Any]])?.isEmpty == true)
            let still = try await client.json(.get, "/api/v1/teams/\(id)", token: ownerA.accessToken)
            #expect(still.status == .ok)
            #expect(still.body["name"] as? String == "Secret")
            #expect(still.body["member_ids"] as? [String] == [ownerA.userID])
        }
    }

    @Test("a viewer reads teams but gets 403 on every managing route", arguments: TestDatabase.all)
    func viewer(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let viewer = try await client.join(owner, role: "viewer", context: context)
            let team = try await client.json(.post, "/api/v1/teams", ["name": "Readers"], token: owner.accessToken)
            let id = try #require(team.body["id"] as? String)
            #expect(try await client.json(.get, "/api/v1/teams", token: viewer.accessToken).status == .ok)
            #expect(try await client.json(.get, "/api/v1/teams/\(id)", token: viewer.accessToken).status == .ok)
            let attempts: [(HTTPRequest.Method, String, [String: Any]?)] = [
                (.post, "/api/v1/teams", ["name": "Mine"]),
                (.patch, "/api/v1/teams/\(id)", ["name": "Renamed"]),
                (.put, "/api/v1/teams/\(id)/members/\(viewer.userID)", nil),
                (.delete, "/api/v1/teams/\(id)/members/\(viewer.userID)", nil),
                (.delete, "/api/v1/teams/\(id)", nil),
            ]
            for (method, path, body) in attempts {
                let response = try await client.json(method, path, body, token: viewer.accessToken)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(problemCode(response.body) == "forbidden")
            }
            let list = try await client.json(.get, "/api/v1/teams", token: owner.accessToken)
            #expect((list.body["items"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Readers"])
            #expect(try await client.json(.get, "/api/v1/teams").status == .unauthorized)
        }
    }

    @Test(
        "a key bound to one team reaches that team alone: others, the list and creation are out of scope",
        arguments: TestDatabase.all)
    func boundKey(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let mine = try await client.json(.post, "/api/v1/teams", ["name": "Mine"], token: owner.accessToken)
            let other = try await client.json(.post, "/api/v1/teams", ["name": "Other"], token: owner.accessToken)
            let mineID = try #require(mine.body["id"] as? String)
            let otherID = try #require(other.body["id"] as? String)
            let secret = APIKeySecret.generate()
            let tenantID = try #require(TenantID(owner.tenantID))
            let now = Date()
            try await context.database.database.withTenant(tenantID) { scope in
                try await scope.apiKeys.create(
                    APIKey(
                        tenantID: tenantID, id: .generate(), name: "Team bot", prefix: secret.prefix, lastFour: secret.lastFour,
                        scopes: [.teamsRead, .teamsManage], resource: ResourceBinding(type: "team", id: mineID),
                        createdBy: try #require(UserID(owner.userID)), createdAt: now, updatedAt: now, expiresAt: nil,
                        revokedAt: nil, lastUsedAt: nil),
                    secretHash: secret.hash)
            }
            let key: HTTPFields = [try #require(HTTPField.Name("X-API-Key")): secret.value]
            #expect(try await client.json(.get, "/api/v1/teams/\(mineID)", headers: key).status == .ok)
            let renamed = try await client.json(.patch, "/api/v1/teams/\(mineID)", ["name": "Mine too"], headers: key)
            #expect(renamed.status == .ok)
            #expect(try await client.json(.put, "/api/v1/teams/\(mineID)/members/\(owner.userID)", headers: key).status == .ok)
            let updates = try await auditEvents("team.updated", in: owner.tenantID, context)
            #expect(updates.first?.actor.type == "api_key")

            let attempts: [(HTTPRequest.Method, String, [String: Any]?)] = [
                (.get, "/api/v1/teams", nil),
                (.post, "/api/v1/teams", ["name": "New"]),
                (.get, "/api/v1/teams/\(otherID)", nil),
                (.patch, "/api/v1/teams/\(otherID)", ["name": "Taken over"]),
                (.put, "/api/v1/teams/\(otherID)/members/\(owner.userID)", nil),
                (.delete, "/api/v1/teams/\(otherID)", nil),
            ]
            for (method, path, body) in attempts {
                let response = try await client.json(method, path, body, headers: key)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(problemCode(response.body) == "out_of_scope", "\(method) \(path)")
            }
            let stillThere = try await client.json(.get, "/api/v1/teams/\(otherID)", token: owner.accessToken)
            #expect(stillThere.body["name"] as? String == "Other")
            #expect(stillThere.body["member_ids"] as? [String] == [])
        }
    }
}
