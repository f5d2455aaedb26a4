import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/domains*`: the email domains a tenant claims (permission `domains:read` to read,
/// `domains:manage` to claim, verify, change and release), and the requests to join through
/// them (`members:read` to list, `members:manage` to approve or reject).
struct DomainsController: Sendable {
    let service: DomainService

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/domains", .domainsRead) { request, context in
            let result = try await service.list(context.access, page: try request.pageRequest())
            return try DomainPage(items: result.items.map(DomainBody.init), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.post, "/domains", .domainsManage) { request, context in
            let given = try await request.decodeJSON(as: ClaimDomainRequest.self, context: context.base)
            let domain = try TenantSettings.validatedDomain(given.domain, field: "domain")
            let claim = try await service.claim(context.access, domain: domain, origin: context.origin(of: request))
            var response = try DomainBody(claim).response(from: request, context: context)
            response.status = .created
            return response
        }
        routes.on(.get, "/domains/join-requests", .membersRead) { request, context in
            let result = try await service.joinRequests(context.access, page: try request.pageRequest())
            return try JoinRequestPage(items: result.items.map(JoinRequestBody.init), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.post, "/domains/join-requests/{id}/approve", .membersManage) { request, context in
            try await service.approve(context.access, request: try Self.requestID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
        routes.on(.post, "/domains/join-requests/{id}/reject", .membersManage) { request, context in
            try await service.reject(context.access, request: try Self.requestID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
        routes.on(.get, "/domains/{id}", .domainsRead) { request, context in
            try DomainBody(try await service.get(context.access, id: try Self.domainID(context)))
                .response(from: request, context: context)
        }
        routes.on(.patch, "/domains/{id}", .domainsManage) { request, context in
            let id = try Self.domainID(context)
            let given = try await request.decodeJSON(as: UpdateDomainRequest.self, context: context.base)
            let domain = try await service.update(
                context.access, id: id, try given.validated(), origin: context.origin(of: request))
            return try DomainBody(domain).response(from: request, context: context)
        }
        routes.on(.post, "/domains/{id}/verify", .domainsManage) { request, context in
            let domain = try await service.verify(
                context.access, id: try Self.domainID(context), origin: context.origin(of: request))
            return try DomainBody(domain).response(from: request, context: context)
        }
        routes.on(.delete, "/domains/{id}", .domainsManage) { request, context in
            try await service.release(context.access, id: try Self.domainID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
    }

    static func domainID(_ context: TenantRequestContext) throws -> TenantDomainID {
        try context.identifier("id", notFound: DomainService.noSuchDomain)
    }

    static func requestID(_ context: TenantRequestContext) throws -> JoinRequestID {
        try context.identifier("id", notFound: DomainService.noSuchRequest)
    }
}

struct ClaimDomainRequest: Decodable {
    let domain: String
}

struct UpdateDomainRequest: Decodable {
    @NotNull var joinPolicy: String?
    @NotNull var defaultRole: String?
    @NotNull var ssoRequired: Bool?

    func validated() throws -> DomainService.Change {
        var validator = Validator()
        var change = DomainService.Change(ssoRequired: ssoRequired)
        if let joinPolicy {
            if let policy = DomainJoinPolicy(rawValue: joinPolicy) {
                change.joinPolicy = policy
            } else {
                validator.add("join_policy", "invalid", "One of off, join, approval.")
            }
        }
        if let defaultRole { change.defaultRole = SSOValidation.role(defaultRole, into: &validator) }
        try validator.check()
        return change
    }
}

/// A domain as the API shows it, with the TXT record that proves it.
struct DomainBody: ResponseEncodable {
    let id: String
    let domain: String
    let verified: Bool
    let verifiedAt: Date?
    let lastCheckedAt: Date?
    let verification: Verification
    let joinPolicy: String
    let defaultRole: String
    let ssoRequired: Bool
    let createdAt: Date
    let updatedAt: Date

    /// The TXT record to publish.
    struct Verification: Encodable {
        let type: String
        let name: String
        let value: String
    }

    init(_ domain: TenantDomain) {
        id = domain.id.description
        self.domain = domain.domain
        verified = domain.isVerified
        verifiedAt = domain.verifiedAt
        lastCheckedAt = domain.lastCheckedAt
        verification = Verification(type: "TXT", name: domain.recordName, value: domain.recordValue)
        joinPolicy = domain.joinPolicy.rawValue
        defaultRole = domain.defaultRole.rawValue
        ssoRequired = domain.ssoRequired
        createdAt = domain.createdAt
        updatedAt = domain.updatedAt
    }
}

struct DomainPage: ResponseEncodable {
    let items: [DomainBody]
    let nextCursor: String?
}

/// A request to join, waiting for an admin.
struct JoinRequestBody: ResponseEncodable {
    let id: String
    let userId: String
    let email: String
    let domainId: String
    let role: String
    let createdAt: Date

    init(_ request: JoinRequest) {
        id = request.id.description
        userId = request.userID.description
        email = request.email.rawValue
        domainId = request.domainID.description
        role = request.role.rawValue
        createdAt = request.createdAt
    }
}

struct JoinRequestPage: ResponseEncodable {
    let items: [JoinRequestBody]
    let nextCursor: String?
}
