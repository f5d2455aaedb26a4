import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/webhook-messages*` and the recovery routes of `/api/v1/webhook-endpoints/{id}`:
/// the delivery log (messages, their attempts, an endpoint's figures), sending again, and test
/// messages.
struct WebhookMessagesController: Sendable {
    let service: WebhookMessageService

    func register(on routes: TenantRoutes) {
        routes.on(.get, "/webhook-messages", .webhooksRead, module: .webhooks) { request, context in
            var validator = Validator()
            let (filter, matchesNone) = Self.filter(request, validator: &validator)
            let page = try request.pageRequest()
            try validator.check()
            let result =
                matchesNone
                ? Page(items: [], nextCursor: nil) : try await service.list(context.access, filter: filter, page: page)
            return try WebhookMessagePage(items: result.items.map(WebhookMessageBody.init), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.get, "/webhook-messages/{id}", .webhooksRead, module: .webhooks) { request, context in
            try WebhookMessageBody(try await service.get(context.access, id: try Self.messageID(context)))
                .response(from: request, context: context)
        }
        routes.on(.get, "/webhook-messages/{id}/attempts", .webhooksRead, module: .webhooks) { request, context in
            let result = try await service.attempts(
                context.access, id: try Self.messageID(context), page: try request.pageRequest())
            return try WebhookAttemptPage(items: result.items.map(WebhookAttemptBody.init), nextCursor: result.nextCursor)
                .response(from: request, context: context)
        }
        routes.on(.post, "/webhook-messages/{id}/resend", .webhooksManage, module: .webhooks) { request, context in
            let message = try await service.resend(context.access, id: try Self.messageID(context))
            var response = try WebhookMessageBody(message).response(from: request, context: context)
            response.status = .accepted
            return response
        }
        routes.on(.post, "/webhook-endpoints/{id}/recover", .webhooksManage, module: .webhooks) { request, context in
            let id = try WebhookEndpointsController.endpointID(context)
            let body = try await request.decodeJSON(as: RecoverWebhookMessagesRequest.self, context: context.base)
            let count = try await service.recover(context.access, endpointID: id) {
                var validator = Validator()
                guard let text = body.since else {
                    throw Validator.fail(
                        "since", "required", "since is required: failed messages made since then are sent again.")
                }
                let since = validator.timestamp(text, field: "since")
                if let since, since > Date() { validator.add("since", "out_of_range", "since must not be in the future.") }
                try validator.check()
                return since ?? Date()
            }
            var response = try RecoveredWebhookMessagesBody(requeued: count).response(from: request, context: context)
            response.status = .accepted
            return response
        }
        routes.on(.post, "/webhook-endpoints/{id}/test", .webhooksManage, module: .webhooks) { request, context in
            let message = try await service.sendTest(
                context.access, endpointID: try WebhookEndpointsController.endpointID(context))
            var response = try WebhookMessageBody(message).response(from: request, context: context)
            response.status = .accepted
            return response
        }
        routes.on(.get, "/webhook-endpoints/{id}/stats", .webhooksRead, module: .webhooks) { request, context in
            let figures = try await service.statistics(
                context.access, endpointID: try WebhookEndpointsController.endpointID(context))
            return try WebhookEndpointStatisticsBody(figures).response(from: request, context: context)
        }
    }

    /// The `{id}` path parameter; a malformed id names no message (404).
    static func messageID(_ context: TenantRequestContext) throws -> WebhookMessageID {
        try context.identifier("id", notFound: WebhookMessageService.noSuchMessage)
    }

    /// The list's filters from the query; bad values are collected in `validator`. `matchesNone`
    /// when the event type is well formed but not in the catalogue: no message has it.
    static func filter(_ request: Request, validator: inout Validator) -> (WebhookMessageFilter, matchesNone: Bool) {
        var matchesNone = false
        let query = request.uri.queryParameters
        var filter = WebhookMessageFilter()
        if let text = query["endpoint_id"].map(String.init) {
            filter.endpointID = WebhookEndpointID(text)
            if filter.endpointID == nil { validator.add("endpoint_id", "invalid_value", "endpoint_id is an endpoint's id.") }
        }
        if let text = query["event_type"].map(String.init) {
            filter.eventType = EventType(rawValue: text)
            if filter.eventType == nil {
                let parts = text.split(separator: ".", omittingEmptySubsequences: false)
                if parts.count >= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 == "_" || ("a"..."z").contains($0) } })
                {
                    matchesNone = true
                } else {
                    validator.add("event_type", "invalid_format", "event_type is an event type's name, e.g. member.added.")
                }
            }
        }
        if let text = query["status"].map(String.init) {
            filter.status = WebhookMessage.Status(rawValue: text)
            if filter.status == nil { validator.add("status", "invalid_value", "status is pending, delivered or failed.") }
        }
        if let text = query["since"].map(String.init) { filter.since = validator.timestamp(text, field: "since") }
        if let text = query["until"].map(String.init) { filter.until = validator.timestamp(text, field: "until") }
        if let since = filter.since, let until = filter.until, until < since {
            validator.add("until", "out_of_range", "until must not be before since.")
        }
        return (filter, matchesNone)
    }
}

struct RecoverWebhookMessagesRequest: Decodable, Sendable {
    /// Required; checked once the endpoint is found (so another tenant's id is 404).
    let since: String?
}

/// A message as the delivery log shows it: its state and the body that is sent.
struct WebhookMessageBody: ResponseEncodable {
    let id: String
    /// The `webhook-id` header of every attempt.
    let webhookId: String
    let endpointId: String
    let eventId: String
    let eventType: String
    let status: String
    let attempts: Int
    let nextAttemptAt: Date?
    let createdAt: Date
    /// The body as sent, as JSON.
    let payload: JSONValue

    init(_ message: WebhookMessage) {
        id = message.id.description
        webhookId = message.webhookID
        endpointId = message.endpointID.description
        eventId = message.eventID.description
        eventType = message.eventType.rawValue
        status = message.status.rawValue
        attempts = message.attempts
        nextAttemptAt = message.nextAttemptAt
        createdAt = message.createdAt
        payload = (try? JSONDecoder().decode(JSONValue.self, from: Data(message.body.utf8))) ?? .string(message.body)
    }
}

struct WebhookMessagePage: ResponseEncodable {
    let items: [WebhookMessageBody]
    let nextCursor: String?
}

struct WebhookAttemptBody: ResponseEncodable {
    let id: String
    let attemptedAt: Date
    let durationMs: Int
    let statusCode: Int?
    let responseBody: String?
    let errorKind: String?

    init(_ attempt: WebhookAttempt) {
        id = attempt.id.description
        attemptedAt = attempt.attemptedAt
        durationMs = attempt.durationMilliseconds
        statusCode = attempt.statusCode
        responseBody = attempt.responseBody
        errorKind = attempt.errorKind
    }
}

struct WebhookAttemptPage: ResponseEncodable {
    let items: [WebhookAttemptBody]
    let nextCursor: String?
}

struct RecoveredWebhookMessagesBody: ResponseEncodable {
    /// How many failed messages are pending again.
    let requeued: Int
}

struct WebhookEndpointStatisticsBody: ResponseEncodable {
    let attempts: Int
    let successfulAttempts: Int
    let successRate: Double?
    let messages: Messages
    let lastAttemptAt: Date?
    let lastSuccessAt: Date?

    struct Messages: Encodable {
        let pending: Int
        let delivered: Int
        let failed: Int
    }

    init(_ figures: WebhookEndpointStatistics) {
        attempts = figures.attempts
        successfulAttempts = figures.successfulAttempts
        successRate = figures.successRate
        messages = Messages(pending: figures.pending, delivered: figures.delivered, failed: figures.failed)
        lastAttemptAt = figures.lastAttemptAt
        lastSuccessAt = figures.lastSuccessAt
    }
}
