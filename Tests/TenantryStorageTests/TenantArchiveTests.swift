import Foundation
import SQLKit
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// One cell of an archived row, as a test reads it back.
enum ArchivedCell: Decodable, Equatable, CustomStringConvertible {
    case null
    case boolean(Bool)
    case integer(Int64)
    case text(String)

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .boolean(flag)
        } else if let number = try? container.decode(Int64.self) {
            self = .integer(number)
        } else {
            self = .text(try container.decode(String.self))
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .boolean(let flag): "\(flag)"
        case .integer(let number): "\(number)"
        case .text(let text): "\"\(text)\""
        }
    }
}

/// An archive read back for assertions: the manifest and each part's rows.
struct ReadArchive {
    var manifest: TenantArchiveManifest
    var rows: [String: [[String: ArchivedCell]]]

    /// Reads an uncompressed archive (tests export with `compressed: false` to look inside).
    init(_ url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        var offset = 0
        var entries: [String: [UInt8]] = [:]
        var order: [String] = []
        while offset + 512 <= bytes.count, bytes[offset] != 0 {
            let header = bytes[offset..<(offset + 512)]
            let name = String(decoding: header.prefix(100).prefix { $0 != 0 }, as: UTF8.self)
            let sizeText = String(decoding: header.dropFirst(124).prefix(11), as: UTF8.self)
            let size = try #require(Int(sizeText, radix: 8))
            offset += 512
            entries[name] = Array(bytes[offset..<(offset + size)])
            order.append(name)
            offset += size + (512 - size % 512) % 512
        }
        manifest = try JSONDecoder().decode(TenantArchiveManifest.self, from: Data(try #require(entries["manifest.json"])))
        #expect(order.first == "manifest.json")
        var rows: [String: [[String: ArchivedCell]]] = [:]
        for part in manifest.parts {
            let text = try #require(entries[part.file])
            rows[part.name] = try text.split(separator: 0x0A).map {
                try JSONDecoder().decode([String: ArchivedCell].self, from: Data($0))
            }
        }
        self.rows = rows
    }
}

/// Exports a tenant uncompressed into a temporary file and reads it back.
func exported(_ database: any DatabaseClient, _ tenant: TenantID, pageSize: Int = 3) async throws -> (URL, ReadArchive) {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tenant-\(UUID()).tar")
    try await TenantArchiveService(database: SQLDataStore(database), pageSize: pageSize)
        .export(tenant: tenant, to: url, compressed: false)
    return (url, try ReadArchive(url))
}

/// A tenant with rows in every tenant table and a longer audit trail (several pages of it).
func archivedTenant(_ database: any DatabaseClient, name: String) async throws -> Tenant {
    let tenant = try await Fixtures.seedTenant(database, name: name)
    try await database.withTenant(tenant.id) { scope in
        for index in 0..<7 {
            try await scope.auditEvents.append(Fixtures.auditEvent(in: tenant.id, action: "test.step\(index)"))
        }
    }
    return tenant
}

/// The columns of every table with a `tenant_id` column, and of `tenants` and `users`, as the
/// schema declares them.
func schemaColumns(_ context: TestDatabaseContext) async throws -> [String: Set<String>] {
    let rows: [any SQLRow]
    switch context.kind {
    case .postgres:
        rows = try await context.asOwner(
            """
            SELECT table_name AS t, column_name AS c FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name IN (SELECT table_name FROM information_schema.columns
                WHERE table_schema = 'public' AND column_name = 'tenant_id' UNION SELECT 'tenants' UNION SELECT 'users')
            """)
    case .sqlite:
        rows = try await context.database.withGlobal { scope in
            try await scope.sql.raw(
                """
                SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p
                WHERE m.type = 'table' AND (m.name IN ('tenants', 'users')
                    OR EXISTS (SELECT 1 FROM pragma_table_info(m.name) q WHERE q.name = 'tenant_id'))
                """
            ).all()
        }
    }
    var columns: [String: Set<String>] = [:]
    for row in rows {
        columns[try row.decode(column: "t", as: String.self), default: []].insert(try row.decode(column: "c", as: String.self))
    }
    return columns
}

/// Another tenant's work during a restore: how much was done, and what failed.
actor BusyTenantLoad {
    private(set) var operations = 0
    private(set) var errors: [String] = []
    private(set) var stopped = false

    func done() { operations += 1 }
    func failed(_ error: String) { errors.append(error) }
    func stop() { stopped = true }
}

/// A row as one comparable line, its columns in name order.
func canonical(_ row: [String: ArchivedCell]) -> String {
    row.keys.sorted().map { "\($0)=\(row[$0] ?? .null)" }.joined(separator: " ")
}

func expectRefused(
    _ code: TenantryError.Code, _ fieldCode: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("the import was not refused", sourceLocation: sourceLocation)
    } catch let error as TenantryError {
        #expect(error.code == code, sourceLocation: sourceLocation)
        #expect(
            error.fieldErrors.contains { $0.code == fieldCode }, "report: \(error.fieldErrors)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("Tenant archives")
struct TenantArchiveTests {
    @Test(
        "the catalogue covers every table with a tenant_id column, and every column of each (or says why it is left out)",
        arguments: TestDatabase.all)
    func catalogueCoversSchema(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let schema = try await schemaColumns(context)
            let scoped = Set(schema.keys).subtracting(["tenants", "users"])
            #expect(
                scoped == Set(TenantDataCatalogue.tenantTables.map(\.name)),
                "tenant tables not exported: \(scoped.subtracting(TenantDataCatalogue.tenantTables.map(\.name)))")
            for table in TenantDataCatalogue.parts {
                let declared = Set(table.columns.map(\.name)).union(table.omitted.keys)
                #expect(
                    schema[table.name] == declared, "\(table.name): schema \(schema[table.name] ?? []) vs catalogue \(declared)")
            }
        }
    }

