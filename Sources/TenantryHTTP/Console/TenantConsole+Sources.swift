import Foundation
import HTTPTypes
import Hummingbird
import TenantryApplication
import TenantryCore

/// The tenant console's inbound webhook sources: create one (its secret and receiving URL shown
/// once), see its receipts and its counts of accepted and refused deliveries, delete it.
extension TenantConsole {
    func registerSources(on routes: ConsoleRoutes) {
        let controller = WebhookSourcesController(service: useCases.webhookSources, publicURL: dependencies.publicURL)
        routes.get("/webhook-sources", mirrors: .get("/api/v1/webhook-sources")) { console in try await sources(console) }
        routes.post("/webhook-sources", mirrors: .post("/api/v1/webhook-sources")) { console in
            let access = try console.tenantAccess()
            do {
                // The form's fields, read as the API reads its JSON body.
                var body: [String: Any] = [
                    "name": console.form.text("name") ?? "", "scheme": console.form.text("scheme") ?? "",
                ]
                for (field, key) in [("signature_header", "signature_header"), ("secret", "secret")] {
                    if let value = console.form.text(field) { body[key] = value }
                }
                let given = try Request.decodeFields(CreateWebhookSourceRequest.self, body)
                let (source, secret) = try await useCases.webhookSources.create(
                    access, try controller.validate(given), origin: console.origin)
                var response = try await sources(
                    console,
                    created: [
                        "name": source.name, "secret": secret,
                        "url": controller.body(source).receivingUrl, "id": source.id.description,
                    ], status: .created)
                response.headers[.cacheControl] = "no-store"
                return response
            } catch {
                return try await refused(error, console) { message, status in
                    try await sources(console, error: message, status: status)
                }
            }
        }
        routes.get("/webhook-sources/{id}", mirrors: .get("/api/v1/webhook-sources/{id}/receipts")) { console in
            try await source(console, controller: controller)
        }
        routes.post("/webhook-sources/{id}/delete", mirrors: .delete("/api/v1/webhook-sources/{id}")) { console in
            let id: WebhookSourceID = try console.context.identifier("id", notFound: WebhookSourceService.noSuchSource)
            try await useCases.webhookSources.delete(try console.tenantAccess(), id: id, origin: console.origin)
            return ConsoleView.redirect("/console/webhook-sources?notice=source_deleted")
        }
    }

    private func sources(
        _ console: ConsoleRequest, created: [String: String]? = nil, error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let access = try console.tenantAccess()
        let language = console.language
        let result = try await useCases.webhookSources.list(access, page: try console.pageRequest())
        var values: [String: Any] = [
            "sources": result.items.map { source -> [String: Any] in
                [
                    "id": source.id.description, "name": source.name, "scheme": source.scheme.name,
                    "received": ConsoleFormat.integer(source.receivedTotal, language),
                    "rejected": ConsoleFormat.integer(source.rejectedTotal, language),
                ]
            },
            "hasSources": !result.items.isEmpty,
        ]
        if access.permissions.contains(.webhooksManage) { values["canManage"] = true }
        if let created { values["created"] = created }
        if let cursor = result.nextCursor { values["next"] = "/console/webhook-sources?cursor=\(FormEncoding.escape(cursor))" }
        return page(console, "webhook-sources", title: "sources.title", values: values, error: error, status: status)
    }

    private func source(_ console: ConsoleRequest, controller: WebhookSourcesController) async throws -> Response {
        let access = try console.tenantAccess()
        let language = console.language
        let id: WebhookSourceID = try console.context.identifier("id", notFound: WebhookSourceService.noSuchSource)
        let source = try await useCases.webhookSources.get(access, id: id)
        let receipts = try await useCases.webhookSources.receipts(access, id: id, page: try console.pageRequest())
        var values: [String: Any] = [
            "id": source.id.description, "name": source.name, "scheme": source.scheme.name,
            "url": controller.body(source).receivingUrl,
            "received": ConsoleFormat.integer(source.receivedTotal, language),
            "rejected": ConsoleFormat.integer(source.rejectedTotal, language),
            "lastRejection": source.lastRejection ?? "",
            "receipts": receipts.items.map { receipt -> [String: Any] in
                [
                    "id": receipt.id.description, "messageID": receipt.messageID, "eventType": receipt.eventType ?? "",
                    "at": ConsoleFormat.dateTime(receipt.receivedAt, language),
                ]
            },
            "hasReceipts": !receipts.items.isEmpty,
        ]
        if access.permissions.contains(.webhooksManage) { values["canManage"] = true }
        return page(console, "webhook-source", title: "sources.source_title", values: values)
    }
}
