public import Foundation
public import Logging
public import ServiceLifecycle
public import TenantryCore

/// Removes delivered and failed webhook messages, with their attempts, and inbound receipts,
/// once they are older than their tenant's retention (`webhook_retention_days` of its plan or
/// overrides; none keeps them). Pending messages are never removed, and receipts are kept at
/// least ``WebhookSource/deduplicationWindow`` so a duplicate is always recognised within it.
/// Each tenant is swept in its own transaction.
public struct WebhookRetention: Sendable {
    let database: any DataStore

    /// Creates the use case.
    public init(database: any DataStore) {
        self.database = database
    }

    /// Sweeps every tenant with settled messages or receipts; returns how many messages and
    /// receipts were removed.
    @discardableResult
    public func sweep(now: Date = Date()) async throws -> Int {
        let tenants = try await database.withPlatform { scope in
            Set(try await scope.webhookDelivery.tenantsWithSettledMessages(before: now)).union(
                try await scope.webhookSourceDirectory.tenantsWithReceipts(before: now))
        }
        var removed = 0
        for tenant in tenants {
            let days = try await database.readGlobal { scope in
                try await EntitlementDirectory.load(tenant, from: scope)
            }?.entitlements.allowance(.webhookRetentionDays)
            guard let days else { continue }
            let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
            let receiptCutoff = min(cutoff, now.addingTimeInterval(-WebhookSource.deduplicationWindow))
            removed += try await database.withTenant(tenant) { scope in
                try await scope.webhookMessages.purge(before: cutoff)
                    + scope.webhookSources.purgeReceipts(before: receiptCutoff)
            }
        }
        return removed
    }
}

/// Runs ``WebhookRetention`` every `interval` (default an hour) and once at start-up. Nodes
/// sweeping at once delete disjoint or already-deleted rows.
public struct WebhookRetentionSweeper: Service {
    let retention: WebhookRetention
    let interval: Duration
    let logger: Logger

    /// Creates the sweeper.
    public init(retention: WebhookRetention, interval: Duration = .seconds(3600), logger: Logger) {
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    public func run() async {
        await PeriodicService(
            name: "webhook message retention", interval: interval, runsAtStart: true, logger: logger,
            failureMessage: "removing old webhook messages failed; will retry"
        ) {
            let removed = try await retention.sweep()
            if removed > 0 { logger.info("old webhook messages removed", metadata: ["webhook.messages_removed": "\(removed)"]) }
        }.run()
    }
}
