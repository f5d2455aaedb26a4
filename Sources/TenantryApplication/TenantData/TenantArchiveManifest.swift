import Crypto
public import Foundation
import TenantryCore

/// The first entry of a tenant archive (`manifest.json`): what the archive holds, and how to
/// check it. docs/export.md describes the format.
public struct TenantArchiveManifest: Sendable, Codable, Equatable {
    /// The format's name, the same in every archive.
    public static let formatName = "tenantry.tenant-archive"
    /// The format version this build writes and the newest it reads.
    public static let currentFormatVersion = 1

    /// The tenant as it was exported.
    public struct TenantSummary: Sendable, Codable, Equatable {
        /// Its id.
        public var id: String
        /// Its slug.
        public var slug: String
        /// Its name.
        public var name: String
    }

    /// One JSON Lines part: one table's rows.
    public struct Part: Sendable, Codable, Equatable {
        /// The table.
        public var name: String
        /// The entry's path in the archive.
        public var file: String
        /// How many rows (lines) it holds.
        public var rows: Int
        /// Lower-case hex SHA-256 of its bytes.
        public var sha256: String
        /// The columns of each row.
        public var columns: [String]
    }

    /// Always ``formatName``.
    public var format: String
    /// The format version.
    public var formatVersion: Int
    /// The schema version (latest migration) of the exporting instance.
    public var schemaVersion: Int
    /// When the export was made (RFC 3339).
    public var createdAt: String
    /// The tenant.
    public var tenant: TenantSummary
    /// The parts, in archive order.
    public var parts: [Part]

    enum CodingKeys: String, CodingKey {
        case format
        case formatVersion = "format_version"
        case schemaVersion = "schema_version"
        case createdAt = "created_at"
        case tenant
        case parts
    }

    /// The total number of rows.
    public var totalRows: Int { parts.reduce(0) { $0 + $1.rows } }

    /// The entry path of a table's part.
    static func file(of table: TenantDataTable) -> String { "parts/\(table.name).jsonl" }

    static let entryName = "manifest.json"
}

/// Maps a source tenant's identifiers to a copy's: the same input always gives the same output
/// within one import (so every reference between rows stays intact without a table of every id
/// in memory), and different imports give different outputs. The first 48 bits (a UUIDv7's
/// millisecond time) and the version and variant bits are kept, so time-ordered ids stay in
/// time order; the other 74 bits come from an HMAC-SHA-256 keyed by a random per-import key.
public struct IdentifierRemap: Sendable {
    private let key: SymmetricKey

    /// A remap with a fresh random key.
    public init() {
        key = SymmetricKey(size: .bits256)
    }

    /// The copy's identifier for `text` (a UUID in any case); `nil` when `text` is no UUID.
    public func map(_ text: String) -> String? {
        guard let uuid = UUID(uuidString: text) else { return nil }
        return FastFormatting.uuid(map(uuid))
    }

    /// The copy's identifier for `uuid`.
    public func map(_ uuid: UUID) -> UUID {
        var bytes = withUnsafeBytes(of: uuid.uuid) { Array($0) }
        let mac = Array(HMAC<SHA256>.authenticationCode(for: bytes, using: key))
        for index in 6..<16 { bytes[index] = mac[index] }
        bytes[6] = (withUnsafeBytes(of: uuid.uuid) { $0[6] } & 0xF0) | (mac[6] & 0x0F)
        bytes[8] = (withUnsafeBytes(of: uuid.uuid) { $0[8] } & 0xC0) | (mac[8] & 0x3F)
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
