import Crypto
import Foundation
import TenantryCore

/// One import's walk through an archive, inside the transaction that writes it: each part is
/// read a chunk at a time, its rows parsed, changed for the target (see ``TenantImportMode``)
/// and inserted in batches, its bytes hashed; a part whose hash or row count differs from the
/// manifest, or any other refusal, throws and so rolls everything back.
struct TenantImporter: Sendable {
    let manifest: TenantArchiveManifest
    let mode: TenantImportMode
    let targetID: TenantID
    let remap: IdentifierRemap?
    let progress: @Sendable (TenantArchiveProgress) -> Void
    /// The tenant a restore replaces the data of (its row stays as it is); `nil` for an import.
    let restoring: Tenant?

    private(set) var createdTenant: Tenant?
    private(set) var written: [(table: String, rows: Int)] = []
    private(set) var skipped: [(table: String, rows: Int)] = []
    private(set) var usersCreated = 0
    private(set) var usersMatched = 0

    /// The chain head of an import as a new tenant, written once its events are re-chained.
    private var heldHead: [TenantDataValue]?
    /// The next sequence and previous hash of the re-chained audit trail.
    private var chainNext: Int64 = 1
    private var chainPrevious: String?
    private var userConflicts: [FieldError] = []
    /// Verified domains of a tenant imported with its identifiers, claimed once their rows exist.
    private var verifiedDomains: [(domain: String, id: TenantDomainID, at: Date)] = []
    private var done = 0

    init(
        manifest: TenantArchiveManifest, mode: TenantImportMode, targetID: TenantID, remap: IdentifierRemap?,
        restoring: Tenant? = nil, progress: @escaping @Sendable (TenantArchiveProgress) -> Void
    ) {
        self.restoring = restoring
        self.manifest = manifest
        self.mode = mode
        self.targetID = targetID
        self.remap = remap
        self.progress = progress
    }

    private static let batchSize = 1_000
    private static let chunkSize = 256 * 1024

    mutating func run(input: ArchiveInput, scope: some TenantTransaction) async throws {
        if restoring == nil { try await checkConflicts(scope) }
        for part in manifest.parts {
            guard let table = TenantDataCatalogue.part(named: part.name) else { continue }
            try await importPart(part, table: table, input: input, scope: scope)
        }
        do {
            let end = try input.read(exactly: TarFormat.block)
            guard try TarFormat.parse(end) == nil else {
                throw ArchiveDamage.corrupt("the archive holds an entry its manifest does not list")
            }
        } catch let damage as ArchiveDamage {
            throw TenantArchiveService.refusal(damage, entry: "archive end")
        }
        if let heldHead {
            try await scope.data.insert([rechainedHead(heldHead)], into: Self.table("audit_chain_heads"))
            if let index = written.firstIndex(where: { $0.table == "audit_chain_heads" }) { written[index].rows += 1 }
        }
        guard createdTenant != nil else {
            throw TenantArchiveService.damaged("parts.tenants", "The archive holds no tenant row.")
        }
    }

    /// The tenant id (keeping identifiers) and the slug must be free here.
    private func checkConflicts(_ scope: some TenantTransaction) async throws {
        var conflicts: [FieldError] = []
        if case .keepIdentifiers = mode, try await scope.tenants.find(id: targetID) != nil {
            conflicts.append(
                FieldError(
                    field: "tenant.id", code: "tenant_exists",
                    message: "A tenant with id \(targetID) exists here; import it as a new tenant (--as-new-tenant) instead."))
        }
        let slugText: String
        switch mode {
        case .keepIdentifiers: slugText = manifest.tenant.slug
        case .newTenant(let slug, _): slugText = slug.rawValue
        }
        if let slug = try? Slug(slugText), let existing = try await scope.tenants.find(slug: slug) {
            conflicts.append(
                FieldError(
                    field: "tenant.slug", code: "slug_taken",
                    message: "The slug \(slug.rawValue) belongs to tenant \(existing.id) here; choose another with --slug."))
        }
        guard conflicts.isEmpty else {
            throw TenantryError(.conflict, "The archive's tenant conflicts with this instance.", fieldErrors: conflicts)
        }
    }

