import Crypto
public import Foundation

/// Tamper evidence for a tenant's audit trail: every event carries its position in the tenant's
/// chain (`sequence`, from 1), the hash of the event before it, and its own hash over a
/// canonical encoding of its stored fields and those two values. Changing, removing or
/// reordering a stored event breaks a link that ``AuditChain/verify(_:start:)`` reports.
///
/// The canonical encoding, version 1 (`docs/decisions/0013-audit-hash-chain.md`): the ASCII text
/// `tenantry.audit.v1\n` followed by fourteen fields in this order, each either a netstring
/// `<byte count>:<UTF-8 bytes>,` or, when absent, the two bytes `~,`:
/// tenant id, sequence, previous hash, event id, occurred at, actor type, actor id, action,
/// target type, target id, IP, user agent, request id, changes. Identifiers are lower-case
/// canonical UUID text; the sequence is decimal; `occurred at` is the decimal count of
/// milliseconds since 1970-01-01T00:00:00Z; `changes` is the stored JSON text byte for byte.
/// The hash is the lower-case hex SHA-256 of those bytes.
public enum AuditChain {
    /// The encoding version new events are hashed with.
    public static let currentVersion = 1

    /// An event as stored, with the text of its `changes` exactly as written: what the hash covers.
    public struct Record: Sendable, Equatable {
        /// The event's tenant.
        public var tenantID: TenantID
        /// The event's id.
        public var id: AuditEventID
        /// Position in the tenant's chain; `nil` for an event written before chaining began.
        public var sequence: Int64?
        /// The hash of the event at `sequence - 1` (or the purge anchor's); `nil` for the first.
        public var previousHash: String?
        /// This event's hash; `nil` for an event written before chaining began.
        public var hash: String?
        /// The encoding version of `hash`.
        public var version: Int?
        /// When it happened.
        public var occurredAt: Date
        /// The acting principal's kind.
        public var actorType: String
        /// The acting principal's id.
        public var actorID: String?
        /// What was done.
        public var action: String
        /// The target's kind.
        public var targetType: String?
        /// The target's id.
        public var targetID: String?
        /// Client IP.
        public var ip: String?
        /// Client user agent.
        public var userAgent: String?
        /// The request id.
        public var requestID: String?
        /// The stored JSON text of the changes.
        public var changes: String

        /// Creates a record.
        public init(
            tenantID: TenantID, id: AuditEventID, sequence: Int64?, previousHash: String?, hash: String?,
            version: Int?, occurredAt: Date, actorType: String, actorID: String?, action: String,
            targetType: String?, targetID: String?, ip: String?, userAgent: String?, requestID: String?,
            changes: String
        ) {
            self.tenantID = tenantID
            self.id = id
            self.sequence = sequence
            self.previousHash = previousHash
            self.hash = hash
            self.version = version
            self.occurredAt = occurredAt
            self.actorType = actorType
            self.actorID = actorID
            self.action = action
            self.targetType = targetType
            self.targetID = targetID
            self.ip = ip
            self.userAgent = userAgent
            self.requestID = requestID
            self.changes = changes
        }
    }

    /// Where a tenant's chain stands: the last link, and the anchor left by retention purges.
    public struct Head: Sendable, Equatable {
        /// The sequence of the newest event (0 before the first).
        public var lastSequence: Int64
        /// The newest event's hash.
        public var lastHash: String?
        /// The sequence of the last purged event (0 when nothing was purged).
        public var anchorSequence: Int64
        /// The hash of the last purged event: the next event's expected previous hash.
        public var anchorHash: String?

        /// Creates a head.
        public init(lastSequence: Int64, lastHash: String?, anchorSequence: Int64, anchorHash: String?) {
            self.lastSequence = lastSequence
            self.lastHash = lastHash
            self.anchorSequence = anchorSequence
            self.anchorHash = anchorHash
        }

        /// A chain with no events yet.
        public static let empty = Head(lastSequence: 0, lastHash: nil, anchorSequence: 0, anchorHash: nil)
    }

