public import Foundation
import Synchronization

/// A typed identifier: a UUID tagged with the kind of entity it names, so a `UserID` can never be
/// passed where a `TenantID` belongs.
public struct Identifier<Tag>: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The underlying UUID.
    public let rawValue: UUID

    /// Wraps an existing UUID.
    public init(_ rawValue: UUID) {
        self.rawValue = rawValue
    }

    /// Parses the canonical textual form of a UUID; `nil` when the text is not one.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.rawValue = uuid
    }

    /// A new, time-ordered identifier (UUID version 7).
    public static func generate() -> Self {
        Self(UUID.version7())
    }

    /// The lower-case canonical text form, as it appears in URLs and JSON.
    public var description: String { FastFormatting.uuid(rawValue) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self.rawValue = try container.decode(UUID.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Identifies a tenant (a customer organisation).
public typealias TenantID = Identifier<Tenant>
/// Identifies a global user identity.
public typealias UserID = Identifier<User>
/// Identifies one audit event within its tenant.
public typealias AuditEventID = Identifier<AuditEvent>

extension UUID {
    /// A UUID of version 7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit sequence, then
    /// random bits. Within one process the values strictly increase, also for several made in
    /// the same millisecond (the sequence counts up from a random start), so they sort by
    /// creation and index well.
    public static func version7(now: Date = Date()) -> UUID {
        var generator = SystemRandomNumberGenerator()
        let wallClock = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        let (milliseconds, sequence) = Version7Clock.shared.next(wallClock: wallClock, using: &generator)
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - index)))
        }
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: sequence >> 8)  // version 7 + sequence high bits
        bytes[7] = UInt8(truncatingIfNeeded: sequence)
        // One draw for the eight random bytes (each draw is a system call on Linux).
        let random = generator.next()
        for index in 8..<16 {
            bytes[index] = UInt8(truncatingIfNeeded: random >> (8 * (15 - index)))
        }
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            )
        )
    }
}

/// The process-wide (milliseconds, sequence) state behind ``Foundation/UUID/version7(now:)``.
final class Version7Clock: Sendable {
    static let shared = Version7Clock()

    private let state = Mutex<(milliseconds: UInt64, sequence: UInt16)>((0, 0))

    func next(wallClock: UInt64, using generator: inout some RandomNumberGenerator) -> (UInt64, UInt16) {
        // A fresh millisecond starts the sequence at a random value in the lower half, leaving
        // room to count up; when the 12 bits run out the timestamp moves on by one.
        let start = UInt16.random(in: 0...0x7FF, using: &generator)
        return state.withLock { state in
            if wallClock > state.milliseconds {
                state = (wallClock, start)
            } else if state.sequence < 0xFFF {
                state.sequence += 1
            } else {
                state = (state.milliseconds + 1, start)
            }
            return (state.milliseconds, state.sequence)
        }
    }
}