    private mutating func importPart(
        _ part: TenantArchiveManifest.Part, table: TenantDataTable, input: ArchiveInput, scope: some TenantTransaction
    ) async throws {
        let size: Int
        do {
            guard let header = try TarFormat.parse(input.read(exactly: TarFormat.block)) else { throw ArchiveDamage.truncated }
            guard header.name == part.file else {
                throw ArchiveDamage.corrupt("the entry \(header.name) stands where the manifest lists \(part.file)")
            }
            size = header.size
        } catch let damage as ArchiveDamage {
            throw TenantArchiveService.refusal(damage, entry: part.file)
        }
        var hasher = SHA256()
        var rows = 0
        var kept = 0
        var carry: [UInt8] = []
        var batch: [[TenantDataValue]] = []
        var remaining = size
        let copied = remap == nil || table.copiedToNewTenant
        while remaining > 0 {
            let chunk: [UInt8]
            do {
                chunk = try input.read(exactly: min(remaining, Self.chunkSize))
            } catch let damage as ArchiveDamage {
                throw TenantArchiveService.refusal(damage, entry: part.file)
            }
            remaining -= chunk.count
            hasher.update(data: chunk)
            carry.append(contentsOf: chunk)
            var lineStart = 0
            while let newline = carry[lineStart...].firstIndex(of: 0x0A) {
                let line = carry[lineStart..<newline]
                lineStart = newline + 1
                rows += 1
                let row: [TenantDataValue]
                do {
                    row = try TenantDataLine.parse(line, columns: table.columns)
                } catch let damage as ArchiveDamage {
                    throw TenantArchiveService.refusal(damage, entry: "\(part.file) line \(rows)")
                }
                guard copied else { continue }
                if let prepared = try await prepare(row, table: table, line: rows, scope: scope) { batch.append(prepared) }
                if batch.count >= Self.batchSize {
                    kept += try await flush(&batch, into: table, scope: scope)
                    progress(
                        .init(
                            part: table.name, partRows: rows, partTotal: part.rows, rows: done + rows, total: manifest.totalRows))
                }
            }
            carry.removeFirst(lineStart)
        }
        do {
            _ = try input.read(exactly: TarFormat.padding(size))
        } catch let damage as ArchiveDamage {
            throw TenantArchiveService.refusal(damage, entry: part.file)
        }
        if !carry.isEmpty { throw TenantArchiveService.damaged(part.file, "The part \(part.file) ends inside a row.") }
        let digest = FastFormatting.hex(hasher.finalize())
        guard digest == part.sha256, rows == part.rows else {
            throw TenantryError(
                .validationFailed, "The archive does not match its manifest.",
                fieldErrors: [
                    FieldError(
                        field: part.file, code: "checksum_mismatch",
                        message:
                            "The manifest lists \(part.rows) rows with SHA-256 \(part.sha256); the archive holds \(rows) rows with SHA-256 \(digest)."
                    )
                ])
        }
        kept += try await flush(&batch, into: table, scope: scope)
        if table.name == "users", !userConflicts.isEmpty {
            throw TenantryError(
                .conflict, "Users of the archive conflict with accounts of this instance.", fieldErrors: userConflicts)
        }
        try await claimVerifiedDomains(scope)
        done += rows
        progress(.init(part: table.name, partRows: rows, partTotal: part.rows, rows: done, total: manifest.totalRows))
        written.append((table.name, kept))
        if !copied { skipped.append((table.name, rows)) }
    }

    /// A verified domain is the instance's claim (`verified_domains`): a tenant imported with
    /// its identifiers claims its verified domains again, unless another tenant here holds one.
    private mutating func claimVerifiedDomains(_ scope: some TenantTransaction) async throws {
        var conflicts: [FieldError] = []
        for claim in verifiedDomains {
            let claimed = try await scope.global.verifiedDomains.claim(
                domain: claim.domain, tenantID: targetID, domainID: claim.id, at: claim.at)
            if !claimed {
                conflicts.append(
                    FieldError(
                        field: "tenant_domains.\(claim.domain)", code: "domain_claimed",
                        message: "The domain \(claim.domain) is verified by another tenant here."))
            }
        }
        verifiedDomains = []
        guard conflicts.isEmpty else {
            throw TenantryError(
                .conflict, "Verified domains of the archive belong to other tenants here.", fieldErrors: conflicts)
        }
    }