    /// The first link that does not hold.
    public struct Break: Error, Sendable, Equatable, CustomStringConvertible {
        /// The tenant whose chain is broken.
        public var tenantID: TenantID
        /// The sequence where the break was found.
        public var sequence: Int64
        /// The event found there, if any (a missing tail has none).
        public var eventID: AuditEventID?
        /// What differed, in words.
        public var reason: String

        /// Creates a break.
        public init(tenantID: TenantID, sequence: Int64, eventID: AuditEventID?, reason: String) {
            self.tenantID = tenantID
            self.sequence = sequence
            self.eventID = eventID
            self.reason = reason
        }

        public var description: String {
            "tenant \(tenantID) sequence \(sequence) event \(eventID?.description ?? "-"): \(reason)"
        }
    }

    /// The timestamp precision the chain covers: events are stored at whole milliseconds, which
    /// both engines return exactly.
    public static func normalized(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(date)) / 1000)
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The canonical bytes of a record (version 1), with the given sequence and previous hash.
    public static func canonicalEncoding(of record: Record) -> [UInt8] {
        var bytes = Array("tenantry.audit.v1\n".utf8)
        func field(_ value: String?) {
            guard let value else {
                bytes.append(contentsOf: Array("~,".utf8))
                return
            }
            let utf8 = Array(value.utf8)
            bytes.append(contentsOf: Array("\(utf8.count):".utf8))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: ","))
        }
        field(record.tenantID.description)
        field(record.sequence.map { String($0) })
        field(record.previousHash)
        field(record.id.description)
        field(String(milliseconds(record.occurredAt)))
        field(record.actorType)
        field(record.actorID)
        field(record.action)
        field(record.targetType)
        field(record.targetID)
        field(record.ip)
        field(record.userAgent)
        field(record.requestID)
        field(record.changes)
        return bytes
    }

    /// The lower-case hex SHA-256 of the record's canonical encoding.
    public static func hash(of record: Record) -> String {
        FastFormatting.hex(SHA256.hash(data: canonicalEncoding(of: record)))
    }

    /// Checks one segment of a chain, in sequence order, continuing from `start` (the expected
    /// sequence and previous hash of the segment's first event). Returns the first break, or the
    /// position after the segment.
    public static func verify(
        _ records: [Record],
        start: (sequence: Int64, previousHash: String?)
    ) -> Result<(sequence: Int64, previousHash: String?), Break> {
        var expected = start
        for record in records {
            guard let sequence = record.sequence else { continue }
            func broken(_ reason: String) -> Result<(sequence: Int64, previousHash: String?), Break> {
                .failure(Break(tenantID: record.tenantID, sequence: sequence, eventID: record.id, reason: reason))
            }
            if sequence != expected.sequence {
                return sequence < expected.sequence
                    ? broken("an event at or before the purge anchor (sequence \(expected.sequence - 1)) is present")
                    : broken("expected sequence \(expected.sequence); events are missing before this one")
            }
            if record.previousHash != expected.previousHash {
                return broken(
                    "previous hash is \(record.previousHash ?? "absent") but the event before hashes to \(expected.previousHash ?? "absent")"
                )
            }
            guard record.version == currentVersion else {
                return broken("unknown chain encoding version \(record.version.map(String.init) ?? "absent")")
            }
            let computed = hash(of: record)
            if record.hash != computed {
                return broken("stored hash \(record.hash ?? "absent") differs from the hash of the stored fields \(computed)")
            }
            expected = (sequence + 1, record.hash)
        }
        return .success(expected)
    }
}

extension AuditChain.Record {
    /// The event this record stores, with its changes decoded.
    public func event() throws -> AuditEvent {
        let decoded: [String: AuditEvent.Change]
        do {
            decoded = try JSONDecoder().decode([String: AuditEvent.Change].self, from: Data(changes.utf8))
        } catch {
            throw TenantryError(.internalError, "A stored audit event has unreadable changes.", cause: error)
        }
        return AuditEvent(
            tenantID: tenantID, id: id, occurredAt: occurredAt, actor: AuditEvent.Actor(type: actorType, id: actorID),
            action: action, target: targetType.flatMap { type in targetID.map { AuditEvent.Target(type: type, id: $0) } },
            origin: AuditEvent.Origin(ip: ip, userAgent: userAgent, requestID: requestID), changes: decoded
        )
    }
}
