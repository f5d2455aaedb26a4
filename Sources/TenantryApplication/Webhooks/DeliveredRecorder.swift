import Foundation
import TenantryCore

/// Records successful deliveries in groups (a group commit): a delivery hands over its attempt
/// and waits; while one group is being written, the next gathers, and is written as soon as the
/// first is done, in one transaction per tenant (one update of the messages, one insert of the
/// attempts). Under light load a group is one delivery and is written at once; under a burst
/// one transaction records many, instead of one each.
actor DeliveredRecorder {
    private struct Waiting {
        var delivered: DeliveredAttempt
        var continuation: CheckedContinuation<Bool, any Error>
    }

    private let database: any DataStore
    private let maximumGroup: Int
    private var waiting: [Waiting] = []
    private var writing = false

    /// Creates a recorder writing at most `maximumGroup` deliveries per transaction.
    init(database: any DataStore, maximumGroup: Int = 256) {
        self.database = database
        self.maximumGroup = max(1, maximumGroup)
    }

    /// Records the attempt once its group is written; `false` when the message was no longer
    /// claimed with `delivered.claim` (nothing was stored for it).
    func record(_ delivered: DeliveredAttempt) async throws -> Bool {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append(Waiting(delivered: delivered, continuation: continuation))
            if !writing {
                writing = true
                Task { await self.writeGroups() }
            }
        }
    }

    private func writeGroups() async {
        while !waiting.isEmpty {
            let group = Array(waiting.prefix(maximumGroup))
            waiting.removeFirst(group.count)
            for (tenant, items) in Dictionary(grouping: group, by: \.delivered.attempt.tenantID) {
                do {
                    let recorded = try await database.withTenant(tenant) { scope in
                        try await scope.webhookMessages.finishDelivered(items.map(\.delivered))
                    }
                    for item in items {
                        item.continuation.resume(returning: recorded.contains(item.delivered.attempt.messageID))
                    }
                } catch {
                    for item in items { item.continuation.resume(throwing: error) }
                }
            }
        }
        writing = false
    }
}
