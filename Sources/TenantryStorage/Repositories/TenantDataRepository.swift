import Foundation
import SQLKit
public import TenantryCore

/// One tenant's rows, table by table, for exports, imports and restores: the SQL for any table
/// of ``TenantDataCatalogue``, built from its column list. Every statement names `tenant_id`
/// (or, for the tenant's row and its users, the tenant's id); values are always bound.
public struct SQLTenantDataRepository: TenantDataRepository {
    let sql: any SQLDatabase
    /// The tenant whose rows this repository reads and writes.
    public let tenantID: TenantID

    private var isPostgres: Bool { sql.dialect.name == "postgresql" }

    public func rows(of table: TenantDataTable, after: [TenantDataValue]?, limit: Int) async throws
        -> [[TenantDataValue]]
    {
        var query = SQLQueryString("SELECT ")
        for (position, column) in table.columns.enumerated() {
            if position > 0 { query.appendLiteral(", ") }
            query.appendInterpolation(unsafeRaw: selectExpression(column))
        }
        query.appendLiteral(" FROM ")
        query.appendInterpolation(ident: table.name)
        query.appendLiteral(" WHERE ")
        query = query + selection(table)
        let key = table.key
        if let after, !key.isEmpty {
            query.appendLiteral(" AND (")
            query.appendInterpolation(unsafeRaw: key.joined(separator: ", "))
            query.appendLiteral(") > (")
            for (position, index) in table.keyIndices.enumerated() {
                if position > 0 { query.appendLiteral(", ") }
                query = query + bind(after[position], as: table.columns[index].kind)
            }
            query.appendLiteral(")")
        }
        if !key.isEmpty {
            query.appendLiteral(" ORDER BY ")
            query.appendInterpolation(unsafeRaw: key.joined(separator: ", "))
            query.appendLiteral(" LIMIT ")
            query.appendInterpolation(literal: limit)
        }
        let columns = table.columns
        return try await sql.raw(query).all().map { row in
            try columns.map { try Self.value(row, $0) }
        }
    }

    /// The rows as JSON Lines. On PostgreSQL `row_to_json` writes each line (every value cast
    /// to its kind first, timestamps to integer microseconds), and only the line and the key
    /// values are decoded; on SQLite the rows are read and encoded here.
    public func lines(of table: TenantDataTable, after: [TenantDataValue]?, limit: Int) async throws -> TenantDataLines {
        let keyColumns = table.keyIndices.map { table.columns[$0] }
        guard isPostgres, !keyColumns.isEmpty else {
            let rows = try await rows(of: table, after: after, limit: limit)
            var bytes: [UInt8] = []
            for row in rows { TenantDataLines.append(row, columns: table.columns, to: &bytes) }
            return TenantDataLines(bytes: bytes, count: rows.count, lastKey: rows.last.map { row in table.keyIndices.map { row[$0] } })
        }
        var query = SQLQueryString("SELECT row_to_json(r)::text AS tenantry_line")
        for column in keyColumns {
            query.appendLiteral(", r.")
            query.appendInterpolation(unsafeRaw: column.name)
        }
        query.appendLiteral(" FROM (SELECT ")
        for (position, column) in table.columns.enumerated() {
            if position > 0 { query.appendLiteral(", ") }
            query.appendInterpolation(unsafeRaw: jsonExpression(column))
        }
        query.appendLiteral(" FROM ")
        query.appendInterpolation(ident: table.name)
        query.appendLiteral(" WHERE ")
        query = query + selection(table)
        let key = table.key.joined(separator: ", ")
        if let after {
            query.appendLiteral(" AND (")
            query.appendInterpolation(unsafeRaw: key)
            query.appendLiteral(") > (")
            for (position, index) in table.keyIndices.enumerated() {
                if position > 0 { query.appendLiteral(", ") }
                query = query + bind(after[position], as: table.columns[index].kind)
            }
            query.appendLiteral(")")
        }
        query.appendLiteral(" ORDER BY ")
        query.appendInterpolation(unsafeRaw: key)
        query.appendLiteral(" LIMIT ")
        query.appendInterpolation(literal: limit)
        query.appendLiteral(") r ORDER BY ")
        query.appendInterpolation(unsafeRaw: keyColumns.map { "r." + $0.name }.joined(separator: ", "))
        var bytes: [UInt8] = []
        var count = 0
        var lastKey: [TenantDataValue]?
        for row in try await sql.raw(query).all() {
            bytes.append(contentsOf: try row.decode(column: "tenantry_line", as: String.self).utf8)
            bytes.append(UInt8(ascii: "\n"))
            count += 1
            lastKey = try keyColumns.map { try Self.value(row, $0) }
        }
        return TenantDataLines(bytes: bytes, count: count, lastKey: lastKey)
    }

