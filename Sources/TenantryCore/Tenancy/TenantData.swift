/// One stored value of a tenant's data, as an archive carries it: identifiers as lower-case
/// UUID text, timestamps as whole microseconds since 1970 (exact on both engines), booleans as
/// booleans, everything else as text or a 64-bit integer.
public enum TenantDataValue: Sendable, Hashable {
    /// SQL `NULL`.
    case null
    /// An integer, or a timestamp in microseconds since 1970-01-01T00:00:00Z.
    case integer(Int64)
    /// Text, or an identifier in lower-case UUID form.
    case text(String)
    /// A boolean.
    case boolean(Bool)

    /// The text, when this is text.
    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    /// The integer, when this is an integer.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }
}

/// What a column of a tenant table holds, which decides how it is read, written and carried.
public enum TenantDataKind: String, Sendable {
    /// A UUID.
    case uuid
    /// Text.
    case text
    /// A 32- or 64-bit integer.
    case integer
    /// A point in time (microseconds in an archive).
    case timestamp
    /// A boolean.
    case boolean
}

/// What a column means to an import as a new tenant, which must give the copy identifiers of
/// its own while keeping every reference between its rows intact.
public enum TenantDataRole: Sendable {
    /// The owning tenant's id: becomes the importing tenant's.
    case tenant
    /// An identifier of a row the tenant owns, or a reference to one: remapped consistently.
    case owned
    /// A global user's id: kept (users are matched, see ``TenantDataCatalogue/users``).
    case user
    /// Part of the audit hash chain (sequence, previous hash, hash): recomputed when the
    /// tenant id or the event ids change.
    case chain
    /// A hash of a credential that must stay unique across tenants (an invitation token):
    /// replaced by the hash of a fresh random value, so the copy's invitations need resending.
    case credentialHash
    /// The time an email domain was verified: cleared in a copy, since the domain stays
    /// claimed by the original tenant.
    case verification
    /// Everything else: copied as it is.
    case plain
}

/// One column of a tenant table.
public struct TenantDataColumn: Sendable {
    /// The column name.
    public var name: String
    /// What it holds.
    public var kind: TenantDataKind
    /// What it means to an import as a new tenant.
    public var role: TenantDataRole

    /// Describes a column.
    public init(_ name: String, _ kind: TenantDataKind, _ role: TenantDataRole = .plain) {
        self.name = name
        self.kind = kind
        self.role = role
    }
}

/// One table of a tenant's data: one part of an archive.
public struct TenantDataTable: Sendable {
    /// Which rows of the table belong to the tenant.
    public enum Selection: Sendable {
        /// The tenant's own row of `tenants`.
        case tenantRow
        /// The global users that any `user` column of the tenant's tables names.
        case referencedUsers
        /// The rows whose `tenant_id` is the tenant's.
        case owned
    }

    /// The table name, also the part's name in an archive.
    public var name: String
    /// Which rows belong to the tenant.
    public var selection: Selection
    /// The columns carried, in archive order.
    public var columns: [TenantDataColumn]
    /// Columns of the table deliberately left out of archives (secrets), with the reason.
    public var omitted: [String: String]
    /// The columns, besides `tenant_id`, that order the rows (the primary key): pages are read
    /// after the last key seen.
    public var key: [String]
    /// Whether an import as a new tenant copies the rows (false for API key secret hashes, which
    /// must stay unique across tenants).
    public var copiedToNewTenant: Bool

    /// Describes a table.
    public init(
        _ name: String, selection: Selection = .owned, key: [String], copiedToNewTenant: Bool = true,
        omitted: [String: String] = [:], columns: [TenantDataColumn]
    ) {
        self.name = name
        self.selection = selection
        self.key = key
        self.copiedToNewTenant = copiedToNewTenant
        self.omitted = omitted
        self.columns = columns
    }

    /// Positions of the key columns in ``columns``.
    public var keyIndices: [Int] {
        key.compactMap { name in columns.firstIndex { $0.name == name } }
    }

    /// The position of a column in ``columns``.
    public func index(of column: String) -> Int? {
        columns.firstIndex { $0.name == column }
    }
}

/// A page of rows as JSON Lines: each row one flat JSON object of its table's columns in column
/// order (`null` for SQL `NULL`, timestamps as integer microseconds since 1970), then a newline.
/// The export's part format (docs/export.md).
public struct TenantDataLines: Sendable {
    /// The lines, each ending with a newline.
    public var bytes: [UInt8]
    /// How many rows.
    public var count: Int
    /// The key values of the last row (for the next page), if any.
    public var lastKey: [TenantDataValue]?

    /// Creates a page.
    public init(bytes: [UInt8], count: Int, lastKey: [TenantDataValue]?) {
        self.bytes = bytes
        self.count = count
        self.lastKey = lastKey
    }

    /// Appends `row` as one line.
    public static func append(_ row: [TenantDataValue], columns: [TenantDataColumn], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        for (index, column) in columns.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: column.name.utf8)
            output.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
            switch row[index] {
            case .null: output.append(contentsOf: "null".utf8)
            case .boolean(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
            case .integer(let value): output.append(contentsOf: String(value).utf8)
            case .text(let text): JSONString.append(text, to: &output)
            }
        }
        output.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
    }
}

/// Reads and writes one tenant's rows table by table, for exports, imports and restores. Every
/// call names the tenant it was made for; nothing here reaches another tenant's rows.
public protocol TenantDataRepository: Sendable {
    /// The tenant.
    var tenantID: TenantID { get }
    /// Up to `limit` rows of `table` that belong to the tenant, in key order, after the row
    /// whose key values are `after` (from the start when `nil`); values in column order.
    func rows(of table: TenantDataTable, after: [TenantDataValue]?, limit: Int) async throws -> [[TenantDataValue]]
    /// The same rows as ``rows(of:after:limit:)``, as JSON Lines (what an export writes).
    /// PostgreSQL writes the lines itself, so a large export decodes a few values a row.
    func lines(of table: TenantDataTable, after: [TenantDataValue]?, limit: Int) async throws -> TenantDataLines
    /// How many rows of `table` belong to the tenant.
    func count(of table: TenantDataTable) async throws -> Int
    /// Inserts rows (values in column order) into `table`.
    func insert(_ rows: [[TenantDataValue]], into table: TenantDataTable) async throws
    /// Deletes every row the tenant owns in the tenant-scoped tables (not its `tenants` row, not
    /// users), for a restore that replaces them in the same transaction.
    func removeAll() async throws -> Int
}
