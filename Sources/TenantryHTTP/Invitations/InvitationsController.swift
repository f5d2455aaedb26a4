import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/invitations*`: tenant routes to invite, list, resend and revoke, and the public
/// `POST /api/v1/invitations/accept`, which the invitation's token authorizes.
struct InvitationsController: Sendable {
    let service: InvitationService
    /// Recognises a signed-in person accepting an invitation.
    let authentication: CallerAuthentication

    /// Registers the tenant routes and the public acceptance route.
    func register(on routes: TenantRoutes, public api: RouterGroup<AppRequestContext>) {
        registerTenantRoutes(on: routes)
        api.post("/invitations/accept") { request, context in try await accept(request, context) }
    }

    private func registerTenantRoutes(on routes: TenantRoutes) {
        routes.on(.get, "/invitations", .invitationsRead) { request, context in
            let result = try await service.list(context.access, page: try request.pageRequest())
            let now = Date()
            return try InvitationPage(items: result.items.map { InvitationBody($0, at: now) }, nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.post, "/invitations", .invitationsManage) { request, context in
            let body = try await request.decodeJSON(as: CreateInvitationRequest.self, context: context.base)
            var validator = Validator()
            let email = try validator.capture { try EmailAddress(body.email) }
            let role = try validator.capture { try RoleReference(body.role) }
            try validator.check()
            guard let email, let role else { throw TenantryError(.internalError, "Validation passed without values.") }
            let invitation = try await service.create(
                context.access, email: email, role: role, origin: context.origin(of: request))
            var response = try InvitationBody(invitation, at: Date()).response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.post, "/invitations/{id}/resend", .invitationsManage) { request, context in
            let invitation = try await service.resend(
                context.access, id: try Self.invitationID(context), origin: context.origin(of: request))
            return try InvitationBody(invitation, at: Date()).response(from: request, context: context)
        }
        routes.on(.delete, "/invitations/{id}", .invitationsManage) { request, context in
            try await service.revoke(context.access, id: try Self.invitationID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
    }

    private func accept(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: AcceptInvitationRequest.self, context: context)
        var caller: AuthenticatedCaller?
        if let credential = try request.bearerCredential() {
            guard !APIKeySecret.looksLikeKey(credential) else {
                throw TenantryError(.unauthenticated, "Sign in as a person: send `Authorization: Bearer <access token>`.")
            }
            caller = try await authentication.authenticate(accessToken: credential)
        }
        let result = try await service.accept(
            token: body.token, acceptor: .init(caller: caller, name: body.name, password: body.password),
            origin: context.origin(of: request))
        var response = try AcceptInvitationResponse(
            tenant: TenantBody(result.tenant), user: UserBody(result.user), role: result.role.reference.description,
            roleName: result.role.name, tokens: result.tokens.map { TokensBody($0, includeRefreshToken: true) }
        ).response(from: request, context: context)
        if result.tokens != nil { response.status = .created }
        return response
    }

    /// The `{id}` path parameter; a malformed id names no invitation (404).
    static func invitationID(_ context: TenantRequestContext) throws -> InvitationID {
        try context.identifier("id", notFound: InvitationService.noSuchInvitation)
    }
}

struct CreateInvitationRequest: Decodable {
    let email: String
    let role: String
}

struct AcceptInvitationRequest: Decodable {
    let token: String
    @NotNull var name: String?
    @NotNull var password: String?
}

/// An invitation as the API shows it (never its token).
struct InvitationBody: ResponseEncodable {
    let id: String
    let email: String
    let role: String
    let status: String
    let invitedBy: String?
    let createdAt: Date
    let expiresAt: Date
    let lastSentAt: Date
    let acceptedAt: Date?
    let acceptedBy: String?
    let revokedAt: Date?

    init(_ invitation: Invitation, at now: Date) {
        id = invitation.id.description
        email = invitation.email.rawValue
        role = invitation.role.description
        status = invitation.status(at: now).rawValue
        invitedBy = invitation.invitedBy?.description
        createdAt = invitation.createdAt
        expiresAt = invitation.expiresAt
        lastSentAt = invitation.lastSentAt
        acceptedAt = invitation.acceptedAt
        acceptedBy = invitation.acceptedBy?.description
        revokedAt = invitation.revokedAt
    }
}

struct InvitationPage: ResponseEncodable {
    let items: [InvitationBody]
    let nextCursor: String?
}

struct AcceptInvitationResponse: ResponseEncodable {
    let tenant: TenantBody
    let user: UserBody
    let role: String
    let roleName: String
    /// Only for a new account: its first session's tokens.
    let tokens: TokensBody?
}