    /// A column as `row_to_json` should see it: cast to its kind, so each value is the JSON
    /// type the archive format gives it whatever the column's SQL type.
    private func jsonExpression(_ column: TenantDataColumn) -> String {
        let name = column.name
        switch column.kind {
        case .timestamp: return "(extract(epoch FROM \(name)) * 1000000)::bigint AS \(name)"
        case .uuid: return name
        case .text: return "\(name)::text AS \(name)"
        case .integer: return "\(name)::bigint AS \(name)"
        case .boolean: return "\(name)::boolean AS \(name)"
        }
    }

    public func count(of table: TenantDataTable) async throws -> Int {
        var query = SQLQueryString("SELECT count(*) AS n FROM ")
        query.appendInterpolation(ident: table.name)
        query.appendLiteral(" WHERE ")
        query = query + selection(table)
        return try await sql.raw(query).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    public func insert(_ rows: [[TenantDataValue]], into table: TenantDataTable) async throws {
        guard !rows.isEmpty else { return }
        if isPostgres, table.name == "audit_chain_heads" {
            try await insertChainHeads(rows, table)
            return
        }
        // Both engines take at least 32,766 bound values per statement; stay well below.
        let perStatement = max(1, 8_000 / table.columns.count)
        var start = 0
        while start < rows.count {
            let batch = rows[start..<min(rows.count, start + perStatement)]
            var query = SQLQueryString("INSERT INTO ")
            query.appendInterpolation(ident: table.name)
            query.appendLiteral(" (")
            query.appendInterpolation(unsafeRaw: table.columns.map(\.name).joined(separator: ", "))
            query.appendLiteral(") VALUES ")
            for (rowPosition, row) in batch.enumerated() {
                guard row.count == table.columns.count else {
                    throw TenantryError(.internalError, "A row of \(table.name) has the wrong number of values.")
                }
                query.appendLiteral(rowPosition == 0 ? "(" : ", (")
                for (position, column) in table.columns.enumerated() {
                    if position > 0 { query.appendLiteral(", ") }
                    query = query + insertExpression(row[position], column)
                }
                query.appendLiteral(")")
            }
            try await sql.raw(query).run()
            start += perStatement
        }
    }

    public func removeAll() async throws -> Int {
        // Members, roles and keys go: every node forgets what it cached of the tenant.
        try await TenantScope.announceEntitlementsChange(tenantID, on: sql)
        if isPostgres {
            // The runtime role may not delete audit events; the owner's function does it for the
            // tenant of this transaction only.
            return try await sql.raw("SELECT tenantry_clear_tenant_data(\(bind: tenantID.rawValue)) AS n").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
        var deleted = 0
        // SQLite: one writer, this transaction; children before the rows they reference.
        for table in TenantDataCatalogue.tenantTables.reversed() {
            deleted += try await count(of: table)
            var query = SQLQueryString("DELETE FROM ")
            query.appendInterpolation(ident: table.name)
            query.appendLiteral(" WHERE tenant_id = ")
            query.appendInterpolation(bind: tenantID.rawValue)
            try await sql.raw(query).run()
        }
        return deleted
    }

    /// On PostgreSQL the runtime role may not write a chain head's retention anchor: the
    /// owner's function writes an imported head (and only a tenant's first).
    private func insertChainHeads(_ rows: [[TenantDataValue]], _ table: TenantDataTable) async throws {
        let columns = ["last_sequence", "last_hash", "anchor_sequence", "anchor_hash", "purged_at", "updated_at"]
        for row in rows {
            var query = SQLQueryString("SELECT tenantry_import_audit_chain_head(")
            query.appendInterpolation(bind: tenantID.rawValue)
            for name in columns {
                guard let index = table.index(of: name) else { continue }
                query.appendLiteral(", ")
                query = query + insertExpression(row[index], table.columns[index])
            }
            query.appendLiteral(")")
            try await sql.raw(query).run()
        }
    }

    // MARK: - SQL pieces

    /// Which rows belong to the tenant.
    private func selection(_ table: TenantDataTable) -> SQLQueryString {
        switch table.selection {
        case .tenantRow:
            return "id = \(bind: tenantID.rawValue)"
        case .owned:
            return "tenant_id = \(bind: tenantID.rawValue)"
        case .referencedUsers:
            var query = SQLQueryString("id IN (")
            var first = true
            for owner in TenantDataCatalogue.tenantTables {
                for column in owner.columns where column.role == .user {
                    if !first { query.appendLiteral(" UNION ") }
                    first = false
                    query.appendLiteral("SELECT ")
                    query.appendInterpolation(ident: column.name)
                    query.appendLiteral(" FROM ")
                    query.appendInterpolation(ident: owner.name)
                    query.appendLiteral(" WHERE tenant_id = ")
                    query.appendInterpolation(bind: tenantID.rawValue)
                }
            }
            query.appendLiteral(")")
            return query
        }
    }

    /// A column as read: timestamps as whole microseconds since 1970 on both engines.
    private func selectExpression(_ column: TenantDataColumn) -> String {
        let name = column.name
        switch (column.kind, isPostgres) {
        case (.timestamp, true): return "(extract(epoch FROM \(name)) * 1000000)::bigint AS \(name)"
        case (.timestamp, false): return "CAST(round(\(name) * 1000000) AS INTEGER) AS \(name)"
        default: return name
        }
    }

    /// A value as written into its column.
    private func insertExpression(_ value: TenantDataValue, _ column: TenantDataColumn) -> SQLQueryString {
        guard column.kind == .timestamp else { return bind(value, as: column.kind) }
        let micros = value.integer
        if isPostgres {
            return "(TIMESTAMPTZ 'epoch' + \(bind: micros) * INTERVAL '1 microsecond')"
        }
        return "\(bind: micros.map { Double($0) / 1_000_000 })"
    }

    /// A bound value, typed as its column (a typed `NULL` too, which PostgreSQL needs).
    private func bind(_ value: TenantDataValue, as kind: TenantDataKind) -> SQLQueryString {
        switch kind {
        case .uuid:
            return "\(bind: value.text.flatMap(UUID.init(uuidString:)))"
        case .text:
            return "\(bind: value.text)"
        case .integer, .timestamp:
            return "\(bind: value.integer)"
        case .boolean:
            if case .boolean(let flag) = value { return "\(bind: flag)" }
            return "\(bind: Bool?.none)"
        }
    }

    /// A column of a row read by ``rows(of:after:limit:)``.
    private static func value(_ row: any SQLRow, _ column: TenantDataColumn) throws -> TenantDataValue {
        let name = column.name
        switch column.kind {
        case .uuid:
            return try row.decode(column: name, as: UUID?.self).map { .text(FastFormatting.uuid($0)) } ?? .null
        case .text:
            return try row.decode(column: name, as: String?.self).map { .text($0) } ?? .null
        case .integer, .timestamp:
            return try row.decode(column: name, as: Int64?.self).map { .integer($0) } ?? .null
        case .boolean:
            return try row.decode(column: name, as: Bool?.self).map { .boolean($0) } ?? .null
        }
    }
}
