import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/members*` and `/api/v1/tenant/transfer-ownership`.
struct MembersController: Sendable {
    let service: MemberService

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/members", .membersRead) { request, context in
            let query = request.uri.queryParameters
            var validator = Validator()
            let page = try validator.capture { try request.pageRequest() }
            var filter = MemberFilter()
            if let role = query["role"] {
                filter.role = try validator.capture { try RoleReference(String(role)) }
            }
            if let status = query["status"] {
                filter.status = MemberStatus(rawValue: String(status))
                if filter.status == nil { validator.add("status", "invalid_value", "status is active or suspended.") }
            }
            if let text = query["q"], !text.isEmpty {
                filter.text = validator.filterText(String(text), field: "q", maximum: 200)
            }
            try validator.check()
            let result = try await service.list(context.access, filter: filter, page: page ?? PageRequest())
            return try MemberPage(items: result.items.map(MemberBody.init), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.get, "/members/{user_id}", .membersRead) { request, context in
            let member = try await service.get(context.access, userID: try Self.userID(context))
            return try MemberBody(member).response(from: request, context: context)
        }
        routes.on(.post, "/members", .membersManage) { request, context in
            let body = try await request.decodeJSON(as: AddMemberRequest.self, context: context.base)
            var validator = Validator()
            let email = try validator.capture { try EmailAddress(body.email) }
            let name = try body.name.flatMap { name in try validator.capture { try User.validatedName(name) } }
            let role = try validator.capture { try RoleReference(body.role) }
            try validator.check()
            guard let email, let role else { throw TenantryError(.internalError, "Validation passed without values.") }
            let member = try await service.add(
                context.access, email: email, name: name, role: role, origin: context.origin(of: request))
            var response = try MemberBody(member).response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.patch, "/members/{user_id}", .membersManage) { request, context in
            let userID = try Self.userID(context)
            let body = try await request.decodeJSON(as: UpdateMemberRequest.self, context: context.base)
            var validator = Validator()
            let role = try body.role.flatMap { text in try validator.capture { try RoleReference(text) } }
            var status: MemberStatus?
            if let text = body.status {
                status = MemberStatus(rawValue: text)
                if status == nil { validator.add("status", "invalid_value", "status is active or suspended.") }
            }
            try validator.check()
            let member = try await service.update(
                context.access, userID: userID, role: role, status: status, origin: context.origin(of: request))
            return try MemberBody(member).response(from: request, context: context)
        }
        routes.on(.delete, "/members/{user_id}", .membersManage) { request, context in
            try await service.remove(context.access, userID: try Self.userID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
        routes.on(.post, "/tenant/transfer-ownership", .ownershipTransfer, usersOnly: true) { request, context in
            let body = try await request.decodeJSON(as: TransferOwnershipRequest.self, context: context.base)
            guard let userID = UserID(body.userId) else {
                throw Validator.fail("user_id", "invalid_format", "user_id is a member's id.")
            }
            let member = try await service.transferOwnership(context.access, to: userID, origin: context.origin(of: request))
            return try MemberBody(member).response(from: request, context: context)
        }
    }

    /// The `{user_id}` path parameter; a malformed id names no member (404).
    static func userID(_ context: TenantRequestContext) throws -> UserID {
        try context.identifier("user_id", notFound: MemberService.noSuchMember)
    }
}

struct AddMemberRequest: Decodable {
    let email: String
    @NotNull var name: String?
    let role: String
}

/// PATCH body: an absent field stays as it is.
struct UpdateMemberRequest: Decodable {
    @NotNull var role: String?
    @NotNull var status: String?
}

struct TransferOwnershipRequest: Decodable {
    let userId: String
}

/// A member as the API shows it.
struct MemberBody: ResponseEncodable {
    let userId: String
    let email: String
    let name: String
    let role: String
    let roleName: String
    let status: String
    let joinedAt: Date
    let updatedAt: Date

    init(_ member: Member) {
        userId = member.membership.userID.description
        email = member.email.rawValue
        name = member.name
        role = member.membership.roleReference.description
        roleName = member.customRoleName ?? member.membership.role.rawValue
        status = member.membership.status.rawValue
        joinedAt = member.membership.createdAt
        updatedAt = member.membership.updatedAt
    }
}

/// A page of members. Written by hand (``JSONWriter``): a page holds up to 200 members and is
/// the tenant API's busiest read; its `Encodable` form is the reference a test compares with.
struct MemberPage: Encodable, ResponseGenerator {
    let items: [MemberBody]
    let nextCursor: String?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var writer = JSONWriter()
        write(to: &writer)
        return writer.response()
    }

    func write(to writer: inout JSONWriter) {
        writer.object { json in
            json.field("items", array: items) { $1.write(to: &$0) }
            json.field("next_cursor", nextCursor)
        }
    }
}

extension MemberBody {
    /// The fields, in ``JSONCoding/encoder``'s order.
    func write(to json: inout JSONWriter) {
        json.field("email", email)
        json.field("joined_at", joinedAt)
        json.field("name", name)
        json.field("role", role)
        json.field("role_name", roleName)
        json.field("status", status)
        json.field("updated_at", updatedAt)
        json.field("user_id", userId)
    }
}
