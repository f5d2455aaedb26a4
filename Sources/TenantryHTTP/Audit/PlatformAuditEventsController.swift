import Foundation
import Hummingbird
import TenantryApplication
import TenantryCore

/// `/api/v1/platform/audit-events*`: every tenant's audit log for operators (`support`), with
/// the tenant log's filters plus `tenant_id`, listed and exported exactly as the tenant log is.
/// Reading it is not recorded in the platform audit trail: that trail records operator
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
    }
}
