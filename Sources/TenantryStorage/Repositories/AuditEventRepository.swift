public import Foundation
import SQLKit
public import TenantryCore

/// One tenant's audit trail: append (hash-chained), read, and purge by retention; never update.
public struct SQLAuditEventRepository: AuditEventRepository {
    let sql: any SQLDatabase
    /// The tenant whose events this repository reads and writes.
    public let tenantID: TenantID

    static let columns = """
        tenant_id, id, occurred_at, actor_type, actor_id, action, target_type, target_id,
        ip, user_agent, request_id, changes, sequence, previous_hash, hash, chain_version,
        personal_salt, ip_digest, user_agent_digest, changes_digest, redacted_at
        """

    /// Appends an event to this tenant's trail as the next link of its hash chain. The event's
    /// own tenant must be this one. Its time is stored at whole milliseconds (what the chain
    /// covers). Appends of one tenant take turns on the chain head row: on PostgreSQL the
    /// upsert below locks it until this transaction ends; on SQLite there is one writer.
    public func append(_ event: AuditEvent) async throws {
        guard event.tenantID == tenantID else {
            throw TenantryError(.internalError, "An audit event was written in another tenant's scope.")
        }
        let changes = String(decoding: try JSONEncoder.sortedKeys.encode(event.changes), as: UTF8.self)
        let head = try await lockHead()
        var record = AuditChain.Record(
            tenantID: tenantID, id: event.id, sequence: head.lastSequence + 1, previousHash: head.lastHash, hash: nil,
            version: AuditChain.currentVersion, occurredAt: AuditChain.normalized(event.occurredAt),
            actorType: event.actor.type, actorID: event.actor.id, action: event.action, targetType: event.target?.type,
            targetID: event.target?.id, ip: event.origin.ip, userAgent: event.origin.userAgent,
            requestID: event.origin.requestID, changes: changes, personalSalt: AuditChain.newPersonalSalt()
        )
        let hash = AuditChain.hash(of: record)
        record.hash = hash
        try await sql.raw(
            """
            INSERT INTO audit_events (\(unsafeRaw: Self.columns))
            VALUES (\(bind: tenantID.rawValue), \(bind: record.id.rawValue), \(bind: record.occurredAt),
                    \(bind: record.actorType), \(bind: record.actorID), \(bind: record.action),
                    \(bind: record.targetType), \(bind: record.targetID),
                    \(bind: record.ip), \(bind: record.userAgent), \(bind: record.requestID),
                    \(bind: changes), \(bind: record.sequence), \(bind: record.previousHash), \(bind: hash),
                    \(bind: AuditChain.currentVersion), \(bind: record.personalSalt), NULL, NULL, NULL, NULL)
            """
        ).run()
        try await sql.raw(
            """
            UPDATE audit_chain_heads SET last_sequence = \(bind: record.sequence), last_hash = \(bind: hash),
                updated_at = \(bind: Date())
            WHERE tenant_id = \(bind: tenantID.rawValue)
            """
        ).run()
    }

    /// Reads the chain head, creating it for a tenant's first chained event, and (PostgreSQL)
    /// locks it for the rest of the transaction: one statement, so two first appends cannot
    /// both start a chain.
    private func lockHead() async throws -> AuditChain.Head {
        let row = try await sql.raw(
            """
            INSERT INTO audit_chain_heads (tenant_id, last_sequence, last_hash, updated_at)
            VALUES (\(bind: tenantID.rawValue), 0, NULL, \(bind: Date()))
            ON CONFLICT (tenant_id) DO UPDATE SET last_sequence = audit_chain_heads.last_sequence
            RETURNING last_sequence, last_hash, anchor_sequence, anchor_hash
            """
        ).first()
        guard let row else { throw TenantryError(.internalError, "The audit chain head could not be read.") }
        return try Self.head(row)
    }

    /// The chain head as stored, without locking it; `nil` before the tenant's first chained event.
    public func chainHead() async throws -> AuditChain.Head? {
        try await sql.raw(
            """
            SELECT last_sequence, last_hash, anchor_sequence, anchor_hash FROM audit_chain_heads
            WHERE tenant_id = \(bind: tenantID.rawValue)
            """
        ).first().map(Self.head)
    }

