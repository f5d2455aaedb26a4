public import Foundation
import SQLKit
public import TenantryCore

/// The operators' overview of the platform's health, read across every tenant (the platform
/// scope): tenants' creation times, failing webhook endpoints, and the job queues.
public struct SQLPlatformHealthRepository: PlatformHealthRepository {
    let sql: any SQLDatabase

    public func tenantCounts() async throws -> [(status: Tenant.Status, plan: String, count: Int)] {
        try await sql.raw(
            """
            SELECT status, plan_id, count(*) AS tenants FROM tenants WHERE status <> 'deleted'
            GROUP BY status, plan_id ORDER BY plan_id, status
            """
        ).all().map { row in
            (
                try row.enumeration("status", as: Tenant.Status.self), try row.decode(column: "plan_id", as: String.self),
                try row.decode(column: "tenants", as: Int.self)
            )
        }
    }

    public func tenantsCreated(since: Date, limit: Int) async throws -> [Date] {
        try await sql.raw(
            """
            SELECT created_at FROM tenants WHERE created_at >= \(bind: since) ORDER BY created_at LIMIT \(bind: limit)
            """
        ).all().map { row in try row.decode(column: "created_at", as: Date.self) }
    }

    public func failingWebhookEndpoints(limit: Int) async throws -> [FailingWebhookEndpoint] {
        try await sql.raw(
            """
            SELECT e.tenant_id, e.id, e.url, e.failing_since, e.enabled, t.name FROM webhook_endpoints e
            JOIN tenants t ON t.id = e.tenant_id
            WHERE t.status <> 'deleted' AND (e.failing_since IS NOT NULL OR (e.enabled = \(bind: false) AND e.disabled_reason IS NOT NULL))
            ORDER BY e.failing_since, e.tenant_id, e.id LIMIT \(bind: limit)
            """
        ).all().map { row in
            FailingWebhookEndpoint(
                tenantID: try row.identifier("tenant_id"), tenantName: try row.decode(column: "name", as: String.self),
                endpointID: try row.identifier("id"), url: try row.decode(column: "url", as: String.self),
                failingSince: try row.decode(column: "failing_since", as: Date?.self),
                disabled: !(try row.decode(column: "enabled", as: Bool.self)))
        }
    }

    public func jobQueues(now: Date, deadSince: Date) async throws -> [JobQueueHealth] {
        try await sql.raw(
            """
            SELECT queue,
                sum(CASE WHEN (status = 'pending' AND run_at <= \(bind: now))
                    OR (status = 'running' AND locked_until < \(bind: now)) THEN 1 ELSE 0 END) AS due,
                sum(CASE WHEN status = 'running' AND locked_until >= \(bind: now) THEN 1 ELSE 0 END) AS running,
                sum(CASE WHEN status = 'dead' THEN 1 ELSE 0 END) AS dead,
                min(CASE WHEN (status = 'pending' AND run_at <= \(bind: now))
                    OR (status = 'running' AND locked_until < \(bind: now)) THEN run_at END) AS oldest
            FROM jobs
            WHERE status IN ('pending', 'running') OR (status = 'dead' AND updated_at >= \(bind: deadSince))
            GROUP BY queue ORDER BY queue
            """
        ).all().map { row in
            JobQueueHealth(
                queue: try row.decode(column: "queue", as: String.self), due: try row.decode(column: "due", as: Int.self),
                running: try row.decode(column: "running", as: Int.self), dead: try row.decode(column: "dead", as: Int.self),
                oldestDueAt: try row.decode(column: "oldest", as: Date?.self))
        }
    }
}
