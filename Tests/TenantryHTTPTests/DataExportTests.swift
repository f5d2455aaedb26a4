import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// Background exports of a tenant's data (owners' and operators'), and the operators' backups
/// and restores, through the HTTP API.
@Suite("Data exports and backups")
struct DataExportTests {
    /// Runs every queued export job.
    static func runExportJobs(_ context: TestApplicationContext) async throws {
        let worker = JobWorker(
            database: context.identity.database, handler: TenantExportJob(exports: UseCases(context.identity).exports),
            logger: TestLogging.logger)
        while try await worker.runOnce() {}
    }

    /// The body of a download, and its headers.
    static func download(_ client: any TestClientProtocol, _ path: String, token: String) async throws -> (
        status: HTTPResponse.Status, headers: HTTPFields, bytes: [UInt8]
    ) {
        try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(token)"]) {
            ($0.status, $0.headers, Array($0.body.readableBytesView))
        }
    }

    static func outboxTypes(_ context: TestApplicationContext, tenant: String) async throws -> [String] {
        let id = try #require(TenantID(tenant))
        return try await context.identity.database.withTenant(id) { scope in
            try await scope.auditEvents.list(PageRequest(limit: 200), filter: AuditEventFilter()).items.map(\.action)
        }
    }

    @Test(
        "an owner's export runs in the background, shows its progress, and downloads as an archive whose checksum matches",
        arguments: TestDatabase.all)
    func ownerExportRoundTrip(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            _ = try await client.json(.post, "/api/v1/teams", ["name": "Platform team"], token: owner.accessToken)
            let requested = try await client.json(.post, "/api/v1/tenant/exports", token: owner.accessToken)
            #expect(requested.status == .accepted, "\(requested.raw)")
            let id = try #require(requested.body["id"] as? String)
            #expect(requested.headers[.location] == "/api/v1/tenant/exports/\(id)")
            #expect(requested.body["status"] as? String == "queued")
            #expect(requested.body["download_url"] == nil)

            // Before the job runs there is nothing to download.
            let early = try await Self.download(client, "/api/v1/tenant/exports/\(id)/download", token: owner.accessToken)
            #expect(early.status == .conflict)

            try await Self.runExportJobs(context)
            let done = try await client.json(.get, "/api/v1/tenant/exports/\(id)", token: owner.accessToken)
            #expect(done.body["status"] as? String == "completed", "\(done.raw)")
            let progress = try #require(done.body["progress"] as? [String: Any])
            let rows = try #require(progress["rows"] as? Int)
            #expect(rows > 0 && progress["total"] as? Int == rows)
            let digest = try #require(done.body["sha256"] as? String)
            let size = try #require(done.body["size_bytes"] as? Int)
            let expires = try #require((done.body["expires_at"] as? String).flatMap(RFC3339.parse))
            #expect(abs(expires.timeIntervalSinceNow - context.configuration.exportExpiry) < 120)
            let url = try #require(done.body["download_url"] as? String)

            let archive = try await Self.download(client, url, token: owner.accessToken)
            #expect(archive.status == .ok)
            #expect(archive.headers[.contentType] == "application/gzip")
            #expect(archive.bytes.count == size)
            #expect(FastFormatting.hex(SHA256.hash(data: archive.bytes)) == digest)
            #expect(
                archive.headers[HTTPField.Name("Repr-Digest")!]
                    == "sha-256=:\(Data(SHA256.hash(data: archive.bytes)).base64EncodedString()):")

            // The archive is a real tenant archive: it imports as a new tenant, team included.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID()).tar.gz")
            defer { try? FileManager.default.removeItem(at: file) }
            try Data(archive.bytes).write(to: file)
            let report = try await TenantArchiveService(database: context.identity.database).importArchive(
                from: file, as: .newTenant(slug: try Slug("copy-\(UUID().uuidString.prefix(6).lowercased())"), name: nil))
            #expect(report.rows.first { $0.table == "teams" }?.rows == 1)

            let actions = try await Self.outboxTypes(context, tenant: owner.tenantID)
            #expect(actions.contains("tenant.export_requested") && actions.contains("tenant.exported"))
            // A second run of the job changes nothing.
            let job = UseCases(context.identity).exports
            try await job.run(tenant: try #require(TenantID(owner.tenantID)), export: try #require(DataExportID(id)))
            let again = try await client.json(.get, "/api/v1/tenant/exports/\(id)", token: owner.accessToken)
            #expect(again.body["sha256"] as? String == digest)
            #expect(try await Self.outboxTypes(context, tenant: owner.tenantID).filter { $0 == "tenant.exported" }.count == 1)
        }
    }

    @Test(
        "exports are the owners': an admin is refused, owners do not see operators' exports, operators see and download all",
        arguments: TestDatabase.all)
    func exportsBelongToOwnersAndOperators(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let admin = try await client.addSignedInMember(
                context, adminToken: owner.accessToken, tenantSlug: owner.tenantSlug, role: "admin")
            #expect(try await client.json(.post, "/api/v1/tenant/exports", token: admin.token).status == .forbidden)
            let support = try await client.signedInOperator(context.identity, role: .support)
            let superAdmin = try await client.signedInOperator(context.identity)
            let platformPath = "/api/v1/platform/tenants/\(owner.tenantID)/exports"
            #expect(try await client.json(.post, platformPath, token: support.token).status == .forbidden)
            let byOperator = try await client.json(.post, platformPath, token: superAdmin.token)
            #expect(byOperator.status == .accepted, "\(byOperator.raw)")
            let operatorExport = try #require(byOperator.body["id"] as? String)
            let byOwner = try await client.json(.post, "/api/v1/tenant/exports", token: owner.accessToken)
            let ownerExport = try #require(byOwner.body["id"] as? String)
            try await Self.runExportJobs(context)

            let ownersList = try await client.json(.get, "/api/v1/tenant/exports", token: owner.accessToken)
            #expect((ownersList.body["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ownerExport])
            #expect(
                try await client.json(.get, "/api/v1/tenant/exports/\(operatorExport)", token: owner.accessToken).status
                    == .notFound)
            let operatorsList = try await client.json(.get, platformPath, token: support.token)
            #expect(
                Set((operatorsList.body["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? [])
                    == [operatorExport, ownerExport])
            let requester = try await client.json(.get, "\(platformPath)/\(operatorExport)", token: support.token)
            #expect((requester.body["requested_by"] as? [String: Any])?["type"] as? String == "operator")
            // Support reads; only a super admin downloads.
            #expect(
                try await Self.download(client, "\(platformPath)/\(operatorExport)/download", token: support.token).status
                    == .forbidden)
            let archive = try await Self.download(client, "\(platformPath)/\(ownerExport)/download", token: superAdmin.token)
            #expect(archive.status == .ok && archive.bytes.prefix(2) == [0x1f, 0x8b])
            let audit = try await client.json(.get, "/api/v1/platform/audit-events", token: support.token)
            #expect(
                (audit.body["items"] as? [[String: Any]])?.contains { $0["action"] as? String == "tenant.export_requested" }
                    == true, "\(audit.raw)")
        }
    }

    @Test(
        "an expired export's archive is removed by the sweep: the export shows expired and its download answers 410",
        arguments: TestDatabase.all)
    func expiredExportsAreRemoved(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let id = try #require(
                try await client.json(.post, "/api/v1/tenant/exports", token: owner.accessToken).body["id"] as? String)
            try await Self.runExportJobs(context)
            let settings = context.identity.exports
            let folder = DataExportService.folder(of: try #require(TenantID(owner.tenantID)), in: settings.directory)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).count == 1)
            // Not yet expired: the sweep keeps it.
            #expect(try await UseCases(context.identity).exports.sweep() == 0)
            let later = DataExportService(
                database: context.identity.database, settings: settings, logger: TestLogging.logger,
                now: { Date().addingTimeInterval(settings.expiry + 60) })
            #expect(try await later.sweep() == 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
            #expect(try await later.sweep() == 0)
            let gone = try await Self.download(client, "/api/v1/tenant/exports/\(id)/download", token: owner.accessToken)
            #expect(gone.status == .gone)
            let problem = try JSONSerialization.jsonObject(with: Data(gone.bytes)) as? [String: Any]
            #expect(problem?["code"] as? String == "export_expired")
            let shown = try await client.json(.get, "/api/v1/tenant/exports/\(id)", token: owner.accessToken)
            #expect(shown.body["status"] as? String == "expired" && shown.body["download_url"] == nil, "\(shown.raw)")
        }
    }

    @Test(
        "operators back a tenant up and restore it: later changes are gone, the chain verifies and ends with the restore",
        arguments: TestDatabase.all)
    func backupAndRestoreThroughTheAPI(engine: TestDatabase) async throws {
        let directory = TestDatabase.exportDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await withTestApplication(engine, configure: { $0.backupDirectory = directory }) { client, context in
            let owner = try await client.register()
            let other = try await client.register()
            let superAdmin = try await client.signedInOperator(context.identity)
            let base = "/api/v1/platform/tenants/\(owner.tenantID)/backups"
            let made = try await client.json(.post, base, token: superAdmin.token)
            #expect(made.status == .created, "\(made.raw)")
            let name = try #require(made.body["name"] as? String)
            let listed = try await client.json(.get, base, token: superAdmin.token)
            #expect((listed.body["items"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == [name])

            _ = try await client.json(.post, "/api/v1/teams", ["name": "After the backup"], token: owner.accessToken)
            _ = try await client.json(.post, "/api/v1/teams", ["name": "Other tenant's"], token: other.accessToken)

            let wrong = try await client.json(
                .post, "\(base)/\(name)/restore", ["confirm": "not-the-slug"], token: superAdmin.token)
            #expect(wrong.status == .unprocessableContent, "\(wrong.raw)")
            let unknown = try await client.json(
                .post, "\(base)/2020-01-01T000000.000Z.tar.gz/restore", ["confirm": owner.tenantSlug], token: superAdmin.token)
            #expect(unknown.status == .notFound)
            let restored = try await client.json(
                .post, "\(base)/\(name)/restore", ["confirm": owner.tenantSlug], token: superAdmin.token)
            #expect(restored.status == .ok, "\(restored.raw)")
            #expect((restored.body["total_rows"] as? Int ?? 0) > 0)

            let teams = try await client.json(.get, "/api/v1/teams", token: owner.accessToken)
            #expect((teams.body["items"] as? [[String: Any]])?.isEmpty == true, "\(teams.raw)")
            let otherTeams = try await client.json(.get, "/api/v1/teams", token: other.accessToken)
            #expect((otherTeams.body["items"] as? [[String: Any]])?.count == 1)
            let tenant = try #require(TenantID(owner.tenantID))
            let verified = try await AuditChainVerifier(database: context.identity.database).verify(tenant: tenant)
            guard case .success = verified else {
                Issue.record("the restored chain does not verify: \(verified)")
                return
            }
            #expect(try await Self.outboxTypes(context, tenant: owner.tenantID).last == "tenant.backup_restored")
        }
    }

    @Test("without a backup folder the backup routes answer 503 backups_disabled", arguments: TestDatabase.all)
    func backupsNeedAFolder(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let superAdmin = try await client.signedInOperator(context.identity)
            let base = "/api/v1/platform/tenants/\(owner.tenantID)/backups"
            for (method, path, body) in [
                (HTTPRequest.Method.get, base, nil), (.post, base, nil),
                (.post, "\(base)/x.tar.gz/restore", ["confirm": owner.tenantSlug]),
            ] as [(HTTPRequest.Method, String, [String: Any]?)] {
                let answer = try await client.json(method, path, body, token: superAdmin.token)
                #expect(
                    answer.status == .serviceUnavailable && answer.body["code"] as? String == "backups_disabled", "\(answer.raw)")
            }
        }
    }
}