    private static func head(_ row: any SQLRow) throws -> AuditChain.Head {
        AuditChain.Head(
            lastSequence: try row.decode(column: "last_sequence", as: Int64.self),
            lastHash: try row.decode(column: "last_hash", as: String?.self),
            anchorSequence: try row.decode(column: "anchor_sequence", as: Int64.self),
            anchorHash: try row.decode(column: "anchor_hash", as: String?.self)
        )
    }

    /// Events in the order they were recorded (by id, which is time-ordered), one page at a time.
    public func list(_ page: PageRequest, filter: AuditEventFilter = AuditEventFilter()) async throws -> Page<AuditEvent> {
        try await records(filter, page: page).map { try $0.event() }
    }

    /// Stored events with their chain fields, oldest first, one page at a time: what the audit
    /// log API lists and exports.
    public func records(_ filter: AuditEventFilter, page: PageRequest) async throws -> Page<AuditChain.Record> {
        let select: SQLQueryString =
            "SELECT \(unsafeRaw: Self.columns) FROM audit_events WHERE tenant_id = \(bind: tenantID.rawValue)"
            + Self.conditions(filter)
        return try await KeysetPagination.fetch(sql, select: select, key: "id", page: page, decode: Self.record) {
            $0.id.rawValue
        }
    }

