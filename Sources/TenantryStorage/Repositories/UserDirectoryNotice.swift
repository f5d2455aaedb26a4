import SQLKit
public import TenantryCore

/// A change to what the in-memory user directory caches hold (a user's profile and status, a
/// membership, a tenant's name, slug or status), announced to every node on PostgreSQL.
///
/// The repositories that write `users`, `memberships` and `tenants` send the notice inside the
/// writing transaction, so PostgreSQL delivers it when that transaction commits and never for
/// one that rolled back (the same mechanism as ``SessionRepository/revocationChannel``). On
/// SQLite there is one process, and announcing does nothing.
public enum UserDirectoryNotice: Sendable, Hashable {
    /// Something about this user changed: their row, or one of their memberships.
    case user(UserID)
    /// Something about this tenant changed, for every member.
    case tenant(TenantID)

    /// The channel on which PostgreSQL announces directory changes (payload: ``payload``).
    public static let channel = "tenantry_user_directory_changed"

    /// The notice as sent: `user:<uuid>` or `tenant:<uuid>`.
    public var payload: String {
        switch self {
        case .user(let id): "user:\(id.description)"
        case .tenant(let id): "tenant:\(id.description)"
        }
    }

    /// Parses a payload; `nil` for anything that is not a notice.
    public init?(payload: String) {
        if payload.hasPrefix("user:"), let id = UserID(String(payload.dropFirst(5))) {
            self = .user(id)
        } else if payload.hasPrefix("tenant:"), let id = TenantID(String(payload.dropFirst(7))) {
            self = .tenant(id)
        } else {
            return nil
        }
    }

    /// Sends the notice in the transaction of `sql` (PostgreSQL only).
    func announce(on sql: any SQLDatabase) async throws {
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT pg_notify(\(bind: Self.channel), \(bind: payload))").run()
    }
}
