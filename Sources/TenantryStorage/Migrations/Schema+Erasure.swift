/// Migration 23, `erasure`: what erasing a person needs (decision 0025). Numbered 23: 21 and
/// 22 are on other lines of work.
///
/// - `users.erased_at`: when the account was anonymised. The row stays (foreign keys and
///   audit references keep pointing at it) with status `disabled`, which the `status` check of
///   migration 2 allows on both engines; the domain reads it as `erased`.
/// - `audit_events`: the salt of a version 2 event's personal digests (dropped on redaction),
///   the digests recorded by a redaction, and when it happened.
extension SharedSchema {
    static let erasure: [String] = [
        "ALTER TABLE users ADD COLUMN erased_at TIMESTAMP",
        "ALTER TABLE audit_events ADD COLUMN personal_salt text",
        "ALTER TABLE audit_events ADD COLUMN ip_digest text",
        "ALTER TABLE audit_events ADD COLUMN user_agent_digest text",
        "ALTER TABLE audit_events ADD COLUMN changes_digest text",
        "ALTER TABLE audit_events ADD COLUMN redacted_at TIMESTAMP",
        "ALTER TABLE platform_audit_events ADD COLUMN redacted_at TIMESTAMP",
    ]
}

extension PostgresSchema {
    /// Replaces every `p_texts[i]` in a text with `p_pseudonyms[i]`, in order.
    static let redactTextFunction = """
        CREATE FUNCTION tenantry_redact_text(p_text text, p_texts text[], p_pseudonyms text[])
        RETURNS text
        LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog AS $$
        DECLARE
            result text := p_text;
        BEGIN
            IF result IS NULL THEN
                RETURN NULL;
            END IF;
            FOR i IN 1 .. coalesce(array_length(p_texts, 1), 0) LOOP
                result := replace(result, p_texts[i], p_pseudonyms[i]);
            END LOOP;
            RETURN result;
        END
        $$
        """

    /// An audit event's `changes` (`{"field": {"before": …, "after": …}}`) with the texts
    /// replaced inside the string values only, so the JSON stays well-formed whatever the texts;
    /// with `p_all`, every string value becomes `erased` (an event about the person: its
    /// values are theirs, earlier names included).
    static let redactChangesFunction = """
        CREATE FUNCTION tenantry_redact_changes(p_changes text, p_texts text[], p_pseudonyms text[], p_all boolean)
        RETURNS text
        LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, public AS $$
            SELECT coalesce(jsonb_object_agg(c.key, (
                SELECT coalesce(jsonb_object_agg(v.key, CASE WHEN jsonb_typeof(v.value) <> 'string' THEN v.value
                    WHEN p_all THEN to_jsonb('erased'::text)
                    ELSE to_jsonb(tenantry_redact_text(v.value #>> '{}', p_texts, p_pseudonyms)) END),
                    '{}'::jsonb)
                FROM jsonb_each(CASE WHEN jsonb_typeof(c.value) = 'object' THEN c.value ELSE '{}'::jsonb END) v
            )), '{}'::jsonb)::text
            FROM jsonb_each(p_changes::jsonb) c
        $$
        """

