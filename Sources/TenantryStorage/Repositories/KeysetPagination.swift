import Foundation
import SQLKit
import TenantryCore

/// The one implementation of cursor pagination in SQL: rows after the cursor's key, in key
/// order, one more than the limit to learn whether another page exists.
enum KeysetPagination {
    /// The order of the rows. The cursor is always the key (an id) of the last row shown.
    enum Order {
        /// By the key, smallest first.
        case ascending
        /// By the key, largest first.
        case descending
        /// By an SQL expression over a row of `table` (e.g. `lower(name)`), then by the key. The
        /// cursor row's own value is read from `table`; should that row be gone, no row follows.
        case expression(String, table: String)
    }

    /// Runs `select` (a `SELECT … FROM … WHERE …` with its own conditions) for one page.
    static func fetch<Item: Sendable>(
        _ sql: any SQLDatabase,
        select: SQLQueryString,
        key: String,
        order: Order = .ascending,
        page: PageRequest,
        decode: (any SQLRow) throws -> Item,
        position: (Item) -> UUID
    ) async throws -> Page<Item> {
        var query = select
        if let after = page.after {
            switch order {
            case .ascending, .descending:
                query.appendLiteral(" AND ")
                query.appendInterpolation(ident: key)
                query.appendLiteral(order.isDescending ? " < " : " > ")
                query.appendInterpolation(bind: after)
            case .expression(let expression, let table):
                query.appendLiteral(" AND (\(expression), ")
                query.appendInterpolation(ident: key)
                query.appendLiteral(") > (SELECT \(expression), ")
                query.appendInterpolation(ident: key)
                query.appendLiteral(" FROM ")
                query.appendInterpolation(ident: table)
                query.appendLiteral(" WHERE ")
                query.appendInterpolation(ident: key)
                query.appendLiteral(" = ")
                query.appendInterpolation(bind: after)
                query.appendLiteral(")")
            }
        }
        query.appendLiteral(" ORDER BY ")
        if case .expression(let expression, _) = order { query.appendLiteral("\(expression), ") }
        query.appendInterpolation(ident: key)
        if order.isDescending { query.appendLiteral(" DESC") }
        query.appendLiteral(" LIMIT ")
        query.appendInterpolation(literal: page.limit + 1)
        let rows = try await sql.raw(query).all()
        return Page(fetched: try rows.map(decode), limit: page.limit, position: position)
    }
}

extension KeysetPagination.Order {
    fileprivate var isDescending: Bool {
        if case .descending = self { return true }
        return false
    }
}
