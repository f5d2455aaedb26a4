import Crypto
public import Foundation
public import TenantryCore

/// How far an export or import has come, reported after each page of rows.
public struct TenantArchiveProgress: Sendable {
    /// The table being read or written.
    public var part: String
    /// Rows of that table done.
    public var partRows: Int
    /// Rows of that table in all.
    public var partTotal: Int
    /// Rows of every table done.
    public var rows: Int
    /// Rows of every table in all.
    public var total: Int
}

/// Where an import puts the archive's tenant.
public enum TenantImportMode: Sendable {
    /// The same tenant, identifiers kept: into another instance (or this one once the tenant is
    /// gone). Refused when the tenant id or its slug exists here.
    case keepIdentifiers
    /// A new tenant of this instance with this slug (and name, or the archive's): every
    /// identifier the tenant owns is remapped, consistently across its tables.
    case newTenant(slug: Slug, name: String?)
}

/// What an import did.
public struct TenantImportReport: Sendable {
    /// The tenant created.
    public var tenant: Tenant
    /// The exported tenant's id.
    public var sourceTenantID: String
    /// Rows written per table, in archive order.
    public var rows: [(table: String, rows: Int)]
    /// Users created (no account here with their id or email).
    public var usersCreated: Int
    /// Users found here with the archive's id (and, across instances, the same email).
    public var usersMatched: Int
    /// Rows of the archive deliberately not copied (API key secrets of a copy), per table.
    public var skipped: [(table: String, rows: Int)]
    /// The identifier remap of an import as a new tenant (`nil` when identifiers were kept).
    public var remap: IdentifierRemap?
}

/// Exports a tenant's data into one archive (a gzip-compressed tar of a manifest and one JSON
/// Lines part per table) and imports such an archive, as the same tenant into another instance
/// or as a new tenant of this one. Both stream: rows are read and written a page at a time, so
/// memory stays flat whatever the size. docs/export.md describes the format and each table.
public struct TenantArchiveService: Sendable {
    let database: any DataStore
    /// Rows per page read.
    let pageSize: Int

    /// Creates the service.
    public init(database: any DataStore, pageSize: Int = 5_000) {
        self.database = database
        self.pageSize = pageSize
    }

    // MARK: - Tenant lookup

    /// The tenant named by its id or its slug.
    public func tenant(named reference: String) async throws -> Tenant {
        let found = try await database.readGlobal { scope -> Tenant? in
            if let id = TenantID(reference) { return try await scope.tenants.find(id: id) }
            guard let slug = try? Slug(reference, field: "tenant") else { return nil }
            return try await scope.tenants.find(slug: slug)
        }
        guard let found else { throw TenantryError(.notFound, "No tenant has this id or slug.") }
        return found
    }

    // MARK: - Export

