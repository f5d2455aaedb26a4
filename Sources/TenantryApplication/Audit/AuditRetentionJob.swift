public import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Removes audit events older than their tenant's retention (queue `audit_retention`). The
/// payload `{}` sweeps every tenant that has events; `{"tenant_id": "<id>"}` purges one. Each
/// tenant is purged in its own transaction, which also records an `audit_events.purged` event
/// in the tenant's chain. Safe to run twice: a second run finds nothing more to remove.
public struct AuditRetentionJob: JobHandler {
    /// The queue name.
    public static let queueName = "audit_retention"

    struct Payload: Codable {
        var tenantId: String?

        enum CodingKeys: String, CodingKey {
            case tenantId = "tenant_id"
        }
    }

    let database: any DataStore
    let retention: any AuditRetentionSource
    let logger: Logger
    let now: @Sendable () -> Date

    /// Creates the handler; `retention` says how long each tenant's events are kept.
    public init(
        database: any DataStore,
        retention: any AuditRetentionSource,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.retention = retention
        self.logger = logger
        self.now = now
    }

    public var queue: String { Self.queueName }

    public func handle(payload: String) async throws {
        let request: Payload
        do {
            request = try JSONDecoder().decode(Payload.self, from: Data(payload.utf8))
        } catch {
            throw JobFailure(permanent: true, reason: "unreadable audit retention payload")
        }
        let tenants: [TenantID]
        if let text = request.tenantId {
            guard let tenant = TenantID(text) else {
                throw JobFailure(permanent: true, reason: "audit retention payload names no tenant id")
            }
            tenants = [tenant]
        } else {
            tenants = try await database.withPlatform { scope in try await scope.tenantAuditEvents.tenantIDs() }
        }
        // One tenant that cannot be swept does not hold up the others; the job is retried
        // with the first failure, and tenants already swept have nothing left to remove.
        var failure: (any Error)?
        for tenant in tenants {
            do {
                try await purge(tenant)
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }

    /// Purges one tenant; returns how many events were removed.
    @discardableResult
    public func purge(_ tenant: TenantID) async throws -> Int {
        let now = self.now()
        guard let cutoff = try await retention.cutoff(for: tenant, now: now) else { return 0 }
        let removed = try await database.withTenant(tenant) { scope in
            let removed = try await scope.auditEvents.purge(before: cutoff, now: now)
            guard removed > 0 else { return 0 }
            let anchor = try await scope.auditEvents.chainHead()?.anchorSequence ?? 0
            try await scope.record(
                DomainEvent(
                    tenantID: tenant, type: .auditEventsPurged, occurredAt: now, actor: .system,
                    target: AuditEvent.Target(type: "tenant", id: tenant.description), origin: .none,
                    changes: [
                        "removed": .init(before: nil, after: String(removed)),
                        "anchor_sequence": .init(before: nil, after: String(anchor)),
                        "before": .init(before: nil, after: FastFormatting.timestamp(cutoff)),
                    ]))
            return removed
        }
        if removed > 0 {
            logger.info(
                "audit events purged",
                metadata: ["tenant.id": "\(tenant)", "audit.removed": "\(removed)", "audit.before": "\(cutoff)"])
        }
        return removed
    }

    public func redactedPayload(_ payload: String) -> String? { nil }
}

/// Queues an audit retention sweep at start-up and then every `interval`, unless one is
/// already waiting or running (several nodes may both queue one; a sweep is idempotent).
public struct AuditRetentionSchedule: Service {
    let schedule: JobSchedule

    /// Creates the schedule.
    public init(database: any DataStore, interval: Duration, logger: Logger) {
        schedule = JobSchedule(
            name: "audit retention schedule", queue: AuditRetentionJob.queueName, database: database, interval: interval,
            runsAtStart: true, failureMessage: "could not queue the audit retention sweep", logger: logger)
    }

    public func run() async {
        await schedule.run()
    }

    /// Queues one sweep unless one is pending or running; returns whether it queued one.
    @discardableResult
    public func enqueueSweep() async throws -> Bool {
        try await schedule.enqueue()
    }
}
