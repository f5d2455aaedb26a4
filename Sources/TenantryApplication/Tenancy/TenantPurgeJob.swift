import Foundation
public import TenantryCore

/// Purges tenants whose deletion grace period ended (queue `tenant_purge`; payload
/// `{"tenant_id": "…"}`). `DELETE /api/v1/tenant` queues the job to run at the tenant's
/// `purge_after`. When it runs, it purges only a tenant still pending deletion and due: one
/// that was restored (or deleted again later) is left alone, so the job is safe to run twice.
public struct TenantPurgeJob: JobHandler {
    let database: any DataStore

    /// Creates the handler.
    public init(database: any DataStore) {
        self.database = database
    }

    public var queue: String { TenantPurgeOrder.queue }

    public func handle(payload: String) async throws {
        guard let job = try? JSONDecoder().decode(TenantPurgeOrder.self, from: Data(payload.utf8)) else {
            throw JobFailure(permanent: true, reason: "unreadable tenant purge payload")
        }
        let now = Date()
        try await database.withPlatform { scope in
            // A restore running now finishes first, or waits for the purge and finds no tenant.
            try await scope.tenants.lock(id: job.tenantID)
            guard let profile = try await scope.tenants.profile(id: job.tenantID), profile.tenant.status == .pendingDeletion,
                let due = profile.purgeAfter, due <= now
            else { return }
            let rows = try await scope.purge.run(job.tenantID)
            try await scope.global.platformAuditEvents.append(
                AuditEvent(
                    tenantID: job.tenantID, id: .generate(), occurredAt: now, actor: .system, action: "tenant.purged",
                    target: .init(type: "tenant", id: job.tenantID.description), origin: .none,
                    changes: [
                        "status": .init(before: Tenant.Status.pendingDeletion.rawValue, after: "purged"),
                        "rows_removed": .init(before: nil, after: String(rows)),
                        "slug": .init(before: profile.tenant.slug.rawValue, after: nil),
                    ]))
        }
    }

    public func redactedPayload(_ payload: String) -> String? { nil }
}
