import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/api-keys*`.
struct APIKeysController: Sendable {
    let service: APIKeyService

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/api-keys", .apiKeysRead, module: .apiKeys) { request, context in
            let result = try await service.list(context.access, page: try request.pageRequest())
            return try APIKeyPage(items: result.items.map(APIKeyBody.init), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.post, "/api-keys", .apiKeysManage, module: .apiKeys) { request, context in
            let body = try await request.decodeJSON(as: CreateAPIKeyRequest.self, context: context.base)
            let new = try Self.validate(body)
            let (key, secret) = try await service.create(context.access, new, origin: context.origin(of: request))
            var response = try CreatedAPIKeyBody(key: APIKeyBody(key), secret: secret.value).response(
                from: request, context: context)
            response.status = .created
            response.headers[.cacheControl] = "no-store"
            return response
        }
        routes.on(.get, "/api-keys/{id}", .apiKeysRead, module: .apiKeys) { request, context in
            try APIKeyBody(try await service.get(context.access, id: try Self.keyID(context))).response(
                from: request, context: context)
        }
        routes.on(.patch, "/api-keys/{id}", .apiKeysManage, module: .apiKeys) { request, context in
            let id = try Self.keyID(context)
            let body = try await request.decodeJSON(as: UpdateAPIKeyRequest.self, context: context.base)
            var validator = Validator()
            let name = try body.name.flatMap { text in try validator.capture { try APIKey.validatedName(text) } }
            if case .some(.some(let date)) = body.expiresAt, date <= Date() {
                validator.add("expires_at", "in_the_past", "expires_at must be in the future; revoke the key to end it now.")
            }
            var rateLimit: Int?? = nil
            if let given = body.rateLimitPerMinute {
                rateLimit = .some(try given.flatMap { value in try validator.capture { try APIKey.validatedRateLimit(value) } })
            }
            try validator.check()
            let key = try await service.update(
                context.access, id: id, name: name, expiresAt: body.expiresAt, rateLimitPerMinute: rateLimit,
                origin: context.origin(of: request))
            return try APIKeyBody(key).response(from: request, context: context)
        }
        routes.on(.delete, "/api-keys/{id}", .apiKeysManage, module: .apiKeys) { request, context in
            try await service.revoke(context.access, id: try Self.keyID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
        routes.on(.post, "/api-keys/{id}/rotate", .apiKeysManage, module: .apiKeys) { request, context in
            let id = try Self.keyID(context)
            var overlap = APIKey.defaultOverlap
            if let seconds = try await request.decodeJSONIfPresent(as: RotateAPIKeyRequest.self, context: context.base)?
                .overlapSeconds
            {
                guard (0...Int(APIKey.maximumOverlap)).contains(seconds) else {
                    throw Validator.fail("overlap_seconds", "out_of_range", "overlap_seconds is 0 to 604800 (7 days).")
                }
                overlap = TimeInterval(seconds)
            }
            let (key, secret, until) = try await service.rotate(
                context.access, id: id, overlap: overlap, origin: context.origin(of: request))
            var response = try RotatedAPIKeyBody(key: APIKeyBody(key), secret: secret.value, previousSecretExpiresAt: until)
                .response(from: request, context: context)
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    static func keyID(_ context: TenantRequestContext) throws -> APIKeyID {
        try context.identifier("id", notFound: APIKeyService.noSuchKey)
    }

    static func validate(_ body: CreateAPIKeyRequest) throws -> APIKeyService.NewKey {
        try validate(
            name: body.name, scopes: body.scopes, expiresAt: body.expiresAt, resource: body.resource,
            rateLimitPerMinute: body.rateLimitPerMinute)
    }

    /// Checks a new key's fields, from the API's JSON body or the console's form.
    static func validate(
        name givenName: String, scopes givenScopes: [String], expiresAt: Date?,
        resource givenResource: CreateAPIKeyRequest.Resource?,
        rateLimitPerMinute: Int?
    ) throws -> APIKeyService.NewKey {
        var validator = Validator()
        let name = try validator.capture { try APIKey.validatedName(givenName) }
        let scopes = try validator.capture { try PermissionCatalogue.parse(givenScopes, field: "scopes") }
        if givenScopes.isEmpty { validator.add("scopes", "required", "Give the key at least one scope.") }
        if let expiresAt, expiresAt <= Date() {
            validator.add("expires_at", "in_the_past", "expires_at must be in the future.")
        }
        let rateLimit = try rateLimitPerMinute.flatMap { value in
            try validator.capture { try APIKey.validatedRateLimit(value) }
        }
        var resource: ResourceBinding?
        if let given = givenResource {
            if let allowed = ResourceBinding.allowedScopes[given.type] {
                resource = ResourceBinding(type: given.type, id: given.id)
                if let scopes, !scopes.isSubset(of: allowed) {
                    validator.add(
                        "scopes", "not_allowed",
                        "A key bound to a \(given.type) may only have: \(allowed.sorted().map(\.rawValue).joined(separator: ", "))."
                    )
                }
            } else {
                validator.add("resource.type", "invalid_value", "Keys can be bound to: team.")
            }
        }
        try validator.check()
        guard let name, let scopes else { throw TenantryError(.internalError, "Validation passed without values.") }
        return APIKeyService.NewKey(
            name: name, scopes: scopes, resource: resource, expiresAt: expiresAt, rateLimitPerMinute: rateLimit)
    }
}

struct CreateAPIKeyRequest: Decodable {
    struct Resource: Decodable {
        let type: String
        let id: String
    }

    let name: String
    let scopes: [String]
    @NotNull var expiresAt: Date?
    @NotNull var resource: Resource?
    @NotNull var rateLimitPerMinute: Int?
}

/// PATCH body: an absent `expires_at` or `rate_limit_per_minute` stays as it is; `null` makes the
/// key never expire, or removes its own rate limit.
struct UpdateAPIKeyRequest: Decodable {
    let name: String?
    let expiresAt: Date??
    let rateLimitPerMinute: Int??

    enum CodingKeys: String, CodingKey {
        case name, expiresAt, rateLimitPerMinute
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfGiven(String.self, forKey: .name)
        expiresAt = try container.decodeUpdate(Date.self, forKey: .expiresAt)
        rateLimitPerMinute = try container.decodeUpdate(Int.self, forKey: .rateLimitPerMinute)
    }
}

struct RotateAPIKeyRequest: Decodable {
    @NotNull var overlapSeconds: Int?
}

/// A key as listed: never its secret.
struct APIKeyBody: ResponseEncodable {
    struct Resource: Encodable {
        let type: String
        let id: String
    }

    let id: String
    let name: String
    let prefix: String
    let lastFour: String
    let scopes: [String]
    let resource: Resource?
    let createdBy: String
    let createdAt: Date
    let updatedAt: Date
    let expiresAt: Date?
    let revokedAt: Date?
    let lastUsedAt: Date?
    let rateLimitPerMinute: Int?
    let status: String

    init(_ key: APIKey) {
        id = key.id.description
        name = key.name
        prefix = key.prefix
        lastFour = key.lastFour
        scopes = key.scopes.sorted().map(\.rawValue)
        resource = key.resource.map { Resource(type: $0.type, id: $0.id) }
        createdBy = key.createdBy.description
        createdAt = key.createdAt
        updatedAt = key.updatedAt
        expiresAt = key.expiresAt
        revokedAt = key.revokedAt
        lastUsedAt = key.lastUsedAt
        rateLimitPerMinute = key.rateLimitPerMinute
        status = key.revokedAt != nil ? "revoked" : (key.isUsable(at: Date()) ? "active" : "expired")
    }
}

struct APIKeyPage: ResponseEncodable {
    let items: [APIKeyBody]
    let nextCursor: String?
}

struct CreatedAPIKeyBody: ResponseEncodable {
    let key: APIKeyBody
    /// The secret, shown this once.
    let secret: String
}

struct RotatedAPIKeyBody: ResponseEncodable {
    let key: APIKeyBody
    let secret: String
    let previousSecretExpiresAt: Date
}
