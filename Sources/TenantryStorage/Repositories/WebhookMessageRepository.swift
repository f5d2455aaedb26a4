public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's webhook messages and their attempts: the delivery log, and the writes of the
/// worker that holds a message's claim.
public struct SQLWebhookMessageRepository: WebhookMessageRepository {
    let sql: any SQLDatabase
    /// The tenant whose messages this repository reads and writes.
    public let tenantID: TenantID

    static let columns = """
        tenant_id, id, endpoint_id, event_id, event_type, body, status, attempts, next_attempt_at, created_at
        """
    static let attemptColumns = """
        tenant_id, id, message_id, attempted_at, duration_ms, status_code, response_body, error_kind
        """

    /// The message with this id, if any.
    public func find(id: WebhookMessageID) async throws -> WebhookMessage? {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM webhook_messages
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            """
        ).first().map(Self.decode)
    }

    /// Messages in order of id (creation order), one page at a time.
    public func list(_ filter: WebhookMessageFilter, page: PageRequest) async throws -> Page<WebhookMessage> {
        var select: SQLQueryString =
            "SELECT \(unsafeRaw: Self.columns) FROM webhook_messages WHERE tenant_id = \(bind: tenantID.rawValue)"
        if let endpoint = filter.endpointID { select += " AND endpoint_id = \(bind: endpoint.rawValue)" }
        if let type = filter.eventType { select += " AND event_type = \(bind: type.rawValue)" }
        if let status = filter.status { select += " AND status = \(bind: status.rawValue)" }
        if let since = filter.since { select += " AND created_at >= \(bind: since)" }
        if let until = filter.until { select += " AND created_at < \(bind: until)" }
        return try await KeysetPagination.fetch(sql, select: select, key: "id", page: page, decode: Self.decode) {
            $0.id.rawValue
        }
    }

    /// A message's attempts in order, one page at a time.
    public func attempts(of id: WebhookMessageID, page: PageRequest) async throws -> Page<WebhookAttempt> {
        try await KeysetPagination.fetch(
            sql,
            select: """
                SELECT \(unsafeRaw: Self.attemptColumns) FROM webhook_attempts
                WHERE tenant_id = \(bind: tenantID.rawValue) AND message_id = \(bind: id.rawValue)
                """,
            key: "id", page: page, decode: Self.decodeAttempt
        ) { $0.id.rawValue }
    }

    /// Stores a new message.
    public func insert(_ message: WebhookMessage) async throws {
        try await sql.raw(
            """
            INSERT INTO webhook_messages (\(unsafeRaw: Self.columns))
            VALUES (\(bind: tenantID.rawValue), \(bind: message.id.rawValue), \(bind: message.endpointID.rawValue),
                    \(bind: message.eventID.rawValue), \(bind: message.eventType.rawValue), \(bind: message.body),
                    \(bind: message.status.rawValue), \(bind: message.attempts), \(bind: message.nextAttemptAt),
                    \(bind: message.createdAt))
            """
        ).run()
    }

    /// Stores the attempt and the message's new state if the claim still holds.
    public func finishAttempt(_ attempt: WebhookAttempt, message: WebhookMessage, claim: UUID) async throws -> Bool {
        let rows = try await sql.raw(
            """
            UPDATE webhook_messages SET status = \(bind: message.status.rawValue), attempts = \(bind: message.attempts),
                next_attempt_at = \(bind: message.nextAttemptAt), claimed_until = NULL, claim_token = NULL
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: message.id.rawValue)
                AND claim_token = \(bind: claim)
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty else { return false }
        try await sql.raw(
            """
            INSERT INTO webhook_attempts (\(unsafeRaw: Self.attemptColumns))
            VALUES (\(bind: tenantID.rawValue), \(bind: attempt.id.rawValue), \(bind: attempt.messageID.rawValue),
                    \(bind: attempt.attemptedAt), \(bind: attempt.durationMilliseconds), \(bind: attempt.statusCode),
                    \(bind: attempt.responseBody), \(bind: attempt.errorKind))
            """
        ).run()
        return true
    }

    /// Stores successful deliveries: one update of every message still claimed with its
    /// attempt's claim, then one insert of the attempts of those recorded.
    public func finishDelivered(_ delivered: [DeliveredAttempt]) async throws -> Set<WebhookMessageID> {
        guard !delivered.isEmpty else { return [] }
        let byClaim = Dictionary(grouping: delivered, by: \.claim)
        var update: SQLQueryString = """
            UPDATE webhook_messages SET status = 'delivered', attempts = attempts + 1, next_attempt_at = NULL,
                claimed_until = NULL, claim_token = NULL
            WHERE tenant_id = \(bind: tenantID.rawValue) AND (
            """
        for (index, (claim, items)) in byClaim.enumerated() {
            update += index == 0 ? "(" : " OR ("
            update += "claim_token = \(bind: claim) AND id IN ("
            update += .bindList(items.map(\.attempt.messageID.rawValue))
            update += "))"
        }
        update += ") RETURNING id"
        let recorded = Set(try await sql.raw(update).all().map { try $0.identifier("id", as: WebhookMessageID.self) })
        let attempts = delivered.map(\.attempt).filter { recorded.contains($0.messageID) }
        guard !attempts.isEmpty else { return recorded }
        let rows = attempts.map { attempt -> SQLQueryString in
            """
            (\(bind: tenantID.rawValue), \(bind: attempt.id.rawValue), \(bind: attempt.messageID.rawValue),
             \(bind: attempt.attemptedAt), \(bind: attempt.durationMilliseconds), \(bind: attempt.statusCode),
             \(bind: attempt.responseBody), \(bind: attempt.errorKind))
            """
        }
        try await sql.raw(
            "INSERT INTO webhook_attempts (\(unsafeRaw: Self.attemptColumns)) VALUES \(rows.joined(separator: ", "))"
        ).run()
        return recorded
    }

    /// Parks the endpoint's pending messages (no due time: out of the claim's reach).
    public func park(endpointID: WebhookEndpointID) async throws -> Int {
        try await sql.raw(
            """
            UPDATE webhook_messages SET next_attempt_at = NULL
            WHERE tenant_id = \(bind: tenantID.rawValue) AND endpoint_id = \(bind: endpointID.rawValue)
                AND status = 'pending' AND next_attempt_at IS NOT NULL
            RETURNING id
            """
        ).all().count
    }

    /// Makes the endpoint's parked messages due at `at`.
    public func unpark(endpointID: WebhookEndpointID, at: Date) async throws -> Int {
        try await sql.raw(
            """
            UPDATE webhook_messages SET next_attempt_at = \(bind: at)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND endpoint_id = \(bind: endpointID.rawValue)
                AND status = 'pending' AND next_attempt_at IS NULL
            RETURNING id
            """
        ).all().count
    }

    /// Gives a claimed message back without an attempt, due again at `at`.
    public func release(id: WebhookMessageID, claim: UUID, dueAt at: Date) async throws {
        try await sql.raw(
            """
            UPDATE webhook_messages SET next_attempt_at = \(bind: at), claimed_until = NULL, claim_token = NULL
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue) AND claim_token = \(bind: claim)
            """
        ).run()
    }

    /// Makes one message pending again with a fresh schedule. A message a worker holds now
    /// keeps its claim: the worker's finishing write then stands.
    public func requeue(id: WebhookMessageID, at now: Date) async throws -> Bool {
        let rows = try await sql.raw(
            """
            UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = \(bind: now)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND id = \(bind: id.rawValue)
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    /// Makes every failed message of an endpoint made since `since` pending again.
    public func requeueFailed(endpointID: WebhookEndpointID, since: Date, at now: Date) async throws -> Int {
        try await sql.raw(
            """
            UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = \(bind: now)
            WHERE tenant_id = \(bind: tenantID.rawValue) AND endpoint_id = \(bind: endpointID.rawValue)
                AND status = 'failed' AND created_at >= \(bind: since)
            RETURNING id
            """
        ).all().count
    }

    /// The endpoint's delivery figures over what is kept.
    public func statistics(endpointID: WebhookEndpointID) async throws -> WebhookEndpointStatistics {
        let messages = try await sql.raw(
            """
            SELECT status, count(*) AS n FROM webhook_messages
            WHERE tenant_id = \(bind: tenantID.rawValue) AND endpoint_id = \(bind: endpointID.rawValue)
            GROUP BY status
            """
        ).all()
        var byStatus: [String: Int] = [:]
        for row in messages {
            byStatus[try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        let attempts = try await sql.raw(
            """
            SELECT count(*) AS n,
                sum(CASE WHEN a.status_code >= 200 AND a.status_code < 300 THEN 1 ELSE 0 END) AS ok,
                max(a.attempted_at) AS last_attempt,
                max(CASE WHEN a.status_code >= 200 AND a.status_code < 300 THEN a.attempted_at END) AS last_success
            FROM webhook_attempts a JOIN webhook_messages m ON m.tenant_id = a.tenant_id AND m.id = a.message_id
            WHERE a.tenant_id = \(bind: tenantID.rawValue) AND m.tenant_id = \(bind: tenantID.rawValue)
                AND m.endpoint_id = \(bind: endpointID.rawValue)
            """
        ).first()
        return WebhookEndpointStatistics(
            attempts: try attempts?.decode(column: "n", as: Int.self) ?? 0,
            successfulAttempts: try attempts?.decode(column: "ok", as: Int?.self) ?? 0,
            pending: byStatus["pending"] ?? 0, delivered: byStatus["delivered"] ?? 0, failed: byStatus["failed"] ?? 0,
            lastAttemptAt: try attempts?.decode(column: "last_attempt", as: Date?.self),
            lastSuccessAt: try attempts?.decode(column: "last_success", as: Date?.self))
    }

    /// Deletes settled messages made before `cutoff`; their attempts go with them.
    public func purge(before cutoff: Date) async throws -> Int {
        try await sql.raw(
            """
            DELETE FROM webhook_messages
            WHERE tenant_id = \(bind: tenantID.rawValue) AND status <> 'pending' AND created_at < \(bind: cutoff)
            RETURNING id
            """
        ).all().count
    }

    static func decode(_ row: any SQLRow) throws -> WebhookMessage {
        let typeText = try row.decode(column: "event_type", as: String.self)
        let statusText = try row.decode(column: "status", as: String.self)
        guard let type = EventType(rawValue: typeText), let status = WebhookMessage.Status(rawValue: statusText) else {
            throw TenantryError(.internalError, "A stored webhook message has an unknown type or status.")
        }
        return WebhookMessage(
            tenantID: try row.identifier("tenant_id"), id: try row.identifier("id"),
            endpointID: try row.identifier("endpoint_id"), eventID: try row.identifier("event_id"), eventType: type,
            body: try row.decode(column: "body", as: String.self), status: status,
            attempts: try row.decode(column: "attempts", as: Int.self),
            nextAttemptAt: try row.decode(column: "next_attempt_at", as: Date?.self),
            createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    static func decodeAttempt(_ row: any SQLRow) throws -> WebhookAttempt {
        WebhookAttempt(
            tenantID: try row.identifier("tenant_id"), id: try row.identifier("id"),
            messageID: try row.identifier("message_id"),
            attemptedAt: try row.decode(column: "attempted_at", as: Date.self),
            durationMilliseconds: try row.decode(column: "duration_ms", as: Int.self),
            statusCode: try row.decode(column: "status_code", as: Int?.self),
            responseBody: try row.decode(column: "response_body", as: String?.self),
            errorKind: try row.decode(column: "error_kind", as: String?.self))
    }
}

/// Claims due messages of every tenant for delivery (platform scope).
public struct SQLWebhookDeliveryQueue: WebhookDeliveryQueue {
    let sql: any SQLDatabase

    /// Claims due messages: selects them (on PostgreSQL locking them, skipping rows another
    /// worker is claiming), marks them claimed by their keys, then reads their endpoints and
    /// secrets. Each statement reaches rows through an index, however many messages are kept.
    ///
    /// The plan must not depend on the table's statistics, which are stale exactly when it
    /// matters (a table that grew from empty in seconds, before autovacuum analyzed it): with a
    /// join on the endpoints, or with a sort allowed, PostgreSQL read and sorted every pending
    /// message on each claim (18 ms with 30,000 pending). The endpoint's `enabled` is therefore a
    /// correlated subquery, and the sort is ruled out for the claim's transaction, which leaves
    /// one plan: the pending index in due order, stopping at the limit.
    public func claimDue(now: Date, until: Date, limit: Int) async throws -> [ClaimedDelivery] {
        let token = UUID()
        let postgres = sql.dialect.name == "postgresql"
        let locking: SQLQueryString = postgres ? " FOR UPDATE OF m SKIP LOCKED" : ""
        if postgres {
            // Only the pending index gives due order without a sort; with the sort ruled out the
            // planner takes it even when its estimates say a sort of "a few rows" is cheaper.
            try await sql.raw("SET LOCAL enable_sort = off").run()
        }
        let due = try await sql.raw(
            """
            SELECT m.tenant_id, m.id, m.endpoint_id, m.event_id, m.event_type, m.body, m.status, m.attempts,
                m.next_attempt_at, m.created_at
            FROM webhook_messages m
            WHERE m.status = 'pending' AND m.next_attempt_at <= \(bind: now)
                AND (m.claimed_until IS NULL OR m.claimed_until < \(bind: now))
                AND (SELECT e.enabled FROM webhook_endpoints e WHERE e.tenant_id = m.tenant_id AND e.id = m.endpoint_id)
                    = \(bind: true)
            ORDER BY m.next_attempt_at LIMIT \(bind: limit)\(locking)
            """
        ).all().map(SQLWebhookMessageRepository.decode)
        guard !due.isEmpty else { return [] }
        let claimed = due.map { (tenant: $0.tenantID.rawValue, id: $0.id.rawValue) }
        let claim: SQLQueryString = """
            UPDATE webhook_messages SET claimed_until = \(bind: until), claim_token = \(bind: token)
            WHERE \(TenantKeys.condition(claimed))
            """
        try await sql.raw(claim).run()
        let messages = due
        guard !messages.isEmpty else { return [] }
        let endpointKeys = Set(messages.map { KeyPair(tenant: $0.tenantID.rawValue, id: $0.endpointID.rawValue) })
        let query: SQLQueryString = """
            SELECT \(unsafeRaw: SQLWebhookEndpointRepository.columns), secret, previous_secret, previous_secret_expires_at
            FROM webhook_endpoints WHERE \(TenantKeys.condition(endpointKeys.map { (tenant: $0.tenant, id: $0.id) }))
            """
        var endpoints: [KeyPair: (WebhookEndpoint, SealedWebhookSecrets)] = [:]
        for row in try await sql.raw(query).all() {
            let endpoint = try SQLWebhookEndpointRepository.decode(row)
            endpoints[KeyPair(tenant: endpoint.tenantID.rawValue, id: endpoint.id.rawValue)] = (
                endpoint,
                SealedWebhookSecrets(
                    current: try row.decode(column: "secret", as: String.self),
                    previous: try row.decode(column: "previous_secret", as: String?.self),
                    previousExpiresAt: try row.decode(column: "previous_secret_expires_at", as: Date?.self))
            )
        }
        return messages.sorted { ($0.nextAttemptAt ?? now) < ($1.nextAttemptAt ?? now) }.compactMap { message in
            guard let (endpoint, secrets) = endpoints[KeyPair(tenant: message.tenantID.rawValue, id: message.endpointID.rawValue)]
            else { return nil }
            return ClaimedDelivery(message: message, endpoint: endpoint, secrets: secrets, claim: token)
        }
    }

    /// Tenants with settled messages made before `cutoff`.
    public func tenantsWithSettledMessages(before cutoff: Date) async throws -> [TenantID] {
        try await sql.raw(
            """
            SELECT DISTINCT tenant_id FROM webhook_messages WHERE status <> 'pending' AND created_at < \(bind: cutoff)
            """
        ).all().map { try $0.identifier("tenant_id") }
    }

    private struct KeyPair: Hashable {
        var tenant: UUID
        var id: UUID
    }
}
