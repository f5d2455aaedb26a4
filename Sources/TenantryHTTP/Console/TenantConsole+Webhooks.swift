import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// The tenant console's webhooks: endpoints (create, with the signing secret shown once;
/// enable, disable, rotate the secret, delete), each endpoint's figures and messages, a
/// message's attempts, resending a message, recovering failed messages, and the test event.
extension TenantConsole {
    func registerWebhooks(on routes: ConsoleRoutes) {
        let endpoints = WebhookEndpointsController(service: useCases.webhookEndpoints)
        routes.get("/webhooks", mirrors: .get("/api/v1/webhook-endpoints")) { console in try await webhooks(console) }
        routes.post("/webhooks", mirrors: .post("/api/v1/webhook-endpoints")) { console in
            let access = try console.tenantAccess()
            do {
                let types = (console.form.text("event_types") ?? "").split { $0 == "," || $0 == " " || $0 == "\n" }
                    .map(String.init)
                let new = try endpoints.validate(
                    url: console.form.text("url") ?? "", description: console.form.text("description"), eventTypes: types,
                    enabled: true, rateLimitPerMinute: nil)
                let (endpoint, secret) = try await useCases.webhookEndpoints.create(access, new, origin: console.origin)
                var response = try await webhooks(
                    console, created: ["url": endpoint.url.absoluteString, "secret": secret.text, "id": endpoint.id.description],
                    status: .created)
                response.headers[.cacheControl] = "no-store"
                return response
            } catch {
                return try await refused(error, console) { message, status in
                    try await webhooks(console, error: message, status: status)
                }
            }
        }
        routes.get("/webhooks/{id}", mirrors: .get("/api/v1/webhook-endpoints/{id}")) { console in
            try await webhook(console)
        }
        routes.post("/webhooks/{id}/test", mirrors: .post("/api/v1/webhook-endpoints/{id}/test")) { console in
            let id = try Self.endpointID(console)
            do {
                _ = try await useCases.webhookMessages.sendTest(try console.tenantAccess(), endpointID: id)
                return ConsoleView.redirect("/console/webhooks/\(id)?notice=test_sent")
            } catch {
                return try await refused(error, console) { message, status in
                    try await webhook(console, error: message, status: status)
                }
            }
        }
        routes.post("/webhooks/{id}/enabled", mirrors: .patch("/api/v1/webhook-endpoints/{id}")) { console in
            let id = try Self.endpointID(console)
            let enabled = console.form["enabled"] == "true"
            _ = try await useCases.webhookEndpoints.update(
                try console.tenantAccess(), id: id, .init(enabled: enabled), origin: console.origin)
            return ConsoleView.redirect("/console/webhooks/\(id)?notice=\(enabled ? "endpoint_enabled" : "endpoint_disabled")")
        }
        routes.post("/webhooks/{id}/rotate-secret", mirrors: .post("/api/v1/webhook-endpoints/{id}/rotate-secret")) {
            console in
            let id = try Self.endpointID(console)
            let (secret, until) = try await useCases.webhookEndpoints.rotateSecret(
                try console.tenantAccess(), id: id, origin: console.origin)
            var response = try await webhook(
                console,
                values: [
                    "rotated": [
                        "secret": secret.text,
                        "until": ConsoleFormat.dateTime(until, console.language),
                    ]
                ])
            response.headers[.cacheControl] = "no-store"
            return response
        }
        routes.post("/webhooks/{id}/recover", mirrors: .post("/api/v1/webhook-endpoints/{id}/recover")) { console in
            let id = try Self.endpointID(console)
            do {
                let hours = Int(console.form.text("hours") ?? "") ?? 0
                guard (1...720).contains(hours) else {
                    throw Validator.fail("hours", "out_of_range", "Recover failed messages of the last 1 to 720 hours.")
                }
                let since = Date().addingTimeInterval(-Double(hours) * 3600)
                let count = try await useCases.webhookMessages.recover(try console.tenantAccess(), endpointID: id) { since }
                return ConsoleView.redirect("/console/webhooks/\(id)?notice=recovered&count=\(count)")
            } catch {
                return try await refused(error, console) { message, status in
                    try await webhook(console, error: message, status: status)
                }
            }
        }
        routes.post("/webhooks/{id}/delete", mirrors: .delete("/api/v1/webhook-endpoints/{id}")) { console in
            try await useCases.webhookEndpoints.delete(
                try console.tenantAccess(), id: try Self.endpointID(console), origin: console.origin)
            return ConsoleView.redirect("/console/webhooks?notice=endpoint_deleted")
        }
        routes.get("/webhook-messages/{id}", mirrors: .get("/api/v1/webhook-messages/{id}/attempts")) { console in
            try await webhookMessage(console)
        }
        routes.post("/webhook-messages/{id}/resend", mirrors: .post("/api/v1/webhook-messages/{id}/resend")) { console in
            let id: WebhookMessageID = try console.context.identifier("id", notFound: WebhookMessageService.noSuchMessage)
            let message = try await useCases.webhookMessages.resend(try console.tenantAccess(), id: id)
            return ConsoleView.redirect("/console/webhooks/\(message.endpointID)?notice=resent")
        }
    }

    static func endpointID(_ console: ConsoleRequest) throws -> WebhookEndpointID {
        try console.context.identifier("id", notFound: WebhookEndpointService.noSuchEndpoint)
    }

