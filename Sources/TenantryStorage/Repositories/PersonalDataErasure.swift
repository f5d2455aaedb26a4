public import Foundation
import SQLKit
public import TenantryCore

/// Erases one person across every tenant and the global tables (see ``PersonalDataErasure``
/// and `docs/privacy.md`). Reached from the platform scope only: it reads and writes rows of
/// every tenant the person touched, in the caller's one transaction.
public struct SQLPersonalDataErasure: PersonalDataErasure {
    let sql: any SQLDatabase

    /// Copies of a person's address or name that live inside JSON or free text, found by
    /// reading the schema: replaced by the pseudonyms (the rows themselves are not the
    /// person's). The catalogue scan of the erasure tests proves the list complete.
    static let textCopies: [(table: String, column: String)] = [
        ("domain_events", "payload"),
        ("webhook_messages", "body"),
        ("webhook_attempts", "response_body"),
        ("webhook_receipts", "body"),
        ("webhook_sources", "last_rejection"),
        ("jobs", "payload"),
        ("jobs", "last_error"),
    ]

    /// The tenants where the person is the only active owner.
    public func soleOwnerships(of userID: UserID) async throws -> [TenantID] {
        try await sql.raw(
            """
            SELECT m.tenant_id FROM memberships m JOIN tenants t ON t.id = m.tenant_id
            WHERE m.user_id = \(bind: userID.rawValue) AND m.role = 'owner' AND m.status = 'active' AND t.status <> 'deleted'
                AND NOT EXISTS (
                    SELECT 1 FROM memberships o
                    WHERE o.tenant_id = m.tenant_id AND o.user_id <> m.user_id AND o.role = 'owner' AND o.status = 'active')
            ORDER BY m.tenant_id
            """
        ).all().map { try $0.identifier("tenant_id") }
    }

    /// Erases the subject; see ``PersonalDataErasure/erase(_:at:recording:)``.
    public func erase(_ subject: ErasureSubject, at now: Date, recording event: @Sendable (TenantID) -> DomainEvent)
        async throws -> ErasureReport
    {
        let user = subject.userID.rawValue
        let email = subject.email.rawValue
        let tenants: [TenantID] = try await sql.raw(
            "SELECT tenant_id FROM memberships WHERE user_id = \(bind: user) ORDER BY tenant_id"
        ).all().map { try $0.identifier("tenant_id") }

        // Sign-in: every session ends at once on every node; refresh tokens, emailed tokens,
        // second factors, sign-in challenges and single sign-on or social grants go.
        _ = try await SQLSessionRepository(sql: sql).revokeAll(userID: subject.userID, reason: "user_erased", at: now)
        for statement: SQLQueryString in [
            "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = \(bind: user))",
            "UPDATE sessions SET ip = NULL, user_agent = NULL WHERE user_id = \(bind: user)",
            "DELETE FROM user_tokens WHERE user_id = \(bind: user)",
            "DELETE FROM recovery_codes WHERE user_id = \(bind: user)",
            "DELETE FROM mfa_challenges WHERE user_id = \(bind: user)",
            "DELETE FROM user_mfa WHERE user_id = \(bind: user)",
            "DELETE FROM sso_grants WHERE user_id = \(bind: user)",
            "DELETE FROM social_grants WHERE user_id = \(bind: user) OR email = \(bind: email)",
            // Emails not yet sent, or kept after sending, to the person: never sent now.
            """
            DELETE FROM jobs WHERE queue = \(bind: EmailMessage.outboxQueue)
                AND replace(payload, \(bind: email), '') <> payload
            """,
            // Failed sign-ins are limited per address: the shared limiter's key names it.
            "DELETE FROM rate_limit_buckets WHERE replace(key, \(bind: email), '') <> key",
            // Tenant rows (the platform scope sees every tenant's).
            "DELETE FROM team_members WHERE user_id = \(bind: user)",
            """
            UPDATE api_keys SET revoked_at = \(bind: now), updated_at = \(bind: now)
            WHERE created_by = \(bind: user) AND revoked_at IS NULL
            """,
            """
            DELETE FROM api_key_secrets WHERE EXISTS (
                SELECT 1 FROM api_keys k
                WHERE k.tenant_id = api_key_secrets.tenant_id AND k.id = api_key_secrets.key_id AND k.created_by = \(bind: user))
            """,
            "DELETE FROM domain_join_requests WHERE user_id = \(bind: user) OR email = \(bind: email)",
            "DELETE FROM invitations WHERE email = \(bind: email)",
            "DELETE FROM memberships WHERE user_id = \(bind: user)",
        ] {
            try await sql.raw(statement).run()
        }
        for (table, column) in Self.textCopies {
            for (text, pseudonym) in subject.textReplacements {
                try await sql.raw(
                    """
                    UPDATE \(ident: table) SET \(ident: column) = replace(\(ident: column), \(bind: text), \(bind: pseudonym))
                    WHERE replace(\(ident: column), \(bind: text), '') <> \(ident: column)
                    """
                ).run()
            }
        }
        let redacted = try await redactAuditEvents(subject, at: now)
        // The erasure's own events, after the redaction, so they stay as recorded: they name
        // the identity by id only.
        for tenant in tenants {
            try await TenantScope(tenantID: tenant, sql: sql).record(event(tenant))
        }
        try await sql.raw(
            """
            UPDATE users SET email = \(bind: subject.pseudonymousEmail), name = \(bind: subject.pseudonymousName),
                password_hash = NULL, locale = NULL, email_verified_at = NULL, status = 'disabled',
                erased_at = \(bind: now), updated_at = \(bind: now)
            WHERE id = \(bind: user)
            """
        ).run()
        try await UserDirectoryNotice.user(subject.userID).announce(on: sql)
        return ErasureReport(tenants: tenants, redactedAuditEvents: redacted)
    }

