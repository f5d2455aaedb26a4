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
///
/// Version 2 (`docs/decisions/0025-erasure-and-the-audit-chain.md`) differs in its prefix
/// (`tenantry.audit.v2\n`) and in the three personal fields (IP, user agent, changes): it
/// covers each one's ``personalDigest(_:salt:)``, the SHA-256 of the event's random salt
/// followed by the text, instead of the text. An erasure may then replace those values
/// (``Record/redactedAt``): it stores their digests and drops the salt, and the hash still
/// verifies, while the digests alone cannot be reversed by guessing.
public enum AuditChain {
    /// The encoding version new events are hashed with.
    public static let currentVersion = 2

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
        /// Version 2: the random salt of the personal digests, until the event is redacted.
        public var personalSalt: String?
        /// Version 2, once redacted: the digests of the original IP, user agent and changes.
        public var personalDigests: PersonalDigests?
        /// When an erasure replaced the event's personal fields (`nil` while intact).
        public var redactedAt: Date?

        /// Creates a record.
        public init(
            tenantID: TenantID, id: AuditEventID, sequence: Int64?, previousHash: String?, hash: String?,
            version: Int?, occurredAt: Date, actorType: String, actorID: String?, action: String,
            targetType: String?, targetID: String?, ip: String?, userAgent: String?, requestID: String?,
            changes: String, personalSalt: String? = nil, personalDigests: PersonalDigests? = nil, redactedAt: Date? = nil
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
            self.personalSalt = personalSalt
            self.personalDigests = personalDigests
            self.redactedAt = redactedAt
        }

        /// The digests a version 2 hash covers: the stored ones once redacted, else computed
        /// from the stored values and salt. `nil` for a version 2 record with neither.
        public var currentPersonalDigests: PersonalDigests? {
            if let personalDigests { return personalDigests }
            guard let personalSalt else { return nil }
            return PersonalDigests(
                ip: AuditChain.personalDigest(ip, salt: personalSalt),
                userAgent: AuditChain.personalDigest(userAgent, salt: personalSalt),
                changes: AuditChain.personalDigest(changes, salt: personalSalt))
        }
    }

    /// The digests of a version 2 event's personal fields (each `nil` when the field is absent).
    public struct PersonalDigests: Sendable, Equatable {
        /// Of the IP.
        public var ip: String?
        /// Of the user agent.
        public var userAgent: String?
        /// Of the changes' JSON text.
        public var changes: String?

        /// Creates digests.
        public init(ip: String?, userAgent: String?, changes: String?) {
            self.ip = ip
            self.userAgent = userAgent
            self.changes = changes
        }
    }

    /// The lower-case hex SHA-256 of `salt` followed by `value` (UTF-8); `nil` for no value.
    /// The salt is 32 random hex characters, so the digest of a short value (an IP address)
    /// cannot be found by trying every candidate once the salt is gone.
    public static func personalDigest(_ value: String?, salt: String) -> String? {
        value.map { FastFormatting.hex(SHA256.hash(data: Array((salt + $0).utf8))) }
    }

    /// A new random salt for a version 2 event's personal digests.
    public static func newPersonalSalt() -> String {
        FastFormatting.hex(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
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

    /// The canonical bytes of a record in its version's encoding (1, or 2 with the personal
    /// fields' digests), with the given sequence and previous hash.
    public static func canonicalEncoding(of record: Record) -> [UInt8] {
        let digests = record.version == 2 ? record.currentPersonalDigests : nil
        var bytes = Array((record.version == 2 ? "tenantry.audit.v2\n" : "tenantry.audit.v1\n").utf8)
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
        if record.version == 2 {
            field(digests?.ip)
            field(digests?.userAgent)
            field(record.requestID)
            field(digests?.changes)
        } else {
            field(record.ip)
            field(record.userAgent)
            field(record.requestID)
            field(record.changes)
        }
        return bytes
    }

    /// The lower-case hex SHA-256 of the record's canonical encoding.
    public static func hash(of record: Record) -> String {
        FastFormatting.hex(SHA256.hash(data: canonicalEncoding(of: record)))
    }

    /// Where a verification walk stands: the next expected link, and how many redacted events
    /// of version 1 it passed (their links are checked, their hashes cannot be).
    public struct Position: Sendable, Equatable {
        /// The sequence the next event must have.
        public var sequence: Int64
        /// The hash the next event must name as its previous hash.
        public var previousHash: String?
        /// Redacted version 1 events passed so far: link continuity only.
        public var redactedUnverifiable: Int64 = 0
        /// Redacted version 2 events passed so far: fully verified through their digests.
        public var redacted: Int64 = 0

        /// Creates a position.
        public init(sequence: Int64, previousHash: String?) {
            self.sequence = sequence
            self.previousHash = previousHash
        }
    }

    /// Checks one segment of a chain, in sequence order, continuing from `start` (the expected
    /// sequence and previous hash of the segment's first event). Returns the first break, or the
    /// position after the segment. A redacted version 1 event keeps its original hash, which the
    /// next event names: its link is checked, its own hash cannot be recomputed.
    public static func verify(_ records: [Record], start: Position) -> Result<Position, Break> {
        var expected = start
        for record in records {
            guard let sequence = record.sequence else { continue }
            func broken(_ reason: String) -> Result<Position, Break> {
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
            switch (record.version, record.redactedAt) {
            case (1, .some):
                expected.redactedUnverifiable += 1
            case (1, nil), (2, _):
                if record.version == 2, record.currentPersonalDigests == nil {
                    return broken("a version 2 event has neither its salt nor its personal digests")
                }
                let computed = hash(of: record)
                if record.hash != computed {
                    return broken("stored hash \(record.hash ?? "absent") differs from the hash of the stored fields \(computed)")
                }
                if record.redactedAt != nil { expected.redacted += 1 }
            default:
                return broken("unknown chain encoding version \(record.version.map(String.init) ?? "absent")")
            }
            expected.sequence = sequence + 1
            expected.previousHash = record.hash
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