    private func flush(_ batch: inout [[TenantDataValue]], into table: TenantDataTable, scope: some TenantTransaction)
        async throws -> Int
    {
        let count = batch.count
        try await scope.data.insert(batch, into: table)
        batch.removeAll(keepingCapacity: true)
        return count
    }

    /// A row as it is written here, or `nil` when it is not written (a user who exists here,
    /// the chain head held until the trail is re-chained).
    private mutating func prepare(
        _ row: [TenantDataValue], table: TenantDataTable, line: Int, scope: some TenantTransaction
    ) async throws -> [TenantDataValue]? {
        switch table.name {
        case "tenants" where restoring != nil:
            createdTenant = restoring
            return nil
        case "tenants": return try await prepareTenant(row, table: table, scope: scope)
        case "users": return try await prepareUser(row, table: table, line: line, scope: scope)
        default: break
        }
        guard let remap else {
            var row = row
            for (index, column) in table.columns.enumerated() where column.role == .tenant {
                row[index] = .text(targetID.description)
            }
            if table.name == "tenant_domains", let verifiedAt = row[Self.index("verified_at", table)].integer,
                let domain = row[Self.index("domain", table)].text,
                let id = row[Self.index("id", table)].text.flatMap(TenantDomainID.init)
            {
                verifiedDomains.append((domain, id, Date(timeIntervalSince1970: Double(verifiedAt) / 1_000_000)))
            }
            return row
        }
        var copy = row
        for (index, column) in table.columns.enumerated() {
            switch column.role {
            case .tenant: copy[index] = .text(targetID.description)
            case .owned: copy[index] = row[index].text.flatMap(remap.map).map(TenantDataValue.text) ?? .null
            case .credentialHash:
                copy[index] = .text(FastFormatting.hex(SHA256.hash(data: Array(UUID().uuidString.utf8))))
            case .verification: copy[index] = .null
            case .user, .plain, .chain: break
            }
        }
        switch table.name {
        case "audit_chain_heads":
            heldHead = copy
            chainNext = (copy[Self.index("anchor_sequence", table)].integer ?? 0) + 1
            chainPrevious = copy[Self.index("anchor_hash", table)].text
            return nil
        case "audit_events": return rechained(copy, table: table)
        default: return copy
        }
    }

    private mutating func prepareTenant(_ row: [TenantDataValue], table: TenantDataTable, scope: some TenantTransaction)
        async throws -> [TenantDataValue]
    {
        var row = row
        row[Self.index("id", table)] = .text(targetID.description)
        if case .newTenant(let slug, let name) = mode {
            row[Self.index("slug", table)] = .text(slug.rawValue)
            if let name { row[Self.index("name", table)] = .text(name) }
        }
        let plan = row[Self.index("plan_id", table)].text ?? ""
        guard try await scope.global.plans.find(id: plan) != nil else {
            throw TenantryError(
                .conflict, "The archive's plan does not exist here.",
                fieldErrors: [
                    FieldError(
                        field: "tenant.plan_id", code: "unknown_plan", message: "No plan \(plan) exists here; create it first.")
                ])
        }
        func date(_ column: String) -> Date {
            Date(timeIntervalSince1970: Double(row[Self.index(column, table)].integer ?? 0) / 1_000_000)
        }
        guard let slug = try? Slug(row[Self.index("slug", table)].text ?? ""),
            let status = Tenant.Status(rawValue: row[Self.index("status", table)].text ?? "")
        else { throw TenantArchiveService.damaged("parts/tenants.jsonl", "The tenant row is not valid.") }
        createdTenant = Tenant(
            id: targetID, slug: slug, name: row[Self.index("name", table)].text ?? "", status: status,
            createdAt: date("created_at"), updatedAt: date("updated_at"))
        return row
    }

