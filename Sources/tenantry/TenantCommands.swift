import ArgumentParser
import Foundation
import Logging
import TenantryApplication
import TenantryCore

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant",
        abstract: "Export, import and restore a tenant's data.",
        subcommands: [Export.self, Import.self, Restore.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a tenant's data into one archive.",
            discussion:
                "The archive is a gzip-compressed tar of a manifest and one JSON Lines part per table (docs/export.md). Rows are streamed: memory stays flat whatever the tenant's size. Shows a progress bar on a terminal, progress lines otherwise; prints the rows and SHA-256 of each part."
        )
        @OptionGroup var database: DatabaseOptions

        @Option(help: "The tenant: its id or its slug.")
        var tenant: String

        @Option(help: "The archive to write (replaced if it exists).")
        var output: String

        @Flag(help: "Write a plain tar instead of a gzip-compressed one.")
        var uncompressed = false

        func run() async throws {
            let (configuration, logger) = try prepare(database.flags)
            do {
                try await OneOffCommand.withEnvironment(configuration: configuration, logger: logger) { environment in
                    let archives = UseCases(environment).archives
                    let tenant = try await archives.tenant(named: self.tenant)
                    let meter = ProgressMeter(verb: "exporting")
                    let manifest = try await archives.export(
                        tenant: tenant.id, to: URL(fileURLWithPath: output), compressed: !uncompressed,
                        progress: { meter.show($0) })
                    meter.finish()
                    print("exported tenant \(tenant.id) (\(tenant.slug.rawValue)) to \(output)")
                    for part in manifest.parts {
                        print("  \(part.name): \(part.rows) row(s), sha256 \(part.sha256)")
                    }
                    print("total: \(manifest.totalRows) row(s)")
                }
            } catch {
                throw report(error, logger: logger)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a tenant archive.",
            discussion:
                "Without --as-new-tenant, the archive's tenant is created with its own identifiers (into another instance). With it, as a new tenant of this instance under --slug, every identifier it owns remapped. The import is one transaction: it completes, or leaves nothing behind. A damaged, truncated or tampered archive, a newer format, a taken slug or tenant id, and users whose email belongs to another account here are refused with a report (exit 65 for the archive, 75 for conflicts)."
        )
        @OptionGroup var database: DatabaseOptions

        @Option(help: "The archive to read.")
        var input: String

        @Flag(help: "Import as a new tenant of this instance, with new identifiers.")
        var asNewTenant = false

        @Option(help: "The new tenant's slug (required with --as-new-tenant).")
        var slug: String?

        @Option(help: "The new tenant's name (with --as-new-tenant; default: the archive's).")
        var name: String?

        func validate() throws {
            if asNewTenant && slug == nil { throw ValidationError("--as-new-tenant needs --slug") }
            if !asNewTenant && (slug != nil || name != nil) { throw ValidationError("--slug and --name go with --as-new-tenant") }
        }

        func run() async throws {
            let (configuration, logger) = try prepare(database.flags)
            do {
                var mode = TenantImportMode.keepIdentifiers
                if asNewTenant, let slug {
                    mode = .newTenant(
                        slug: try Slug(slug, field: "slug"), name: try name.map { try Tenant.validatedName($0) })
                }
                try await OneOffCommand.withEnvironment(configuration: configuration, logger: logger) { environment in
                    let meter = ProgressMeter(verb: "importing")
                    let report = try await UseCases(environment).archives.importArchive(
                        from: URL(fileURLWithPath: input), as: mode, progress: { meter.show($0) })
                    meter.finish()
                    print("imported tenant \(report.sourceTenantID) as \(report.tenant.id) (\(report.tenant.slug.rawValue))")
                    for (table, rows) in report.rows { print("  \(table): \(rows) row(s)") }
                    for (table, rows) in report.skipped { print("  \(table): \(rows) row(s) not copied (see docs/export.md)") }
                    print("users: \(report.usersCreated) created, \(report.usersMatched) matched")
                }
            } catch {
                throw report(error, logger: logger)
            }
        }
    }
}

extension TenantCommand {
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a tenant's data with a backup's.",
            discussion:
                "The backup is an archive of the same tenant (a scheduled backup or an export). In one transaction every row the tenant owns is deleted and the backup's written in its place; a damaged or tampered backup, or one of another tenant, is refused with a report and changes nothing. The tenant's own row (slug, name, status, plan) stays as it is. Other tenants keep working."
        )
        @OptionGroup var database: DatabaseOptions

        @Option(help: "The tenant: its id or its slug.")
        var tenant: String

        @Option(help: "The backup archive to restore.")
        var backup: String

        func run() async throws {
            let (configuration, logger) = try prepare(database.flags)
            do {
                try await OneOffCommand.withEnvironment(configuration: configuration, logger: logger) { environment in
                    let archives = UseCases(environment).archives
                    let tenant = try await archives.tenant(named: self.tenant)
                    let meter = ProgressMeter(verb: "restoring")
                    let report = try await archives.restore(
                        tenant: tenant.id, from: URL(fileURLWithPath: backup), progress: { meter.show($0) })
                    meter.finish()
                    print("restored tenant \(tenant.id) (\(tenant.slug.rawValue)) from \(backup)")
                    for (table, rows) in report.rows { print("  \(table): \(rows) row(s)") }
                    print("users: \(report.usersCreated) created, \(report.usersMatched) matched")
                }
            } catch {
                throw report(error, logger: logger)
            }
        }
    }
}

/// Prints a refusal's report (its field errors) and picks the exit code: 65 for an archive that
/// cannot be imported, 75 for a conflict with this instance, 66 for a missing tenant.
func report(_ error: any Error, logger: Logger) -> ExitCode {
    guard let error = error as? TenantryError, [.validationFailed, .conflict, .notFound].contains(error.code) else {
        return fail(error, logger: logger)
    }
    var message = "tenantry: \(error.message)"
    for field in error.fieldErrors { message += "\n  \(field.field) [\(field.code)]: \(field.message)" }
    FileHandle.standardError.write(Data((message + "\n").utf8))
    switch error.code {
    case .conflict: return ExitCode(75)
    case .notFound: return ExitCode(66)
    default: return ExitCode(65)
    }
}

/// Progress of an export or import: a bar redrawn in place on a terminal, a plain line per part
/// and every tenth of the total otherwise.
final class ProgressMeter: @unchecked Sendable {
    private let verb: String
    private let terminal = isatty(STDERR_FILENO) == 1
    private let lock = NSLock()
    private var lastPart = ""
    private var lastTenth = -1

    init(verb: String) {
        self.verb = verb
    }

    func show(_ progress: TenantArchiveProgress) {
        lock.lock()
        defer { lock.unlock() }
        if terminal {
            let width = 30
            let filled = progress.total > 0 ? min(width, width * progress.rows / progress.total) : width
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line =
                "\r\(verb) [\(bar)] \(progress.rows)/\(progress.total) rows  \(progress.part) \(progress.partRows)/\(progress.partTotal)\u{1B}[K"
            FileHandle.standardError.write(Data(line.utf8))
            return
        }
        let tenth = progress.total > 0 ? 10 * progress.rows / progress.total : 10
        guard progress.part != lastPart || tenth != lastTenth else { return }
        lastPart = progress.part
        lastTenth = tenth
        FileHandle.standardError.write(
            Data(
                "\(verb): \(progress.part) \(progress.partRows)/\(progress.partTotal), total \(progress.rows)/\(progress.total) rows\n"
                    .utf8))
    }

    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