    /// Redacts the audit events about a person being erased, in every tenant and the
    /// platform's own: events they acted in or that target them (as `user` or `member`) lose IP
    /// and user agent, and
    /// every matched event (those, and any whose changes contain one of `p_needles`) has the
    /// person's texts replaced by the pseudonyms inside its changes (every value, in events
    /// that target them: their own earlier values are theirs too). A version 2 event first
    /// records the digests its hash covers and drops its salt, so the chain still verifies; a
    /// version 1 event keeps its original hash for the link. Runs as the owner (the runtime
    /// role may not update audit events, decision 0006), only in the platform scope, only for
    /// an existing user, and never touches the chain columns.
    static let redactAuditEventsFunction = """
        CREATE FUNCTION tenantry_redact_audit_events(
            p_user_id uuid, p_needles text[], p_texts text[], p_pseudonyms text[], p_at timestamptz)
        RETURNS bigint
        LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        DECLARE
            subject text := p_user_id::text;
            tenant_rows bigint := 0;
            platform_rows bigint := 0;
        BEGIN
            IF current_setting('app.scope', true) IS DISTINCT FROM 'platform' THEN
                RAISE EXCEPTION 'audit events are redacted only in the platform scope' USING ERRCODE = '42501';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM users WHERE id = p_user_id) THEN
                RAISE EXCEPTION 'no such user' USING ERRCODE = '22023';
            END IF;
            IF coalesce(array_length(p_texts, 1), 0) <> coalesce(array_length(p_pseudonyms, 1), 0) THEN
                RAISE EXCEPTION 'each text needs its pseudonym' USING ERRCODE = '22023';
            END IF;
            UPDATE audit_events e SET
                ip_digest = CASE WHEN e.personal_salt IS NOT NULL
                    THEN encode(sha256(convert_to(e.personal_salt || e.ip, 'UTF8')), 'hex') ELSE e.ip_digest END,
                user_agent_digest = CASE WHEN e.personal_salt IS NOT NULL
                    THEN encode(sha256(convert_to(e.personal_salt || e.user_agent, 'UTF8')), 'hex') ELSE e.user_agent_digest END,
                changes_digest = CASE WHEN e.personal_salt IS NOT NULL
                    THEN encode(sha256(convert_to(e.personal_salt || e.changes, 'UTF8')), 'hex') ELSE e.changes_digest END,
                personal_salt = NULL,
        \(redactionOfPersonalFields)
            GET DIAGNOSTICS tenant_rows = ROW_COUNT;
            UPDATE platform_audit_events e SET
        \(redactionOfPersonalFields)
            GET DIAGNOSTICS platform_rows = ROW_COUNT;
            RETURN tenant_rows + platform_rows;
        END
        $$
        """

    /// What `tenantry_redact_audit_events` does to both audit tables (its `e` row, `subject`,
    /// `p_texts`, `p_pseudonyms`, `p_needles` and `p_at`): the IP and user agent of the events
    /// the person did or was the target of removed, their email and name replaced inside the
    /// changes, and which events that is.
    private static let redactionOfPersonalFields = """
                    ip = CASE WHEN \(eventAboutSubject) THEN NULL ELSE e.ip END,
                    user_agent = CASE WHEN \(eventAboutSubject) THEN NULL ELSE e.user_agent END,
                    changes = tenantry_redact_changes(e.changes, p_texts, p_pseudonyms,
                        e.target_type IN ('user', 'member') AND e.target_id = subject),
                    redacted_at = coalesce(e.redacted_at, p_at)
                WHERE \(eventAboutSubject)
                    OR EXISTS (SELECT 1 FROM unnest(p_needles) n WHERE strpos(e.changes, n) > 0);
        """

    /// An audit event (`e`) the person (`subject`) did or was the target of.
    private static let eventAboutSubject =
        "(e.actor_type = 'user' AND e.actor_id = subject) OR (e.target_type IN ('user', 'member') AND e.target_id = subject)"

    /// Migration 23 on PostgreSQL.
    static let erasureMigration = Migration(
        version: 23,
        name: "erasure",
        statements: SharedSchema.erasure.map { SharedSchema.render($0, for: .postgres) }
            + [
                redactTextFunction, redactChangesFunction, redactAuditEventsFunction,
                "REVOKE ALL ON FUNCTION tenantry_redact_audit_events(uuid, text[], text[], text[], timestamptz) FROM PUBLIC",
            ]
    )
}

extension SQLiteSchema {
    /// Migration 23 on SQLite.
    static let erasureMigration = Migration(
        version: 23,
        name: "erasure",
        statements: SharedSchema.erasure.map { SharedSchema.render($0, for: .sqlite) }
    )
}
