import Foundation
import Hummingbird
import NIOCore
import TenantryApplication
import TenantryCore

/// `/api/v1/webhook-sources*`: a tenant's inbound webhook sources, and the receiving route
/// `POST /api/v1/webhook-sources/{id}/receive`, which takes no bearer: the signature is the
/// authentication. A secret appears only in the answers to creation and rotation
/// (`Cache-Control: no-store`).
struct WebhookSourcesController: Sendable {
    let service: WebhookSourceService
    /// The public base URL, for each source's receiving URL.
    let publicURL: String

    func register(on routes: TenantRoutes, receiving: RouterGroup<AppRequestContext>) {
        routes.on(.get, "/webhook-sources", .webhooksRead, module: .webhooks) { request, context in
            let result = try await service.list(context.access, page: try request.pageRequest())
            return try WebhookSourcePage(items: result.items.map(body), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.post, "/webhook-sources", .webhooksManage, module: .webhooks) { request, context in
            let given = try await request.decodeJSON(as: CreateWebhookSourceRequest.self, context: context.base)
            let (source, secret) = try await service.create(
                context.access, try validate(given), origin: context.origin(of: request))
            var response = try CreatedWebhookSourceBody(source: body(source), secret: secret)
                .response(from: request, context: context)
            response.status = .created
            response.headers[.cacheControl] = "no-store"
            return response
        }
        routes.on(.get, "/webhook-sources/{id}", .webhooksRead, module: .webhooks) { request, context in
            try body(try await service.get(context.access, id: try Self.sourceID(context)))
                .response(from: request, context: context)
        }
        routes.on(.patch, "/webhook-sources/{id}", .webhooksManage, module: .webhooks) { request, context in
            let id = try Self.sourceID(context)
            let given = try await request.decodeJSON(as: UpdateWebhookSourceRequest.self, context: context.base)
            let current = try await service.get(context.access, id: id)
            let source = try await service.update(
                context.access, id: id, try validate(given, current: current), origin: context.origin(of: request))
            return try body(source).response(from: request, context: context)
        }
        routes.on(.delete, "/webhook-sources/{id}", .webhooksManage, module: .webhooks) { request, context in
            try await service.delete(context.access, id: try Self.sourceID(context), origin: context.origin(of: request))
            return Response(status: .noContent)
        }
        routes.on(.post, "/webhook-sources/{id}/rotate-secret", .webhooksManage, module: .webhooks) { request, context in
            let id = try Self.sourceID(context)
            let given = try await request.decodeJSONIfPresent(as: RotateWebhookSourceSecretRequest.self, context: context.base)
            let (secret, until) = try await service.rotateSecret(
                context.access, id: id, secret: given?.secret, origin: context.origin(of: request))
            var response = try RotatedWebhookSecretBody(secret: secret, previousSecretExpiresAt: until)
                .response(from: request, context: context)
            // Documented as RotatedWebhookSourceSecret: the sender's secret need not be whsec_.
            response.headers[.cacheControl] = "no-store"
            return response
        }
        routes.on(.get, "/webhook-sources/{id}/receipts", .webhooksRead, module: .webhooks) { request, context in
            let result = try await service.receipts(
                context.access, id: try Self.sourceID(context), page: try request.pageRequest())
            return try WebhookReceiptPage(items: result.items.map(WebhookReceiptBody.init), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        receiving.post("/webhook-sources/{id}/receive") { request, context in
            try await receive(request, context)
        }
    }

    /// Receives one delivery: the source must exist and be usable (404 otherwise), the body is
    /// read up to ``WebhookSource/maximumBody`` (413 beyond, counted), then verified and stored.
    func receive(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(WebhookSourceID.init) else {
            throw WebhookSourceService.noSuchSource
        }
        let receiving = try await service.receivingSource(id)
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(limit: WebhookSource.maximumBody)
        } catch let error as TenantryError where error.code == .payloadTooLarge {
            try await service.refuse(receiving.source, error)
            throw error
        }
        let reception = try await service.receive(
            receiving, headers: request.headers.firstValuesByLowercasedName, body: Array(buffer.readableBytesView))
        return try WebhookReceptionBody(received: true, duplicate: reception.duplicate).response(from: request, context: context)
    }

    /// The `{id}` path parameter; a malformed id names no source (404).
    static func sourceID(_ context: TenantRequestContext) throws -> WebhookSourceID {
        try context.identifier("id", notFound: WebhookSourceService.noSuchSource)
    }

    func body(_ source: WebhookSource) -> WebhookSourceBody {
        WebhookSourceBody(source, receivingURL: publicURL + "/api/v1/webhook-sources/\(source.id)/receive")
    }

    func validate(_ given: CreateWebhookSourceRequest) throws -> WebhookSourceService.NewSource {
        var validator = Validator()
        let name = try validator.capture { try WebhookSource.validatedName(given.name) }
        let scheme = Self.scheme(
            given.scheme, header: given.signatureHeader, encoding: given.signatureEncoding, idHeader: given.idHeader,
            validator: &validator)
        var secret: String?
        if let text = given.secret, let scheme {
            secret = try validator.capture { try WebhookSource.validatedSecret(text, for: scheme) }
        }
        try validator.check()
        guard let name, let scheme else { throw TenantryError(.internalError, "Validation passed without values.") }
        return .init(name: name, scheme: scheme, enabled: given.enabled ?? true, secret: secret)
    }

    func validate(_ given: UpdateWebhookSourceRequest, current: WebhookSource) throws -> WebhookSourceService.Change {
        var validator = Validator()
        var change = WebhookSourceService.Change(enabled: given.enabled)
        if let name = given.name { change.name = try validator.capture { try WebhookSource.validatedName(name) } }
        if given.signatureHeader != nil || given.signatureEncoding != nil || given.idHeader != nil {
            if let settings = current.scheme.hmacSettings {
                change.scheme = Self.scheme(
                    current.scheme.name, header: given.signatureHeader ?? settings.header,
                    encoding: given.signatureEncoding ?? settings.encoding.rawValue,
                    idHeader: given.idHeader ?? settings.idHeader, validator: &validator)
            } else {
                validator.add(
                    "signature_header", "not_applicable", "Only plain HMAC sources name their signature and id headers.")
            }
        }
        try validator.check()
        return change
    }

    /// A scheme from its request fields; problems are collected in `validator`.
    static func scheme(
        _ name: String, header: String?, encoding: String?, idHeader: String?, validator: inout Validator
    ) -> InboundScheme? {
        switch name {
        case "standard_webhooks", "stripe":
            if header != nil || idHeader != nil || encoding != nil {
                validator.add("signature_header", "not_applicable", "Only plain HMAC sources name their headers.")
                return nil
            }
            return name == "stripe" ? .stripe : .standardWebhooks
        case "hmac_sha256", "hmac_sha512":
            guard let header else {
                validator.add("signature_header", "required", "A plain HMAC source names the header of its signature.")
                return nil
            }
            let checkedHeader = try? validator.capture { try WebhookSource.validatedHeader(header, field: "signature_header") }
            let checkedID = try? idHeader.flatMap { text in
                try validator.capture { try WebhookSource.validatedHeader(text, field: "id_header") }
            }
            let parsedEncoding = InboundScheme.HMACSettings.Encoding(rawValue: encoding ?? "hex")
            if parsedEncoding == nil {
                validator.add("signature_encoding", "invalid_value", "signature_encoding is hex or base64.")
            }
            guard let checkedHeader = checkedHeader ?? nil, let parsedEncoding else { return nil }
            return InboundScheme(name: name, header: checkedHeader, encoding: parsedEncoding.rawValue, idHeader: checkedID ?? nil)
        default:
            validator.add("scheme", "invalid_value", "scheme is standard_webhooks, stripe, hmac_sha256 or hmac_sha512.")
            return nil
        }
    }
}

struct CreateWebhookSourceRequest: Decodable {
    let name: String
    let scheme: String
    @NotNull var signatureHeader: String?
    @NotNull var signatureEncoding: String?
    @NotNull var idHeader: String?
    @NotNull var enabled: Bool?
    @NotNull var secret: String?
}

struct UpdateWebhookSourceRequest: Decodable {
    @NotNull var name: String?
    @NotNull var enabled: Bool?
    @NotNull var signatureHeader: String?
    @NotNull var signatureEncoding: String?
    @NotNull var idHeader: String?
}

struct RotateWebhookSourceSecretRequest: Decodable {
    @NotNull var secret: String?
}

/// A source as listed: never its secret.
struct WebhookSourceBody: ResponseEncodable {
    let id: String
    let name: String
    let scheme: String
    let signatureHeader: String?
    let signatureEncoding: String?
    let idHeader: String?
    let enabled: Bool
    /// Where the sender posts: no bearer, the signature authenticates.
    let receivingUrl: String
    let receivedTotal: Int
    let rejectedTotal: Int
    let lastReceivedAt: Date?
    let lastRejectedAt: Date?
    let lastRejection: String?
    let createdAt: Date
    let updatedAt: Date

    init(_ source: WebhookSource, receivingURL: String) {
        id = source.id.description
        name = source.name
        scheme = source.scheme.name
        signatureHeader = source.scheme.hmacSettings?.header
        signatureEncoding = source.scheme.hmacSettings?.encoding.rawValue
        idHeader = source.scheme.hmacSettings?.idHeader
        enabled = source.enabled
        receivingUrl = receivingURL
        receivedTotal = source.receivedTotal
        rejectedTotal = source.rejectedTotal
        lastReceivedAt = source.lastReceivedAt
        lastRejectedAt = source.lastRejectedAt
        lastRejection = source.lastRejection
        createdAt = source.createdAt
        updatedAt = source.updatedAt
    }
}

struct WebhookSourcePage: ResponseEncodable {
    let items: [WebhookSourceBody]
    let nextCursor: String?
}

struct CreatedWebhookSourceBody: ResponseEncodable {
    let source: WebhookSourceBody
    /// The secret, shown this once.
    let secret: String
}

struct WebhookReceiptBody: ResponseEncodable {
    let id: String
    let messageId: String
    let eventType: String?
    /// The body as received: UTF-8 text, or base64 (`body_encoding`) when it was not UTF-8.
    let body: String
    let bodyEncoding: String
    let receivedAt: Date

    init(_ receipt: WebhookReceipt) {
        id = receipt.id.description
        messageId = receipt.messageID
        eventType = receipt.eventType
        body = receipt.body
        bodyEncoding = receipt.bodyIsBase64 ? "base64" : "utf8"
        receivedAt = receipt.receivedAt
    }
}

struct WebhookReceiptPage: ResponseEncodable {
    let items: [WebhookReceiptBody]
    let nextCursor: String?
}

struct WebhookReceptionBody: ResponseEncodable {
    let received: Bool
    /// Whether the message id had arrived before (answered without processing it again).
    let duplicate: Bool
}
