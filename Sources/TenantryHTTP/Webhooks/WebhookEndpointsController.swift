import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/webhook-endpoints*`: a tenant's outbound webhook endpoints. A secret appears in
/// two answers only, creation and rotation, each sent with `Cache-Control: no-store`.
struct WebhookEndpointsController: Sendable {
    let service: WebhookEndpointService

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/webhook-endpoints", .webhooksRead, module: .webhooks) { request, context in
            let result = try await service.list(context.access, page: try request.pageRequest())
            return try WebhookEndpointPage(items: result.items.map(WebhookEndpointBody.init), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.post, "/webhook-endpoints", .webhooksManage, module: .webhooks) { request, context in
            let body = try await request.decodeJSON(as: CreateWebhookEndpointRequest.self, context: context.base)
            let new = try validate(body)
            let (endpoint, secret) = try await service.create(context.access, new, origin: context.origin(of: request))
            var response = try CreatedWebhookEndpointBody(endpoint: WebhookEndpointBody(endpoint), secret: secret.text)
                .response(from: request, context: context)
            response.status = .created
            response.headers[.cacheControl] = "no-store"
            return response
        }
        routes.on(.get, "/webhook-endpoints/{id}", .webhooksRead, module: .webhooks) { request, context in
            try WebhookEndpointBody(try await service.get(context.access, id: try Self.endpointID(context)))
                .response(from: request, context: context)
        }
        routes.on(.patch, "/webhook-endpoints/{id}", .webhooksManage, module: .webhooks) { request, context in
            let id = try Self.endpointID(context)
            let body = try await request.decodeJSON(as: UpdateWebhookEndpointRequest.self, context: context.base)
            let change = try validate(body)
            let endpoint = try await service.update(context.access, id: id, change, origin: context.origin(of: request))
            return try WebhookEndpointBody(endpoint).response(from: request, context: context)
        }
        routes.on(.delete, "/webhook-endpoints/{id}", .webhooksManage, module: .webhooks) { request, context in
            try await service.delete(context.access, id: try Self.endpointID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
        routes.on(.post, "/webhook-endpoints/{id}/rotate-secret", .webhooksManage, module: .webhooks) { request, context in
            let id = try Self.endpointID(context)
            let (secret, until) = try await service.rotateSecret(context.access, id: id, origin: context.origin(of: request))
            var response = try RotatedWebhookSecretBody(secret: secret.text, previousSecretExpiresAt: until)
                .response(from: request, context: context)
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    /// The `{id}` path parameter; a malformed id names no endpoint (404).
    static func endpointID(_ context: TenantRequestContext) throws -> WebhookEndpointID {
        try context.identifier("id", notFound: WebhookEndpointService.noSuchEndpoint)
    }

    func validate(_ body: CreateWebhookEndpointRequest) throws -> WebhookEndpointService.NewEndpoint {
        try validate(
            url: body.url, description: body.description, eventTypes: body.eventTypes ?? [], enabled: body.enabled ?? true,
            rateLimitPerMinute: body.rateLimitPerMinute)
    }

    /// Checks a new endpoint's fields, from the API's JSON body or the console's form.
    func validate(url givenURL: String, description givenDescription: String?, eventTypes: [String], enabled: Bool, rateLimitPerMinute: Int?)
        throws -> WebhookEndpointService.NewEndpoint
    {
        var validator = Validator()
        let url = try validator.capture { try service.egress.validatedURL(givenURL) }
        let description = try validator.capture { try WebhookEndpoint.validatedDescription(givenDescription) }
        let filter = try validator.capture { try EventTypeFilter(eventTypes) }
        let rate = try rateLimitPerMinute.flatMap { value in
            try validator.capture { try WebhookEndpoint.validatedRateLimit(value) }
        }
        try validator.check()
        guard let url, let filter else { throw TenantryError(.internalError, "Validation passed without values.") }
        return .init(url: url, description: description ?? nil, filter: filter, enabled: enabled, rateLimitPerMinute: rate)
    }

    func validate(_ body: UpdateWebhookEndpointRequest) throws -> WebhookEndpointService.Change {
        var validator = Validator()
        var change = WebhookEndpointService.Change(enabled: body.enabled)
        if let url = body.url { change.url = try validator.capture { try service.egress.validatedURL(url) } }
        if let given = body.description {
            change.description = .some(try validator.capture { try WebhookEndpoint.validatedDescription(given) } ?? nil)
        }
        if let types = body.eventTypes { change.filter = try validator.capture { try EventTypeFilter(types) } }
        if let given = body.rateLimitPerMinute {
            change.rateLimitPerMinute = .some(
                try given.flatMap { value in try validator.capture { try WebhookEndpoint.validatedRateLimit(value) } })
        }
        try validator.check()
        return change
    }
}

struct CreateWebhookEndpointRequest: Decodable {
    let url: String
    @NotNull var description: String?
    @NotNull var eventTypes: [String]?
    @NotNull var enabled: Bool?
    var rateLimitPerMinute: Int?
}

struct UpdateWebhookEndpointRequest: Decodable {
    let url: String?
    /// Absent: leave as is; `null`: clear; a string: set.
    let description: String??
    let eventTypes: [String]?
    let enabled: Bool?
    /// Absent: leave as is; `null`: no limit of its own; a number: set.
    let rateLimitPerMinute: Int??

    enum CodingKeys: String, CodingKey {
        case url, description, eventTypes, enabled, rateLimitPerMinute
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        url = try container.decodeIfGiven(String.self, forKey: .url)
        description = try container.decodeUpdate(String.self, forKey: .description)
        eventTypes = try container.decodeIfGiven([String].self, forKey: .eventTypes)
        enabled = try container.decodeIfGiven(Bool.self, forKey: .enabled)
        rateLimitPerMinute = try container.decodeUpdate(Int.self, forKey: .rateLimitPerMinute)
    }
}

/// An endpoint as listed: never its secret.
struct WebhookEndpointBody: ResponseEncodable {
    let id: String
    let url: String
    let description: String?
    let eventTypes: [String]
    let enabled: Bool
    let disabledReason: String?
    let rateLimitPerMinute: Int?
    let failingSince: Date?
    let createdAt: Date
    let updatedAt: Date

    init(_ endpoint: WebhookEndpoint) {
        id = endpoint.id.description
        url = endpoint.url.absoluteString
        description = endpoint.description
        eventTypes = endpoint.filter.patterns
        enabled = endpoint.enabled
        disabledReason = endpoint.disabledReason
        rateLimitPerMinute = endpoint.rateLimitPerMinute
        failingSince = endpoint.failingSince
        createdAt = endpoint.createdAt
        updatedAt = endpoint.updatedAt
    }
}

struct WebhookEndpointPage: ResponseEncodable {
    let items: [WebhookEndpointBody]
    let nextCursor: String?
}

struct CreatedWebhookEndpointBody: ResponseEncodable {
    let endpoint: WebhookEndpointBody
    /// The signing secret, shown this once.
    let secret: String
}

struct RotatedWebhookSecretBody: ResponseEncodable {
    let secret: String
    let previousSecretExpiresAt: Date
}
