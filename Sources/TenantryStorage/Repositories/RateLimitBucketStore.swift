import Foundation
import SQLKit

/// The rate limiter's state shared by several nodes: per limited key, the theoretical arrival
/// time (TAT) of its next request, in seconds since 1970, in the global table
/// `rate_limit_buckets` (migration 19). Each node decides requests from its own copy and merges
/// what it admitted here every moment; see docs/decisions/0023-shared-rate-limits.md.
public struct RateLimitBucketStore: Sendable {
    let database: any DatabaseClient

    /// Creates the store over an open database.
    public init(database: any DatabaseClient) {
        self.database = database
    }

    /// Adds each key's charge (seconds of allowance this node admitted since its last merge;
    /// 0 to only read) to the shared arrival time, as GCRA does: `tat = max(tat, now) + charge`.
    /// Answers every given key's shared arrival time after the merge. One statement on
    /// PostgreSQL, whatever the number of keys.
    public func merge(_ charges: [String: Double], now: Double) async throws -> [String: Double] {
        guard !charges.isEmpty else { return [:] }
        // Sorted, so two nodes merging the same keys lock their rows in the same order.
        let keys = charges.keys.sorted()
        let amounts = keys.map { charges[$0] ?? 0 }
        return try await database.withGlobal { scope in
            let sql = scope.sql
            if sql.dialect.name == "postgresql" {
                let rows = try await sql.raw(
                    """
                    INSERT INTO rate_limit_buckets (key, tat)
                    SELECT k, \(bind: now) + c FROM unnest(\(bind: keys)::text[], \(bind: amounts)::float8[]) AS m(k, c)
                    ON CONFLICT (key) DO UPDATE
                        SET tat = greatest(rate_limit_buckets.tat, \(bind: now)) + (excluded.tat - \(bind: now))
                    RETURNING key, tat
                    """
                ).all()
                return try Self.tats(rows)
            }
            var merged: [String: Double] = [:]
            for (key, charge) in zip(keys, amounts) {
                let rows = try await sql.raw(
                    """
                    INSERT INTO rate_limit_buckets (key, tat) VALUES (\(bind: key), \(bind: now + charge))
                    ON CONFLICT (key) DO UPDATE SET tat = max(rate_limit_buckets.tat, \(bind: now)) + \(bind: charge)
                    RETURNING key, tat
                    """
                ).all()
                merged.merge(try Self.tats(rows)) { $1 }
            }
            return merged
        }
    }

    /// The shared arrival times of `keys`; a key without a row is absent (it has no debt).
    public func read(_ keys: [String]) async throws -> [String: Double] {
        guard !keys.isEmpty else { return [:] }
        return try await database.readGlobal { scope in
            try Self.tats(
                try await scope.sql.raw("SELECT key, tat FROM rate_limit_buckets WHERE key IN (\(SQLQueryString.bindList(keys)))")
                    .all())
        }
    }

    /// Deletes the rows whose arrival time is before `time` (their keys have no debt left);
    /// returns how many.
    @discardableResult
    public func prune(before time: Double) async throws -> Int {
        try await database.withGlobal { scope in
            try await scope.sql.raw("DELETE FROM rate_limit_buckets WHERE tat < \(bind: time) RETURNING key").all().count
        }
    }

    private static func tats(_ rows: [any SQLRow]) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for row in rows {
            result[try row.decode(column: "key", as: String.self)] = try row.decode(column: "tat", as: Double.self)
        }
        return result
    }
}