    private func webhooks(
        _ console: ConsoleRequest, created: [String: String]? = nil, error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let access = try console.tenantAccess()
        let language = console.language
        let result = try await useCases.webhookEndpoints.list(access, page: try console.pageRequest())
        let rows: [[String: Any]] = result.items.map { endpoint in
            var row: [String: Any] = [
                "id": endpoint.id.description,
                "url": endpoint.url.absoluteString,
                "description": endpoint.description ?? "",
                "events": endpoint.filter.patterns.isEmpty
                    ? text(console, "webhooks.all_events") : endpoint.filter.patterns.joined(separator: ", "),
                "state": endpoint.enabled ? "enabled" : "disabled",
                "stateLabel": text(console, endpoint.enabled ? "webhooks.enabled" : "webhooks.disabled"),
            ]
            if let since = endpoint.failingSince {
                row["failingSince"] = ConsoleFormat.dateTime(since, language)
            }
            return row
        }
        var values: [String: Any] = ["endpoints": rows]
        if access.permissions.contains(.webhooksManage) { values["canManage"] = true }
        if let created { values["created"] = created }
        if let cursor = result.nextCursor { values["next"] = "/console/webhooks?cursor=\(FormEncoding.escape(cursor))" }
        return page(console, "webhooks", title: "webhooks.title", values: values, error: error, status: status)
    }

    private func webhook(
        _ console: ConsoleRequest, values extra: [String: Any] = [:], error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let access = try console.tenantAccess()
        let language = console.language
        let id = try Self.endpointID(console)
        let endpoint = try await useCases.webhookEndpoints.get(access, id: id)
        let figures = try await useCases.webhookMessages.statistics(access, endpointID: id)
        var filter = WebhookMessageFilter()
        filter.endpointID = id
        let messages = try await useCases.webhookMessages.list(access, filter: filter, page: PageRequest(limit: 50))
        let canManage = access.permissions.contains(.webhooksManage)
        var values = extra
        values["id"] = endpoint.id.description
        values["url"] = endpoint.url.absoluteString
        values["description"] = endpoint.description ?? ""
        values["enabled"] = endpoint.enabled
        values["stateLabel"] = text(console, endpoint.enabled ? "webhooks.enabled" : "webhooks.disabled")
        if let reason = endpoint.disabledReason { values["disabledReason"] = reason }
        values["figures"] = [
            ["label": text(console, "webhooks.figures.delivered"), "value": ConsoleFormat.integer(figures.delivered, language)],
            ["label": text(console, "webhooks.figures.pending"), "value": ConsoleFormat.integer(figures.pending, language)],
            ["label": text(console, "webhooks.figures.failed"), "value": ConsoleFormat.integer(figures.failed, language)],
            ["label": text(console, "webhooks.figures.attempts"), "value": ConsoleFormat.integer(figures.attempts, language)],
        ]
        values["chart"] = ConsoleChart.bars(
            title: text(console, "webhooks.chart_title"),
            bars: [
                (text(console, "webhooks.figures.delivered"), figures.delivered, "ok"),
                (text(console, "webhooks.figures.pending"), figures.pending, "wait"),
                (text(console, "webhooks.figures.failed"), figures.failed, "bad"),
            ], language: language)
        values["messages"] = messages.items.map { message -> [String: Any] in
            var row: [String: Any] = [
                "id": message.id.description,
                "eventType": message.eventType.rawValue,
                "status": message.status.rawValue,
                "statusLabel": text(console, "webhooks.status.\(message.status.rawValue)"),
                "attempts": ConsoleFormat.integer(message.attempts, language),
                "created": ConsoleFormat.dateTime(message.createdAt, language),
            ]
            if canManage && message.status != .pending { row["resendable"] = true }
            return row
        }
        values["hasMessages"] = !messages.items.isEmpty
        if canManage { values["canManage"] = true }
        if console.query("notice") == "recovered", let count = console.query("count").flatMap(Int.init) {
            // The recovery's notice says how many messages go out again.
            values["recovered"] = strings.plural(language, "webhooks.recovered", count: count)
        }
        return page(console, "webhook", title: "webhooks.endpoint_title", values: values, error: error, status: status)
    }

    private func webhookMessage(_ console: ConsoleRequest) async throws -> Response {
        let access = try console.tenantAccess()
        let language = console.language
        let id: WebhookMessageID = try console.context.identifier("id", notFound: WebhookMessageService.noSuchMessage)
        let message = try await useCases.webhookMessages.get(access, id: id)
        let attempts = try await useCases.webhookMessages.attempts(access, id: id, page: PageRequest(limit: 50))
        let values: [String: Any] = [
            "id": message.id.description,
            "endpointID": message.endpointID.description,
            "eventType": message.eventType.rawValue,
            "statusLabel": text(console, "webhooks.status.\(message.status.rawValue)"),
            "body": message.body,
            "attempts": attempts.items.map { attempt -> [String: Any] in
                [
                    "at": ConsoleFormat.dateTime(attempt.attemptedAt, language),
                    "status": attempt.statusCode.map(String.init) ?? (attempt.errorKind ?? "—"),
                    "duration": ConsoleFormat.integer(attempt.durationMilliseconds, language),
                    "response": String((attempt.responseBody ?? "").prefix(500)),
                ]
            },
            "hasAttempts": !attempts.items.isEmpty,
        ]
        return page(console, "webhook-message", title: "webhooks.message_title", values: values)
    }
}
