import Foundation
import SQLKit
import TenantryCore

/// The one implementation of cursor pagination in SQL: rows after the cursor's key, in key
/// order, one more than the limit to learn whether another page exists.
enum KeysetPagination {
    /// Runs `select` (a `SELECT … FROM … WHERE …` with its own conditions) for one page.
    static func fetch<Item: Sendable>(
        _ sql: any SQLDatabase,
        select: SQLQueryString,
        key: String,
        page: PageRequest,
        decode: (any SQLRow) throws -> Item,
        position: (Item) -> UUID
    ) async throws -> Page<Item> {
        var query = select
        if let after = page.after {
            query.appendLiteral(" AND ")
            query.appendInterpolation(ident: key)
            query.appendLiteral(" > ")
            query.appendInterpolation(bind: after)
        }
        query.appendLiteral(" ORDER BY ")
        query.appendInterpolation(ident: key)
        query.appendLiteral(" LIMIT ")
        query.appendInterpolation(literal: page.limit + 1)
        let rows = try await sql.raw(query).all()
        return Page(fetched: try rows.map(decode), limit: page.limit, position: position)
    }
}
