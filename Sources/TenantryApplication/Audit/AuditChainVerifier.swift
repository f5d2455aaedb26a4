public import TenantryCore

/// Walks tenants' audit chains (`tenantry audit verify`): reads each chain in sequence order in
/// batches, one short tenant transaction per batch, recomputes every hash and checks every link
/// from the retention anchor to the chain head.
public struct AuditChainVerifier: Sendable {
    /// What an intact chain looks like.
    public struct Summary: Sendable, Equatable {
        /// The tenant.
        public var tenantID: TenantID
        /// Chained events checked.
        public var verified: Int64
        /// The sequence of the last purged event (0 when none was purged).
        public var anchorSequence: Int64
        /// The sequence of the newest event.
        public var lastSequence: Int64
        /// The newest event's hash: record it elsewhere to detect a rewritten chain later.
        public var lastHash: String?
        /// Events written before chaining began, which the chain does not cover.
        public var unchained: Int
        /// Version 1 events an erasure redacted: their links are checked, their own hashes cannot
        /// be recomputed (decision 0025).
        public var redactedUnverifiable: Int64 = 0
        /// Version 2 events an erasure redacted, verified through their recorded digests.
        public var redacted: Int64 = 0
    }

    let database: any DataStore
    let batchSize: Int

    /// Creates a verifier reading `batchSize` events per transaction.
    public init(database: any DataStore, batchSize: Int = 1000) {
        self.database = database
        self.batchSize = max(1, batchSize)
    }

    /// Every tenant that has audit events, in id order.
    public func tenants() async throws -> [TenantID] {
        try await database.withPlatform { scope in try await scope.tenantAuditEvents.tenantIDs() }
    }

    /// Verifies one tenant's chain up to the head as it stood when the walk began; the first
    /// broken link, if any.
    public func verify(tenant: TenantID) async throws -> Result<Summary, AuditChain.Break> {
        let (storedHead, unchained) = try await database.withTenant(tenant) { scope in
            (try await scope.auditEvents.chainHead(), try await scope.auditEvents.unchainedCount())
        }
        let head = storedHead ?? .empty
        var position = AuditChain.Position(sequence: head.anchorSequence + 1, previousHash: head.anchorHash)
        var verified: Int64 = 0
        // From the start, not the anchor: an event left at or before the anchor is a break too.
        var next: Int64 = 0
        // Without a head, any chained event at all is a break (`through` is unbounded then).
        let through = storedHead == nil ? Int64.max : head.lastSequence
        while true {
            let batch = try await database.withTenant(tenant) { scope in
                try await scope.auditEvents.chainSegment(from: next, through: through, limit: batchSize)
            }
            if storedHead == nil, let first = batch.first {
                return .failure(
                    AuditChain.Break(
                        tenantID: tenant, sequence: first.sequence ?? 0, eventID: first.id,
                        reason: "chained events exist but the tenant's chain head is missing"))
            }
            switch AuditChain.verify(batch, start: position) {
            case .failure(let broken): return .failure(broken)
            case .success(let reached): position = reached
            }
            verified += Int64(batch.count)
            guard batch.count == batchSize, let last = batch.last?.sequence else { break }
            next = last + 1
        }
        if position.sequence - 1 != head.lastSequence {
            return .failure(
                AuditChain.Break(
                    tenantID: tenant, sequence: position.sequence, eventID: nil,
                    reason:
                        "the chain head says the last event is \(head.lastSequence) but the events end at \(position.sequence - 1)"
                ))
        }
        if position.previousHash != head.lastHash {
            return .failure(
                AuditChain.Break(
                    tenantID: tenant, sequence: head.lastSequence, eventID: nil,
                    reason:
                        "the chain head's hash \(head.lastHash ?? "absent") differs from the last event's \(position.previousHash ?? "absent")"
                ))
        }
        return .success(
            Summary(
                tenantID: tenant, verified: verified, anchorSequence: head.anchorSequence, lastSequence: head.lastSequence,
                lastHash: head.lastHash, unchained: unchained, redactedUnverifiable: position.redactedUnverifiable,
                redacted: position.redacted))
    }
}