    /// Writes the tenant's archive to `destination` (replacing it), gzip-compressed unless
    /// `compressed` is false. The archive appears at `destination` only once complete.
    @discardableResult
    public func export(
        tenant id: TenantID, to destination: URL, compressed: Bool = true, actor: AuditEvent.Actor = .system,
        progress: @escaping @Sendable (TenantArchiveProgress) -> Void = { _ in }
    ) async throws -> TenantArchiveManifest {
        let parts = TenantDataCatalogue.parts
        let (tenant, totals) = try await database.withTenant(id) { scope -> (Tenant?, [Int]) in
            guard let tenant = try await scope.tenants.find(id: id) else { return (nil, []) }
            var totals: [Int] = []
            for table in parts { totals.append(try await scope.data.count(of: table)) }
            return (tenant, totals)
        }
        guard let tenant else { throw TenantryError(.notFound, "No tenant has this id.") }
        let fileManager = FileManager.default
        let staging = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).parts")
        try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: staging) }

        let total = totals.reduce(0, +)
        var done = 0
        var manifestParts: [TenantArchiveManifest.Part] = []
        for (table, partTotal) in zip(parts, totals) {
            let file = staging.appendingPathComponent("\(table.name).jsonl")
            let part = try await writePart(table, of: id, to: file) { partRows in
                progress(.init(part: table.name, partRows: partRows, partTotal: partTotal, rows: done + partRows, total: total))
            }
            done += part.rows
            manifestParts.append(part)
        }
        let manifest = TenantArchiveManifest(
            format: TenantArchiveManifest.formatName, formatVersion: TenantArchiveManifest.currentFormatVersion,
            schemaVersion: TenantDataCatalogue.schemaVersion, createdAt: FastFormatting.timestamp(Date()),
            tenant: .init(id: tenant.id.description, slug: tenant.slug.rawValue, name: tenant.name), parts: manifestParts)

        let partial = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString).partial")
        do {
            let output = try ArchiveOutput(creating: partial, compressed: compressed)
            let now = Date()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let manifestBytes = Array(try encoder.encode(manifest))
            try output.write(TarFormat.header(name: TenantArchiveManifest.entryName, size: manifestBytes.count, modified: now))
            try output.write(manifestBytes)
            try output.write([UInt8](repeating: 0, count: TarFormat.padding(manifestBytes.count)))
            for part in manifestParts {
                let file = staging.appendingPathComponent("\(part.name).jsonl")
                let size = try fileManager.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
                try output.write(TarFormat.header(name: part.file, size: size, modified: now))
                guard let input = FileHandle(forReadingAtPath: file.path) else {
                    throw TenantryError(.internalError, "A staged part of the export cannot be read.")
                }
                defer { try? input.close() }
                while let chunk = try input.read(upToCount: 256 * 1024), !chunk.isEmpty {
                    try chunk.withUnsafeBytes { try output.write($0) }
                }
                try output.write([UInt8](repeating: 0, count: TarFormat.padding(size)))
            }
            try output.write([UInt8](repeating: 0, count: TarFormat.block * 2))
            try output.finish()
            if fileManager.fileExists(atPath: destination.path) { try fileManager.removeItem(at: destination) }
            try fileManager.moveItem(at: partial, to: destination)
        } catch {
            try? fileManager.removeItem(at: partial)
            throw error
        }
        try await recordPlatformEvent(
            "tenant.exported", tenant: id, actor: actor,
            changes: ["rows": .init(before: nil, after: String(manifest.totalRows))])
        return manifest
    }

    /// Streams one table's rows into a JSON Lines file, a page at a time (each page in a
    /// short transaction of its own, so a long export holds no lock), hashing as it writes.
    private func writePart(
        _ table: TenantDataTable, of id: TenantID, to file: URL, progress: (Int) -> Void
    ) async throws -> TenantArchiveManifest.Part {
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw TenantryError(.internalError, "A staging file for the export cannot be created.")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        var hasher = SHA256()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(512 * 1024)
        var rows = 0
        var after: [TenantDataValue]?
        let keyIndices = table.keyIndices
        let pageSize = self.pageSize
        while true {
            let page = try await database.withTenant(id) { scope in
                try await scope.data.lines(of: table, after: after, limit: pageSize)
            }
            buffer.append(contentsOf: page.bytes)
            if buffer.count >= 256 * 1024 {
                hasher.update(data: buffer)
                try handle.write(contentsOf: buffer)
                buffer.removeAll(keepingCapacity: true)
            }
            rows += page.count
            progress(rows)
            guard let last = page.lastKey, page.count == pageSize, !keyIndices.isEmpty else { break }
            after = last
        }
        hasher.update(data: buffer)
        try handle.write(contentsOf: buffer)
        return .init(
            name: table.name, file: TenantArchiveManifest.file(of: table), rows: rows,
            sha256: FastFormatting.hex(hasher.finalize()), columns: table.columns.map(\.name))
    }

    // MARK: - Import

    /// Imports an archive in one transaction: it completes, or nothing of it remains. Refused
    /// with a report (``TenantryError/fieldErrors``): a damaged or truncated archive, a checksum
    /// or row count that does not match the manifest, a newer format or schema (all
    /// `validation_failed`); a tenant id or slug that exists, or users whose id or email belong
    /// to someone else here (all `conflict`).
    public func importArchive(
        from source: URL, as mode: TenantImportMode, actor: AuditEvent.Actor = .system,
        progress: @escaping @Sendable (TenantArchiveProgress) -> Void = { _ in }
    ) async throws -> TenantImportReport {
        let input = try ArchiveInput(opening: source)
        let manifest = try Self.readManifest(input)
        let remap: IdentifierRemap?
        let targetID: TenantID
        switch mode {
        case .keepIdentifiers:
            remap = nil
            guard let id = TenantID(manifest.tenant.id) else {
                throw Self.damaged("manifest", "The manifest names no valid tenant id.")
            }
            targetID = id
        case .newTenant:
            remap = IdentifierRemap()
            targetID = .generate()
        }
        let importer = try await database.withTenant(targetID) { scope in
            var importer = TenantImporter(
                manifest: manifest, mode: mode, targetID: targetID, remap: remap, progress: progress)
            try await importer.run(input: input, scope: scope)
            return importer
        }
        let tenant = importer.createdTenant
        guard let tenant else { throw TenantryError(.internalError, "The import created no tenant.") }
        try await recordPlatformEvent(
            "tenant.imported", tenant: targetID, actor: actor,
            changes: [
                "source_tenant": .init(before: nil, after: manifest.tenant.id),
                "rows": .init(before: nil, after: String(importer.written.reduce(0) { $0 + $1.rows })),
            ])
        return TenantImportReport(
            tenant: tenant, sourceTenantID: manifest.tenant.id, rows: importer.written,
            usersCreated: importer.usersCreated, usersMatched: importer.usersMatched, skipped: importer.skipped,
            remap: remap)
    }

    // MARK: - Restore

    /// Replaces a tenant's data with a backup's (an archive of this same tenant), in one
    /// transaction: every row the tenant owns is deleted and the backup's written in its place,
    /// or, on any refusal or failure, nothing changes. The tenant's own row (slug, name, status,
    /// plan) stays as it is now. Other tenants are not touched; on PostgreSQL they keep working
    /// throughout, on SQLite their writes wait for the one writer.
    ///
    /// The restore is recorded after the backup's rows, so the restored audit trail ends with
    /// it: the tenant's `tenant.backup_restored` event (which drops every node's cached access
    /// of the tenant), and the platform audit event.
    public func restore(
        tenant id: TenantID, from backup: URL, actor: AuditEvent.Actor = .system, origin: AuditEvent.Origin = .none,
        progress: @escaping @Sendable (TenantArchiveProgress) -> Void = { _ in }
    ) async throws -> TenantImportReport {
        let input = try ArchiveInput(opening: backup)
        let manifest = try Self.readManifest(input)
        guard manifest.tenant.id == id.description else {
            throw TenantryError(
                .validationFailed, "The backup is of another tenant.",
                fieldErrors: [
                    FieldError(
                        field: "backup", code: "another_tenant",
                        message: "The backup holds tenant \(manifest.tenant.id), not \(id).")
                ])
        }
        let (importer, removed) = try await database.withTenant(id) { scope -> (TenantImporter, Int) in
            try await scope.lockTenant()
            guard let current = try await scope.tenants.find(id: id) else {
                throw TenantryError(.notFound, "No tenant has this id.")
            }
            let removed = try await scope.data.removeAll()
            var importer = TenantImporter(
                manifest: manifest, mode: .keepIdentifiers, targetID: id, remap: nil, restoring: current, progress: progress)
            try await importer.run(input: input, scope: scope)
            let written = importer.written.reduce(0) { $0 + $1.rows }
            try await scope.record(
                AuditRecorder.event(
                    in: id, action: .tenantBackupRestored, actor: actor, target: .init(type: "tenant", id: id.description),
                    origin: origin,
                    changes: [
                        "backup_created_at": .init(before: nil, after: manifest.createdAt),
                        "rows": .init(before: String(removed), after: String(written)),
                    ]))
            return (importer, removed)
        }
        guard let tenant = importer.createdTenant else { throw TenantryError(.internalError, "The restore found no tenant.") }
        let written = importer.written.reduce(0) { $0 + $1.rows }
        try await recordPlatformEvent(
            EventType.tenantBackupRestored.rawValue, tenant: id, actor: actor, origin: origin,
            changes: [
                "backup_created_at": .init(before: nil, after: manifest.createdAt),
                "rows": .init(before: String(removed), after: String(written)),
            ])
        return TenantImportReport(
            tenant: tenant, sourceTenantID: manifest.tenant.id, rows: importer.written,
            usersCreated: importer.usersCreated, usersMatched: importer.usersMatched, skipped: importer.skipped, remap: nil)
    }

    /// Reads and checks the manifest, the archive's first entry.
    static func readManifest(_ input: ArchiveInput) throws -> TenantArchiveManifest {
        let manifest: TenantArchiveManifest
        do {
            guard let (name, size) = try TarFormat.parse(input.read(exactly: TarFormat.block)),
                name == TenantArchiveManifest.entryName, size <= 4 * 1024 * 1024
            else { throw ArchiveDamage.corrupt("the archive does not start with its manifest") }
            let bytes = try input.read(exactly: size)
            _ = try input.read(exactly: TarFormat.padding(size))
            do {
                manifest = try JSONDecoder().decode(TenantArchiveManifest.self, from: Data(bytes))
            } catch {
                throw ArchiveDamage.corrupt("the manifest is not a tenant archive manifest")
            }
        } catch let damage as ArchiveDamage {
            throw refusal(damage, entry: "manifest")
        }
        guard manifest.format == TenantArchiveManifest.formatName else {
            throw damaged("manifest", "The file is not a Tenantry tenant archive.")
        }
        guard manifest.formatVersion <= TenantArchiveManifest.currentFormatVersion else {
            throw TenantryError(
                .validationFailed, "The archive was written in a newer format.",
                fieldErrors: [
                    FieldError(
                        field: "manifest.format_version", code: "unsupported_format_version",
                        message:
                            "The archive's format version is \(manifest.formatVersion); this tenantry reads up to \(TenantArchiveManifest.currentFormatVersion). Import it with a newer tenantry."
                    )
                ])
        }
        guard manifest.schemaVersion <= TenantDataCatalogue.schemaVersion else {
            throw TenantryError(
                .validationFailed, "The archive comes from a newer schema.",
                fieldErrors: [
                    FieldError(
                        field: "manifest.schema_version", code: "newer_schema",
                        message:
                            "The archive's schema version is \(manifest.schemaVersion); this tenantry's is \(TenantDataCatalogue.schemaVersion). Import it with a newer tenantry."
                    )
                ])
        }
        var problems: [FieldError] = []
        for part in manifest.parts {
            guard let table = TenantDataCatalogue.part(named: part.name) else {
                problems.append(
                    FieldError(field: "parts.\(part.name)", code: "unknown_table", message: "No table \(part.name) exists here."))
                continue
            }
            for column in part.columns where table.index(of: column) == nil {
                problems.append(
                    FieldError(
                        field: "parts.\(part.name).\(column)", code: "unknown_column",
                        message: "The table \(part.name) has no column \(column) here."))
            }
        }
        for required in ["tenants", "users"] where !manifest.parts.contains(where: { $0.name == required }) {
            problems.append(
                FieldError(field: "parts.\(required)", code: "missing_part", message: "The archive has no \(required) part."))
        }
        guard problems.isEmpty else {
            throw TenantryError(.validationFailed, "The archive does not match this instance's tables.", fieldErrors: problems)
        }
        return manifest
    }

    /// The refusal of a damaged archive.
    static func refusal(_ damage: ArchiveDamage, entry: String) -> TenantryError {
        switch damage {
        case .truncated:
            return TenantryError(
                .validationFailed, "The archive is truncated.",
                fieldErrors: [FieldError(field: entry, code: "truncated", message: "The archive ends inside \(entry).")])
        case .corrupt(let what):
            return damaged(entry, "The archive is damaged: \(what).")
        }
    }

    static func damaged(_ entry: String, _ message: String) -> TenantryError {
        TenantryError(
            .validationFailed, "The archive is damaged.",
            fieldErrors: [FieldError(field: entry, code: "corrupt", message: message)])
    }

    private func recordPlatformEvent(
        _ action: String, tenant: TenantID, actor: AuditEvent.Actor, origin: AuditEvent.Origin = .none,
        changes: [String: AuditEvent.Change]
    ) async throws {
        try await database.withGlobal { scope in
            try await scope.platformAuditEvents.append(
                AuditEvent(
                    tenantID: tenant, id: .generate(), occurredAt: Date(), actor: actor, action: action,
                    target: .init(type: "tenant", id: tenant.description), origin: origin, changes: changes))
        }
    }
}
