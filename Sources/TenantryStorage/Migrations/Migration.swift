import Crypto
import Foundation
import TenantryCore

/// One forward-only schema change for one engine: ordered by version, identified by the
/// SHA-256 of its statements so an edited migration is noticed.
public struct Migration: Sendable, Equatable {
    /// Position in the order; versions start at 1 and have no gaps.
    public let version: Int
    /// A short name, e.g. `initial_schema`.
    public let name: String
    /// The statements, run in order inside one transaction.
    public let statements: [String]

    /// Creates a migration.
    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// Lower-case hex SHA-256 of the statements, each followed by a line with one `;`.
    public var checksum: String {
        let text = statements.map { $0 + "\n;\n" }.joined()
        return FastFormatting.hex(SHA256.hash(data: Data(text.utf8)))
    }
}

/// What a migration run did or would do.
public struct MigrationReport: Sendable {
    /// Migrations applied before this run.
    public var alreadyApplied: [AppliedMigration]
    /// Migrations applied by this run (or that a dry run would apply).
    public var applied: [Migration]
}
