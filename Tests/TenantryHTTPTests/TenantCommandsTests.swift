import Foundation
import Synchronization
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// `tenantry tenant export|import|restore`, run as the binary operators run.
@Suite("Tenant data commands")
struct TenantCommandsTests {
    @Test(
        "the binary exports a tenant, imports it as a new tenant, refuses a taken slug and a truncated archive, and restores a backup",
        arguments: TestDatabase.all)
    func exportImportRestore(engine: TestDatabase) async throws {
        try await withCommandDatabase(engine) { database in
            let seeded = Mutex<Tenant?>(nil)
            try await database.use { client in
                let tenant = try await Fixtures.seedTenant(client, name: "Command")
                seeded.withLock { $0 = tenant }
            }
            let tenant = try #require(seeded.withLock { $0 })
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tenantry-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let archive = folder.appendingPathComponent("command.tar.gz").path
            func run(_ arguments: [String]) async throws -> (Int32?, [String]) {
                let process = try ServerProcess(arguments: arguments, environment: database.environment)
                return (try await process.waitForExit(timeout: .seconds(120)), process.lines)
            }

            let (exported, exportLines) = try await run([
                "tenant", "export", "--tenant", tenant.slug.rawValue, "--output", archive,
            ])
            #expect(exported == 0, "\(exportLines)")
            #expect(exportLines.contains { $0.hasPrefix("exported tenant \(tenant.id)") }, "\(exportLines)")
            let total = exportLines.first { $0.hasPrefix("total: ") }
            #expect(total != nil && total != "total: 0 row(s)", "\(exportLines)")
            let (unknown, _) = try await run(["tenant", "export", "--tenant", "no-such-tenant", "--output", archive + ".x"])
            #expect(unknown == 66)

            let (imported, importLines) = try await run([
                "tenant", "import", "--input", archive, "--as-new-tenant", "--slug", "command-copy",
            ])
            #expect(imported == 0, "\(importLines)")
            #expect(importLines.contains { $0.hasPrefix("imported tenant \(tenant.id) as ") }, "\(importLines)")
            let (taken, takenLines) = try await run([
                "tenant", "import", "--input", archive, "--as-new-tenant", "--slug", "command-copy",
            ])
            #expect(taken == 75, "\(takenLines)")

            let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
            let truncated = folder.appendingPathComponent("truncated.tar.gz").path
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
            let (refused, refusedLines) = try await run([
                "tenant", "import", "--input", truncated, "--as-new-tenant", "--slug", "command-half",
            ])
            #expect(refused == 65, "\(refusedLines)")

            // A team made after the export is gone once the export is restored as a backup.
            let teamsBefore = Mutex(0)
            try await database.use { client in
                try await client.withTenant(tenant.id) { scope in
                    teamsBefore.withLock { $0 = 0 }
                    let now = Date()
                    try await scope.teams.create(
                        Team(
                            tenantID: tenant.id, id: .generate(), name: "Later", description: nil, createdAt: now, updatedAt: now)
                    )
                    let count = try await scope.data.count(of: try #require(TenantDataCatalogue.part(named: "teams")))
                    teamsBefore.withLock { $0 = count }
                }
            }
            let (restored, restoreLines) = try await run([
                "tenant", "restore", "--tenant", tenant.id.description, "--backup", archive,
            ])
            #expect(restored == 0, "\(restoreLines)")
            #expect(restoreLines.contains { $0.hasPrefix("restored tenant \(tenant.id)") }, "\(restoreLines)")
            let teamsAfter = Mutex(0)
            let actions = Mutex<[String]>([])
            try await database.use { client in
                try await client.withTenant(tenant.id) { scope in
                    let count = try await scope.data.count(of: try #require(TenantDataCatalogue.part(named: "teams")))
                    teamsAfter.withLock { $0 = count }
                    let events = try await scope.auditEvents.list(PageRequest(limit: 200), filter: AuditEventFilter()).items
                    actions.withLock { $0 = events.map(\.action) }
                }
            }
            #expect(teamsAfter.withLock { $0 } == teamsBefore.withLock { $0 } - 1)
            #expect(actions.withLock { $0.last } == "tenant.backup_restored")
        }
    }
}