    @Test("the catalogue's schema version is the latest migration's")
    func schemaVersion() {
        #expect(Schema.migrations(for: .sqlite).last?.version == TenantDataCatalogue.schemaVersion)
        #expect(Schema.migrations(for: .postgres).last?.version == TenantDataCatalogue.schemaVersion)
    }

    @Test(
        "export then import into a fresh instance reproduces every row of every table, byte for byte",
        arguments: TestDatabase.all)
    func roundTripIntoFreshInstance(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { source in
            let tenant = try await archivedTenant(source.database, name: "Source")
            _ = try await archivedTenant(source.database, name: "Other")
            let (url, original) = try await exported(source.database, tenant.id)
            defer { try? FileManager.default.removeItem(at: url) }
            for table in TenantDataCatalogue.parts {
                #expect((original.rows[table.name]?.count ?? 0) > 0, "no rows of \(table.name) in the archive")
            }
            try await withTestDatabase(engine) { target in
                let report = try await TenantArchiveService(database: SQLDataStore(target.database))
                    .importArchive(from: url, as: .keepIdentifiers)
                #expect(report.tenant.id == tenant.id)
                #expect(report.tenant.slug == tenant.slug)
                #expect(report.usersCreated == original.rows["users"]?.count)
                let (copyURL, copy) = try await exported(target.database, tenant.id, pageSize: 1000)
                defer { try? FileManager.default.removeItem(at: copyURL) }
                #expect(copy.manifest.parts.map(\.sha256) == original.manifest.parts.map(\.sha256))
                for table in TenantDataCatalogue.parts {
                    #expect(copy.rows[table.name] == original.rows[table.name], "\(table.name) differs")
                }
                let verifier = AuditChainVerifier(database: SQLDataStore(target.database), batchSize: 4)
                #expect(
                    try await verifier.verify(tenant: tenant.id).get().verified
                        == Int64(original.rows["audit_events"]?.count ?? 0))
            }
        }
    }

    @Test(
        "import as a new tenant copies every row with new identifiers, references intact, other tenants untouched",
        arguments: TestDatabase.all)
    func roundTripAsNewTenant(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await archivedTenant(context.database, name: "Source")
            let other = try await archivedTenant(context.database, name: "Other")
            let (url, original) = try await exported(context.database, tenant.id)
            defer { try? FileManager.default.removeItem(at: url) }
            let (otherURL, otherBefore) = try await exported(context.database, other.id)
            defer { try? FileManager.default.removeItem(at: otherURL) }

            let report = try await TenantArchiveService(database: SQLDataStore(context.database))
                .importArchive(from: url, as: .newTenant(slug: try Slug("the-copy"), name: "The Copy"))
            let remap = try #require(report.remap)
            #expect(report.tenant.id != tenant.id)
            #expect(report.tenant.slug.rawValue == "the-copy")
            #expect(report.usersCreated == 0)
            #expect(report.usersMatched == original.rows["users"]?.count)

            let (copyURL, copy) = try await exported(context.database, report.tenant.id)
            defer { try? FileManager.default.removeItem(at: copyURL) }
            for table in TenantDataCatalogue.parts {
                let before = original.rows[table.name] ?? []
                let after = copy.rows[table.name] ?? []
                guard table.copiedToNewTenant else {
                    #expect(after.isEmpty, "\(table.name) copied")
                    continue
                }
                var expected: [[String: ArchivedCell]] = []
                for row in before {
                    var row = row
                    for column in table.columns {
                        switch column.role {
                        case .tenant: row[column.name] = .text(report.tenant.id.description)
                        case .owned:
                            if case .text(let id) = row[column.name] { row[column.name] = .text(try #require(remap.map(id))) }
                        case .chain, .credentialHash: row[column.name] = nil
                        case .verification: row[column.name] = .null
                        case .user, .plain: break
                        }
                    }
                    if table.name == "tenants" {
                        row["slug"] = .text("the-copy")
                        row["name"] = .text("The Copy")
                    }
                    expected.append(row)
                }
                let actual = after.map { row in
                    row.filter { name, _ in
                        table.columns.first { $0.name == name }.map { ![.chain, .credentialHash].contains($0.role) } ?? true
                    }
                }
                #expect(actual.map(canonical).sorted() == expected.map(canonical).sorted(), "\(table.name) differs")
            }
            let verifier = AuditChainVerifier(database: SQLDataStore(context.database), batchSize: 4)
            #expect(
                try await verifier.verify(tenant: report.tenant.id).get().verified
                    == Int64(original.rows["audit_events"]?.count ?? 0))
            #expect(try await verifier.verify(tenant: tenant.id).get().verified > 0)

            let (otherAfterURL, otherAfter) = try await exported(context.database, other.id)
            defer { try? FileManager.default.removeItem(at: otherAfterURL) }
            #expect(otherAfter.manifest.parts.map(\.sha256) == otherBefore.manifest.parts.map(\.sha256))
            let (sourceAfterURL, sourceAfter) = try await exported(context.database, tenant.id)
            defer { try? FileManager.default.removeItem(at: sourceAfterURL) }
            #expect(sourceAfter.manifest.parts.map(\.sha256) == original.manifest.parts.map(\.sha256))
        }
    }

    @Test("a compressed archive round-trips like a plain one", arguments: TestDatabase.all)
    func compressedRoundTrip(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await archivedTenant(context.database, name: "Zipped")
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("tenant-\(UUID()).tar.gz")
            defer { try? FileManager.default.removeItem(at: url) }
            let service = TenantArchiveService(database: SQLDataStore(context.database))
            let manifest = try await service.export(tenant: tenant.id, to: url)
            let head = [UInt8](try Data(contentsOf: url).prefix(2))
            #expect(head == [0x1F, 0x8B])
            let report = try await service.importArchive(from: url, as: .newTenant(slug: try Slug("zipped-copy"), name: nil))
            #expect(
                report.rows.reduce(0) { $0 + $1.rows } + report.usersMatched
                    + report.skipped.reduce(0) { $0 + $1.rows } == manifest.totalRows)
        }
    }

    @Test(
        "a damaged, truncated or tampered archive, or one of a newer format, is refused and leaves nothing behind",
        arguments: TestDatabase.all)
    func damagedArchivesRefused(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await archivedTenant(context.database, name: "Damaged")
            let store = SQLDataStore(context.database)
            let service = TenantArchiveService(database: store)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("archives-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let plain = directory.appendingPathComponent("plain.tar")
            let zipped = directory.appendingPathComponent("zipped.tar.gz")
            try await service.export(tenant: tenant.id, to: plain, compressed: false)
            try await service.export(tenant: tenant.id, to: zipped)
            let plainBytes = [UInt8](try Data(contentsOf: plain))
            let zippedBytes = [UInt8](try Data(contentsOf: zipped))

            func variant(_ name: String, _ bytes: [UInt8]) throws -> URL {
                let url = directory.appendingPathComponent(name)
                try Data(bytes).write(to: url)
                return url
            }
            func replacing(_ bytes: [UInt8], _ old: String, _ new: String) throws -> [UInt8] {
                let needle = Array(old.utf8)
                let start = try #require(
                    (0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
                var bytes = bytes
                bytes.replaceSubrange(start..<(start + needle.count), with: Array(new.utf8))
                return bytes
            }
            let asCopy = TenantImportMode.newTenant(slug: try Slug("never-created"), name: nil)

            var corrupt = zippedBytes
            for index in stride(from: corrupt.count / 3, to: corrupt.count / 3 + 64, by: 1) { corrupt[index] ^= 0x5A }
            await expectRefusedWithAnyOf(["corrupt", "truncated", "checksum_mismatch"]) {
                _ = try await service.importArchive(from: try variant("corrupt.tar.gz", corrupt), as: asCopy)
            }
            await expectRefused(.validationFailed, "truncated") {
                _ = try await service.importArchive(
                    from: try variant("truncated.tar.gz", Array(zippedBytes.prefix(zippedBytes.count / 2))), as: asCopy)
            }
            await expectRefused(.validationFailed, "truncated") {
                _ = try await service.importArchive(
                    from: try variant("truncated.tar", Array(plainBytes.prefix(plainBytes.count - 2048))), as: asCopy)
            }
            // An email changed inside the users part: the tar framing holds, the part's hash does not.
            let ownerEmail = try #require(try ReadArchive(plain).rows["users"]?.first?["email"])
            guard case .text(let email) = ownerEmail else { throw TestSetupError("no email") }
            await expectRefused(.validationFailed, "checksum_mismatch") {
                _ = try await service.importArchive(
                    from: try variant("tampered.tar", try replacing(plainBytes, email, "X" + email.dropFirst())), as: asCopy)
            }
            await expectRefused(.validationFailed, "unsupported_format_version") {
                _ = try await service.importArchive(
                    from: try variant("newer.tar", try replacing(plainBytes, "\"format_version\":1", "\"format_version\":9")),
                    as: asCopy)
            }
            await expectRefused(.validationFailed, "newer_schema") {
                _ = try await service.importArchive(
                    from: try variant(
                        "newer-schema.tar",
                        try replacing(
                            plainBytes, "\"schema_version\":\(TenantDataCatalogue.schemaVersion)",
                            "\"schema_version\":\(TenantDataCatalogue.schemaVersion + 7)")), as: asCopy)
            }
            await expectRefused(.validationFailed, "corrupt") {
                _ = try await service.importArchive(
                    from: try variant(
                        "not-an-archive.tar", Array("hello, this is not a tar file".utf8) + [UInt8](repeating: 0, count: 1024)),
                    as: asCopy)
            }
            let left = try await context.database.withGlobal { scope in
                try await scope.tenants.find(slug: try Slug("never-created"))
            }
            #expect(left == nil)
            let tenants = try await context.database.withGlobal { scope in
                try await scope.sql.raw("SELECT count(*) AS n FROM tenants").first()?.decode(column: "n", as: Int.self)
            }
            #expect(tenants == 1)
        }
    }

    @Test(
        "a taken slug or tenant id, or a user email held by another account, is refused with a report",
        arguments: TestDatabase.all)
    func conflictsRefused(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await archivedTenant(context.database, name: "Conflicted")
            let other = try await archivedTenant(context.database, name: "Neighbour")
            let (url, original) = try await exported(context.database, tenant.id)
            defer { try? FileManager.default.removeItem(at: url) }
            let service = TenantArchiveService(database: SQLDataStore(context.database))
            await expectRefused(.conflict, "tenant_exists") {
                _ = try await service.importArchive(from: url, as: .keepIdentifiers)
            }
            await expectRefused(.conflict, "slug_taken") {
                _ = try await service.importArchive(from: url, as: .newTenant(slug: other.slug, name: nil))
            }

            try await withTestDatabase(engine) { target in
                // Another instance where someone else already holds one of the archive's emails.
                guard case .text(let email) = try #require(original.rows["users"]?.first?["email"]) else {
                    throw TestSetupError("no email")
                }
                let holder = User(
                    id: .generate(), email: try EmailAddress(email), name: "Someone else", createdAt: Date(), updatedAt: Date())
                try await target.database.withGlobal { scope in try await scope.users.create(holder, passwordHash: nil) }
                let targetService = TenantArchiveService(database: SQLDataStore(target.database))
                await expectRefused(.conflict, "email_conflict") {
                    _ = try await targetService.importArchive(from: url, as: .keepIdentifiers)
                }
                let left = try await target.database.withGlobal { scope in try await scope.tenants.find(id: tenant.id) }
                #expect(left == nil)
                let users = try await target.database.withGlobal { scope in
                    try await scope.sql.raw("SELECT count(*) AS n FROM users").first()?.decode(column: "n", as: Int.self)
                }
                #expect(users == 1)
            }
        }
    }

    @Test(
        "a restore replaces the tenant's rows with the backup's, while another tenant under load sees no error",
        arguments: TestDatabase.all)
    func restoreUnderLoad(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await archivedTenant(context.database, name: "Restored")
            let busy = try await archivedTenant(context.database, name: "Busy")
            let (backupURL, backup) = try await exported(context.database, tenant.id)
            defer { try? FileManager.default.removeItem(at: backupURL) }
            // Changes after the backup, which the restore must undo.
            try await context.database.withTenant(tenant.id) { scope in
                for index in 0..<5 {
                    try await scope.auditEvents.append(Fixtures.auditEvent(in: tenant.id, action: "after.backup\(index)"))
                }
                let now = Date()
                try await scope.teams.create(
                    Team(tenantID: tenant.id, id: .generate(), name: "Later", description: nil, createdAt: now, updatedAt: now))
            }
            let load = BusyTenantLoad()
            let worker = Task {
                while await !load.stopped {
                    do {
                        try await context.database.withTenant(busy.id) { scope in
                            try await scope.auditEvents.append(Fixtures.auditEvent(in: busy.id, action: "busy.work"))
                        }
                        _ = try await context.database.withTenant(busy.id) { scope in
                            try await scope.auditEvents.list(PageRequest(limit: 20, after: nil))
                        }
                        await load.done()
                    } catch {
                        await load.failed(String(describing: error))
                    }
                }
            }
            // The other tenant is busy before the restore starts and stays busy after it ends.
            while await load.operations < 5 { try await Task.sleep(for: .milliseconds(5)) }
            let service = TenantArchiveService(database: SQLDataStore(context.database), pageSize: 3)
            let report = try await service.restore(tenant: tenant.id, from: backupURL)
            let atRestoreEnd = await load.operations
            while await load.operations < atRestoreEnd + 5 { try await Task.sleep(for: .milliseconds(5)) }
            await load.stop()
            await worker.value
            let operations = await load.operations
            let errors = await load.errors
            #expect(errors.isEmpty, "the busy tenant saw: \(errors.prefix(3))")
            #expect(report.tenant.id == tenant.id)

            let (afterURL, after) = try await exported(context.database, tenant.id)
            defer { try? FileManager.default.removeItem(at: afterURL) }
            // Every table is the backup's, but for the restore's own record at the end of the trail.
            let restoreRecords: Set<String> = ["audit_chain_heads", "audit_events", "domain_events"]
            func restoredParts(_ manifest: TenantArchiveManifest) -> [String] {
                manifest.parts.filter { !restoreRecords.contains($0.name) }.map(\.sha256)
            }
            #expect(restoredParts(after.manifest) == restoredParts(backup.manifest))
            let backupEvents = backup.rows["audit_events"]?.count ?? 0
            #expect(after.rows["audit_events"]?.count == backupEvents + 1)
            #expect(after.rows["domain_events"]?.count == (backup.rows["domain_events"]?.count ?? 0) + 1)
            let verifier = AuditChainVerifier(database: SQLDataStore(context.database), batchSize: 4)
            #expect(try await verifier.verify(tenant: tenant.id).get().verified == Int64(backupEvents + 1))
            #expect(try await verifier.verify(tenant: busy.id).get().verified > Int64(operations))

            // Another tenant's backup, or a damaged one, is refused and changes nothing.
            let (busyURL, _) = try await exported(context.database, busy.id)
            defer { try? FileManager.default.removeItem(at: busyURL) }
            await expectRefused(.validationFailed, "another_tenant") {
                _ = try await service.restore(tenant: tenant.id, from: busyURL)
            }
            var damaged = [UInt8](try Data(contentsOf: backupURL))
            damaged.removeLast(3000)
            let damagedURL = backupURL.appendingPathExtension("damaged")
            try Data(damaged).write(to: damagedURL)
            defer { try? FileManager.default.removeItem(at: damagedURL) }
            await expectRefused(.validationFailed, "truncated") {
                _ = try await service.restore(tenant: tenant.id, from: damagedURL)
            }
            let (stillURL, still) = try await exported(context.database, tenant.id)
            defer { try? FileManager.default.removeItem(at: stillURL) }
            #expect(still.manifest.parts.map(\.sha256) == after.manifest.parts.map(\.sha256))
        }
    }
}

func expectRefusedWithAnyOf(
    _ codes: Set<String>, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("the import was not refused", sourceLocation: sourceLocation)
    } catch let error as TenantryError {
        #expect(error.code == .validationFailed, sourceLocation: sourceLocation)
        #expect(
            error.fieldErrors.contains { codes.contains($0.code) }, "report: \(error.fieldErrors)", sourceLocation: sourceLocation
        )
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}
