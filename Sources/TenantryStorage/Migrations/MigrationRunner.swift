import Foundation
import Logging
import SQLKit
import TenantryCore

/// Something migrations can run against: one transaction at a time.
protocol MigrationTarget: Sendable {
    /// Runs `body` in one transaction that holds the migration lock.
    func migrationTransaction<Result: Sendable>(_ body: (any SQLDatabase) async throws -> Result) async throws -> Result
}

/// Applies migrations in order, each in its own transaction, recording each in
/// `tenantry_migrations`, and refuses to go on when an applied migration was changed or is
/// unknown to this binary.
struct MigrationRunner: Sendable {
    let migrations: [Migration]
    let createTableStatement: String
    let logger: Logger

    static let table = "tenantry_migrations"

    /// Reads the recorded migrations.
    static func readApplied(_ sql: any SQLDatabase) async throws -> [AppliedMigration] {
        try await sql.raw("SELECT version, name, checksum, applied_at FROM tenantry_migrations ORDER BY version")
            .all()
            .map { row in
                AppliedMigration(
                    version: try row.decode(column: "version", as: Int.self),
                    name: try row.decode(column: "name", as: String.self),
                    checksum: try row.decode(column: "checksum", as: String.self),
                    appliedAt: try row.decode(column: "applied_at", as: Date.self)
                )
            }
    }

    /// The migrations still to apply, after checking the recorded ones against this binary's.
    static func pending(migrations: [Migration], applied: [AppliedMigration]) throws(TenantryError) -> [Migration] {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for record in applied {
            guard let migration = known[record.version] else {
                throw TenantryError(
                    .unknownMigration,
                    "The database has migration \(record.version) (\(record.name)), which this version of tenantry does not know. Run a newer tenantry."
                )
            }
            guard migration.checksum == record.checksum else {
                throw TenantryError(
                    .migrationChecksumMismatch,
                    "Migration \(record.version) (\(record.name)) was changed after it was applied: its checksum is \(migration.checksum), the database recorded \(record.checksum)."
                )
            }
        }
        let appliedVersions = Set(applied.map(\.version))
        return migrations.filter { !appliedVersions.contains($0.version) }
    }

    /// Applies every pending migration (or, with `dryRun`, only reports them).
    func run(on target: some MigrationTarget, dryRun: Bool) async throws -> MigrationReport {
        let statement = createTableStatement
        try await target.migrationTransaction { sql in
            try await sql.raw(SQLQueryString(statement)).run()
        }
        let before = try await target.migrationTransaction { sql in try await Self.readApplied(sql) }
        let pending = try Self.pending(migrations: migrations, applied: before)
        if dryRun {
            return MigrationReport(alreadyApplied: before, applied: pending)
        }
        var applied: [Migration] = []
        for migration in pending {
            let didApply = try await target.migrationTransaction { sql -> Bool in
                // Another process may have applied it while we waited for the lock.
                let current = try await Self.readApplied(sql)
                guard try Self.pending(migrations: migrations, applied: current).contains(migration) else {
                    return false
                }
                for statement in migration.statements {
                    try await sql.raw(SQLQueryString(statement)).run()
                }
                try await sql.raw(
                    """
                    INSERT INTO tenantry_migrations (version, name, checksum, applied_at)
                    VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: migration.checksum), \(bind: Date()))
                    """
                ).run()
                return true
            }
            if didApply {
                logger.info(
                    "applied migration",
                    metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"]
                )
                applied.append(migration)
            }
        }
        return MigrationReport(alreadyApplied: before, applied: applied)
    }
}
