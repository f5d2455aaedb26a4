/// Single-statement tenant reads on PostgreSQL (decision 0017): a function per hot read sets
/// the tenant for its own statement, runs one query whose plan the server caches per
/// connection, and restores the caller's setting, so the read costs one round trip instead of
/// a transaction's four. Row-level security applies inside as everywhere else (the functions
/// run as the caller), and every query still names `tenant_id` itself.
extension PostgresSchema {
    /// One page of a tenant's members with their identities and custom role names, in order of
    /// user id after `p_after`. Filters are optional (`NULL`): built-in role (members without a
    /// custom role), custom role, status, and a lower-cased `LIKE` pattern for name or email.
    /// Refuses to run while another tenant is in scope. The plan is generic (planned once per
    /// connection, never per call), and a custom role's name is looked up only for members that
    /// hold one.
    static let memberPageFunction = """
        CREATE FUNCTION tenantry_member_page(
            p_tenant uuid, p_after uuid, p_limit integer,
            p_role text, p_role_id uuid, p_status text, p_pattern text)
        RETURNS TABLE (user_id uuid, role text, role_id uuid, status text, created_at timestamptz,
                       updated_at timestamptz, email text, name text, role_name text)
        LANGUAGE plpgsql VOLATILE SET plan_cache_mode = force_generic_plan AS $$
        #variable_conflict use_column
        DECLARE
            previous text := coalesce(current_setting('app.tenant_id', true), '');
        BEGIN
            IF previous <> '' AND previous <> p_tenant::text THEN
                RAISE EXCEPTION 'another tenant is in scope' USING ERRCODE = 'insufficient_privilege';
            END IF;
            PERFORM set_config('app.tenant_id', p_tenant::text, true);
            RETURN QUERY
                SELECT m.user_id, m.role, m.role_id, m.status, m.created_at, m.updated_at, u.email, u.name,
                    CASE WHEN m.role_id IS NULL THEN NULL
                    ELSE (SELECT r.name FROM roles r WHERE r.tenant_id = m.tenant_id AND r.id = m.role_id) END
                FROM memberships m
                JOIN users u ON u.id = m.user_id
                WHERE m.tenant_id = p_tenant
                  AND m.user_id > coalesce(p_after, '00000000-0000-0000-0000-000000000000'::uuid)
                  AND (p_role IS NULL OR (m.role = p_role AND m.role_id IS NULL))
                  AND (p_role_id IS NULL OR m.role_id = p_role_id)
                  AND (p_status IS NULL OR m.status = p_status)
                  AND (p_pattern IS NULL OR lower(u.name) LIKE p_pattern ESCAPE '\\' OR u.email LIKE p_pattern ESCAPE '\\')
                ORDER BY m.user_id
                LIMIT p_limit;
            PERFORM set_config('app.tenant_id', previous, true);
        END
        $$
        """
}