    /// Chained events in sequence order from `sequence` on, at most `limit` and none past
    /// `through`: one batch of a verification walk.
    public func chainSegment(from sequence: Int64, through last: Int64, limit: Int) async throws -> [AuditChain.Record] {
        try await sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns) FROM audit_events
            WHERE tenant_id = \(bind: tenantID.rawValue) AND sequence >= \(bind: sequence) AND sequence <= \(bind: last)
            ORDER BY sequence LIMIT \(literal: limit)
            """
        ).all().map(Self.record)
    }

    /// How many stored events have no place in the chain (written before it existed).
    public func unchainedCount() async throws -> Int {
        try await sql.raw(
            "SELECT count(*) AS n FROM audit_events WHERE tenant_id = \(bind: tenantID.rawValue) AND sequence IS NULL"
        ).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// The youngest events a retention purge may remove are a day old: a purge can never empty
    /// a tenant's recent history.
    public static let minimumPurgeAge: TimeInterval = 86_400

    /// Removes this tenant's oldest events, a prefix of the chain: every chained event before
    /// the first one that occurred at or after `cutoff`, and every unchained event before
    /// `cutoff`. The last removed link becomes the chain's anchor, so the rest still verifies.
    /// Returns how many events were removed. On PostgreSQL this runs as the narrowly granted
    /// `tenantry_purge_audit_events` function (the runtime role may not delete audit events).
    @discardableResult
    public func purge(before cutoff: Date, now: Date = Date()) async throws -> Int {
        guard cutoff <= now.addingTimeInterval(-Self.minimumPurgeAge) else {
            throw TenantryError(.internalError, "Audit events younger than one day are never purged.")
        }
        if sql.dialect.name == "postgresql" {
            return try await sql.raw(
                "SELECT tenantry_purge_audit_events(\(bind: tenantID.rawValue), \(bind: cutoff)) AS removed"
            ).first()?.decode(column: "removed", as: Int.self) ?? 0
        }
        // SQLite: the same steps as the PostgreSQL function, in the caller's (only) transaction.
        let tenant = tenantID.rawValue
        let anchored = try await sql.raw(
            "SELECT anchor_sequence FROM audit_chain_heads WHERE tenant_id = \(bind: tenant)"
        ).first()?.decode(column: "anchor_sequence", as: Int64.self)
        let firstKept = try await sql.raw(
            """
            SELECT min(sequence) AS s FROM audit_events
            WHERE tenant_id = \(bind: tenant) AND sequence IS NOT NULL AND occurred_at >= \(bind: cutoff)
            """
        ).first().flatMap { try $0.decode(column: "s", as: Int64?.self) }
        let boundary: Int64?
        if let firstKept {
            boundary = firstKept - 1
        } else {
            boundary = try await sql.raw(
                "SELECT max(sequence) AS s FROM audit_events WHERE tenant_id = \(bind: tenant) AND sequence IS NOT NULL"
            ).first().flatMap { try $0.decode(column: "s", as: Int64?.self) }
        }
        var removed = 0
        if let anchored, let boundary, boundary > anchored {
            let boundaryHash = try await sql.raw(
                "SELECT hash FROM audit_events WHERE tenant_id = \(bind: tenant) AND sequence = \(bind: boundary)"
            ).first().flatMap { try $0.decode(column: "hash", as: String?.self) }
            removed += try await deleteCounting(
                "DELETE FROM audit_events WHERE tenant_id = \(bind: tenant) AND sequence IS NOT NULL AND sequence <= \(bind: boundary)"
            )
            try await sql.raw(
                """
                UPDATE audit_chain_heads SET anchor_sequence = \(bind: boundary), anchor_hash = \(bind: boundaryHash),
                    purged_at = \(bind: now), updated_at = \(bind: now)
                WHERE tenant_id = \(bind: tenant)
                """
            ).run()
        }
        removed += try await deleteCounting(
            "DELETE FROM audit_events WHERE tenant_id = \(bind: tenant) AND sequence IS NULL AND occurred_at < \(bind: cutoff)"
        )
        return removed
    }

    private func deleteCounting(_ statement: SQLQueryString) async throws -> Int {
        try await sql.raw(statement + " RETURNING 1 AS removed").all().count
    }

    /// The filter's conditions, each starting with ` AND `.
    static func conditions(_ filter: AuditEventFilter) -> SQLQueryString {
        var query: SQLQueryString = ""
        if let tenant = filter.tenantID { query += " AND tenant_id = \(bind: tenant.rawValue)" }
        if let actorType = filter.actorType { query += " AND actor_type = \(bind: actorType)" }
        if let actorID = filter.actorID { query += " AND actor_id = \(bind: actorID)" }
        if let action = filter.action { query += " AND action = \(bind: action)" }
        if let targetType = filter.targetType { query += " AND target_type = \(bind: targetType)" }
        if let targetID = filter.targetID { query += " AND target_id = \(bind: targetID)" }
        if let from = filter.from { query += " AND occurred_at >= \(bind: from)" }
        if let to = filter.to { query += " AND occurred_at < \(bind: to)" }
        return query
    }

    static func record(_ row: any SQLRow) throws -> AuditChain.Record {
        let redactedAt = try row.decode(column: "redacted_at", as: Date?.self)
        let salt = try row.decode(column: "personal_salt", as: String?.self)
        // A redacted version 2 event's hash covers the digests recorded when its salt went.
        var digests: AuditChain.PersonalDigests?
        if redactedAt != nil, salt == nil {
            digests = AuditChain.PersonalDigests(
                ip: try row.decode(column: "ip_digest", as: String?.self),
                userAgent: try row.decode(column: "user_agent_digest", as: String?.self),
                changes: try row.decode(column: "changes_digest", as: String?.self))
        }
        return AuditChain.Record(
            tenantID: try row.identifier("tenant_id"),
            id: try row.identifier("id"),
            sequence: try row.decode(column: "sequence", as: Int64?.self),
            previousHash: try row.decode(column: "previous_hash", as: String?.self),
            hash: try row.decode(column: "hash", as: String?.self),
            version: try row.decode(column: "chain_version", as: Int?.self),
            // Stored times are whole milliseconds; reading them back can land a hair below one.
            occurredAt: AuditChain.normalized(try row.decode(column: "occurred_at", as: Date.self)),
            actorType: try row.decode(column: "actor_type", as: String.self),
            actorID: try row.decode(column: "actor_id", as: String?.self),
            action: try row.decode(column: "action", as: String.self),
            targetType: try row.decode(column: "target_type", as: String?.self),
            targetID: try row.decode(column: "target_id", as: String?.self),
            ip: try row.decode(column: "ip", as: String?.self),
            userAgent: try row.decode(column: "user_agent", as: String?.self),
            requestID: try row.decode(column: "request_id", as: String?.self),
            changes: try row.decode(column: "changes", as: String.self),
            personalSalt: salt,
            personalDigests: digests,
            redactedAt: redactedAt
        )
    }
}

/// Every tenant's audit events at once, for operators (the platform-wide audit log). Reached
/// only through the platform scope; reads only.
public struct SQLCrossTenantAuditEventRepository: CrossTenantAuditEventRepository {
    let sql: any SQLDatabase

    /// Stored events of every tenant (or of `filter.tenantID`), oldest first by id, one page at a time.
    public func records(_ filter: AuditEventFilter, page: PageRequest) async throws -> Page<AuditChain.Record> {
        let select: SQLQueryString =
            "SELECT \(unsafeRaw: SQLAuditEventRepository.columns) FROM audit_events WHERE 1 = 1"
            + SQLAuditEventRepository.conditions(filter)
        return try await KeysetPagination.fetch(
            sql, select: select, key: "id", page: page, decode: SQLAuditEventRepository.record
        ) { $0.id.rawValue }
    }

    /// The tenants that have audit events or a chain, in id order: what a verification of every
    /// chain walks.
    public func tenantIDs() async throws -> [TenantID] {
        try await sql.raw(
            """
            SELECT tenant_id FROM audit_chain_heads UNION SELECT DISTINCT tenant_id FROM audit_events ORDER BY tenant_id
            """
        ).all().map { try $0.identifier("tenant_id") }
    }
}

/// Audit events that belong to no tenant: the platform's own (signing key rotation, operator
/// actions). Append and read, never update.
public struct SQLPlatformAuditEventRepository: PlatformAuditEventRepository {
    let sql: any SQLDatabase

    /// Appends an event; its `tenantID` is ignored.
    public func append(_ event: AuditEvent) async throws {
        let changes = String(decoding: try JSONEncoder.sortedKeys.encode(event.changes), as: UTF8.self)
        try await sql.raw(
            """
            INSERT INTO platform_audit_events (id, occurred_at, actor_type, actor_id, action, target_type, target_id,
                ip, user_agent, request_id, changes)
            VALUES (\(bind: event.id.rawValue), \(bind: event.occurredAt), \(bind: event.actor.type), \(bind: event.actor.id),
                    \(bind: event.action), \(bind: event.target?.type), \(bind: event.target?.id),
                    \(bind: event.origin.ip), \(bind: event.origin.userAgent), \(bind: event.origin.requestID), \(bind: changes))
            """
        ).run()
    }

    /// The actions recorded, oldest first (for tests).
    public func actions(limit: Int = 200) async throws -> [String] {
        try await sql.raw("SELECT action FROM platform_audit_events ORDER BY id LIMIT \(literal: limit)")
            .all().map { try $0.decode(column: "action", as: String.self) }
    }

    /// Stored events matching `filter` (its `tenantID` is not used), oldest first by id, one
    /// page at a time: what the platform audit log lists.
    public func records(_ filter: AuditEventFilter, page: PageRequest) async throws -> Page<PlatformAuditRecord> {
        var platformFilter = filter
        platformFilter.tenantID = nil
        let select: SQLQueryString =
            """
            SELECT id, occurred_at, actor_type, actor_id, action, target_type, target_id, ip, user_agent, request_id,
                changes, redacted_at
            FROM platform_audit_events WHERE 1 = 1
            """ + SQLAuditEventRepository.conditions(platformFilter)
        return try await KeysetPagination.fetch(sql, select: select, key: "id", page: page, decode: Self.record) {
            $0.id.rawValue
        }
    }

    static func record(_ row: any SQLRow) throws -> PlatformAuditRecord {
        let targetType = try row.decode(column: "target_type", as: String?.self)
        let targetID = try row.decode(column: "target_id", as: String?.self)
        return PlatformAuditRecord(
            id: try row.identifier("id"),
            occurredAt: AuditChain.normalized(try row.decode(column: "occurred_at", as: Date.self)),
            actor: .init(
                type: try row.decode(column: "actor_type", as: String.self),
                id: try row.decode(column: "actor_id", as: String?.self)),
            action: try row.decode(column: "action", as: String.self),
            target: targetType.flatMap { type in targetID.map { AuditEvent.Target(type: type, id: $0) } },
            origin: .init(
                ip: try row.decode(column: "ip", as: String?.self),
                userAgent: try row.decode(column: "user_agent", as: String?.self),
                requestID: try row.decode(column: "request_id", as: String?.self)),
            changes: try row.decode(column: "changes", as: String.self),
            redactedAt: try row.decode(column: "redacted_at", as: Date?.self))
    }
}

extension JSONEncoder {
    /// Deterministic output: sorted keys, so equal values store as equal text.
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