    /// Users are global: one with the archive's id is the same person (across instances, only
    /// with the same email); a new one is created (without a password) unless another account
    /// holds the email, which is a conflict.
    private mutating func prepareUser(
        _ row: [TenantDataValue], table: TenantDataTable, line: Int, scope: some TenantTransaction
    ) async throws -> [TenantDataValue]? {
        let idText = row[Self.index("id", table)].text ?? ""
        let email = row[Self.index("email", table)].text ?? ""
        guard let id = UserID(idText) else {
            throw TenantArchiveService.damaged("parts/users.jsonl line \(line)", "A user row has no valid id.")
        }
        if let existing = try await scope.users.find(id: id) {
            if case .keepIdentifiers = mode, existing.email.rawValue.lowercased() != email.lowercased() {
                userConflicts.append(
                    FieldError(
                        field: "users.\(idText)", code: "user_id_conflict",
                        message: "User \(idText) exists here with another email than the archive's \(email)."))
                return nil
            }
            usersMatched += 1
            return nil
        }
        if let other = try await scope.users.find(email: EmailAddress(stored: email)) {
            userConflicts.append(
                FieldError(
                    field: "users.\(idText)", code: "email_conflict",
                    message: "The email \(email) of archived user \(idText) belongs to user \(other.id) here."))
            return nil
        }
        usersCreated += 1
        return row
    }

    /// An audit event of a copy, linked into the copy's own chain (its tenant and id changed,
    /// so every hash does): the trail is re-chained in id order from the retention anchor.
    private mutating func rechained(_ row: [TenantDataValue], table: TenantDataTable) -> [TenantDataValue] {
        let sequenceIndex = Self.index("sequence", table)
        guard row[sequenceIndex] != .null else { return row }
        var row = row
        func text(_ column: String) -> String? { row[Self.index(column, table)].text }
        let sequence = chainNext
        let redactedAt = row[Self.index("redacted_at", table)].integer.map {
            Date(timeIntervalSince1970: Double($0) / 1_000_000)
        }
        let record = AuditChain.Record(
            tenantID: targetID, id: AuditEventID(UUID(uuidString: text("id") ?? "") ?? UUID()), sequence: sequence,
            previousHash: chainPrevious, hash: nil, version: row[Self.index("chain_version", table)].integer.map { Int($0) },
            occurredAt: Date(timeIntervalSince1970: Double(row[Self.index("occurred_at", table)].integer ?? 0) / 1_000_000),
            actorType: text("actor_type") ?? "", actorID: text("actor_id"), action: text("action") ?? "",
            targetType: text("target_type"), targetID: text("target_id"), ip: text("ip"), userAgent: text("user_agent"),
            requestID: text("request_id"), changes: text("changes") ?? "", personalSalt: text("personal_salt"),
            // As the repository reads it: a redacted version 2 event's hash covers the digests
            // recorded when its salt went (decision 0025).
            personalDigests: redactedAt != nil && text("personal_salt") == nil
                ? AuditChain.PersonalDigests(
                    ip: text("ip_digest"), userAgent: text("user_agent_digest"), changes: text("changes_digest"))
                : nil,
            redactedAt: redactedAt)
        let hash = AuditChain.hash(of: record)
        row[sequenceIndex] = .integer(sequence)
        row[Self.index("previous_hash", table)] = chainPrevious.map(TenantDataValue.text) ?? .null
        row[Self.index("hash", table)] = .text(hash)
        chainNext = sequence + 1
        chainPrevious = hash
        return row
    }

    private func rechainedHead(_ head: [TenantDataValue]) -> [TenantDataValue] {
        let table = Self.table("audit_chain_heads")
        var head = head
        head[Self.index("last_sequence", table)] = .integer(chainNext - 1)
        head[Self.index("last_hash", table)] = chainPrevious.map(TenantDataValue.text) ?? .null
        return head
    }

    private static func table(_ name: String) -> TenantDataTable {
        TenantDataCatalogue.part(named: name) ?? TenantDataCatalogue.tenant
    }

    private static func index(_ column: String, _ table: TenantDataTable) -> Int {
        table.index(of: column) ?? 0
    }
}
