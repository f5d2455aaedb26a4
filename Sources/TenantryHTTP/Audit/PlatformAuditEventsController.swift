import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/platform/audit-events*`: every tenant's audit log for operators (`support`), with
/// the tenant log's filters plus `tenant_id`, listed and exported exactly as the tenant log is.
/// `/api/v1/platform/platform-audit-events`: the platform's own trail (what operators did, and
/// the server's platform-wide changes), with the tenant log's filters.
/// Reading either is not recorded in the platform audit trail: that trail records operator
/// actions (changes), and reads change nothing; each request still has its access log line.
struct PlatformAuditEventsController: Sendable {
    let log: AuditLog

    func register(on routes: PlatformRoutes) {
        routes.on(.get, "/audit-events", .support) { request, _, _ in
            try await AuditEventsController.list(request, acrossTenants: true) { [log] filter, page in
                try await log.recordsAcrossTenants(filter, page: page)
            }
        }
        routes.on(.get, "/audit-events/export", .support) { request, _, _ in
            try await AuditEventsController.export(request, acrossTenants: true, filename: "platform-audit-events") {
                [log] filter, page in
                try await log.recordsAcrossTenants(filter, page: page)
            }
        }
        routes.on(.get, "/platform-audit-events", .support) { [log] request, _, _ in
            try await AuditEventsController.list(request, acrossTenants: false) { filter, page in
                try await log.platformRecords(filter, page: page)
            } write: { json, event in
                PlatformAuditEventBody.write(event, to: &json)
            }
        }
    }
}

/// An event of the platform's own trail as the API shows it: the tenant log's fields without
/// the tenant and the chain.
enum PlatformAuditEventBody {
    /// Writes the fields, in sorted key order.
    static func write(_ record: PlatformAuditRecord, to json: inout JSONWriter) {
        json.field("action", record.action)
        json.field("actor", record.actor) { actor, value in
            actor.field("id", value.id)
            actor.field("type", value.type)
        }
        json.field("changes", storedJSON: record.changes)
        json.field("id", record.id.description)
        json.field("ip", record.origin.ip)
        json.field("occurred_at", record.occurredAt)
        json.field("redacted_at", record.redactedAt.map { FastFormatting.timestamp($0) })
        json.field("request_id", record.origin.requestID)
        json.field("target", record.target) { target, value in
            target.field("id", value.id)
            target.field("type", value.type)
        }
        json.field("user_agent", record.origin.userAgent)
    }
}