    /// Redacts the audit events about the person (decision 0025): on PostgreSQL through the
    /// owner's `tenantry_redact_audit_events`; on SQLite the same steps here.
    private func redactAuditEvents(_ subject: ErasureSubject, at now: Date) async throws -> Int {
        let texts = subject.replacements.map(\.text)
        let pseudonyms = subject.replacements.map(\.pseudonym)
        if sql.dialect.name == "postgresql" {
            return try await sql.raw(
                """
                SELECT tenantry_redact_audit_events(\(bind: subject.userID.rawValue), \(bind: subject.needles),
                    \(bind: texts), \(bind: pseudonyms), \(bind: now)) AS redacted
                """
            ).first()?.decode(column: "redacted", as: Int.self) ?? 0
        }
        var redacted = 0
        for table in ["audit_events", "platform_audit_events"] {
            redacted += try await redactOnSQLite(table: table, subject, at: now)
        }
        return redacted
    }

    private func redactOnSQLite(table: String, _ subject: ErasureSubject, at now: Date) async throws -> Int {
        let chained = table == "audit_events"
        let subjectID = subject.userID.description
        var condition: SQLQueryString = """
            (actor_type = 'user' AND actor_id = \(bind: subjectID))
            OR (target_type IN ('user', 'member') AND target_id = \(bind: subjectID))
            """
        for needle in subject.needles {
            condition = condition + " OR instr(changes, \(bind: needle)) > 0"
        }
        let key = chained ? "tenant_id, id" : "id"
        let extra = chained ? ", personal_salt, ip_digest, user_agent_digest, changes_digest" : ""
        let rows = try await sql.raw(
            """
            SELECT \(unsafeRaw: key), actor_type, actor_id, target_type, target_id, ip, user_agent, changes,
                redacted_at\(unsafeRaw: extra)
            FROM \(ident: table) WHERE
            """ + condition
        ).all()
        for row in rows {
            let actorType = try row.decode(column: "actor_type", as: String.self)
            let actorID = try row.decode(column: "actor_id", as: String?.self)
            let targetType = try row.decode(column: "target_type", as: String?.self)
            let targetID = try row.decode(column: "target_id", as: String?.self)
            let actorAbout = actorType == "user" && actorID == subjectID
            let targetAbout = (targetType == "user" || targetType == "member") && targetID == subjectID
            let about = actorAbout || targetAbout
            let ip = try row.decode(column: "ip", as: String?.self)
            let userAgent = try row.decode(column: "user_agent", as: String?.self)
            let changes = try row.decode(column: "changes", as: String.self)
            let redactedAt = try row.decode(column: "redacted_at", as: Date?.self) ?? now
            let newChanges = try Self.redactedChanges(changes, subject.replacements, all: targetAbout)
            let newIP = about ? nil : ip
            let newUserAgent = about ? nil : userAgent
            let id = try row.decode(column: "id", as: UUID.self)
            if chained {
                let tenant = try row.decode(column: "tenant_id", as: UUID.self)
                var digests = AuditChain.PersonalDigests(
                    ip: try row.decode(column: "ip_digest", as: String?.self),
                    userAgent: try row.decode(column: "user_agent_digest", as: String?.self),
                    changes: try row.decode(column: "changes_digest", as: String?.self))
                if let salt = try row.decode(column: "personal_salt", as: String?.self) {
                    digests = AuditChain.PersonalDigests(
                        ip: AuditChain.personalDigest(ip, salt: salt),
                        userAgent: AuditChain.personalDigest(userAgent, salt: salt),
                        changes: AuditChain.personalDigest(changes, salt: salt))
                }
                try await sql.raw(
                    """
                    UPDATE audit_events SET ip_digest = \(bind: digests.ip), user_agent_digest = \(bind: digests.userAgent),
                        changes_digest = \(bind: digests.changes), personal_salt = NULL, ip = \(bind: newIP),
                        user_agent = \(bind: newUserAgent), changes = \(bind: newChanges), redacted_at = \(bind: redactedAt)
                    WHERE tenant_id = \(bind: tenant) AND id = \(bind: id)
                    """
                ).run()
            } else {
                try await sql.raw(
                    """
                    UPDATE platform_audit_events SET ip = \(bind: newIP), user_agent = \(bind: newUserAgent),
                        changes = \(bind: newChanges), redacted_at = \(bind: redactedAt)
                    WHERE id = \(bind: id)
                    """
                ).run()
            }
        }
        return rows.count
    }

    /// An event's changes with the texts replaced inside the values only, so the JSON stays
    /// well-formed whatever the texts; with `all`, every value becomes `erased` (what
    /// `tenantry_redact_changes` does on PostgreSQL).
    static func redactedChanges(_ changes: String, _ replacements: [(text: String, pseudonym: String)], all: Bool) throws
        -> String
    {
        let decoded = try JSONDecoder().decode([String: AuditEvent.Change].self, from: Data(changes.utf8))
        func redact(_ value: String?) -> String? {
            guard var value else { return nil }
            if all { return "erased" }
            for (text, pseudonym) in replacements where !text.isEmpty {
                value = value.replacingOccurrences(of: text, with: pseudonym)
            }
            return value
        }
        let redacted = decoded.mapValues { AuditEvent.Change(before: redact($0.before), after: redact($0.after)) }
        return String(decoding: try JSONEncoder.sortedKeys.encode(redacted), as: UTF8.self)
    }
}
