/// The channels on which a change committed on one node is announced to every node (on
/// PostgreSQL through LISTEN/NOTIFY; on SQLite there is one process and nothing to announce).
public enum NoticeChannel: String, Sendable, CaseIterable {
    /// A session was revoked (payload: the session id).
    case sessionRevoked = "tenantry_session_revoked"
    /// A user, a membership or a tenant's name, slug or status changed (payload: a
    /// ``UserDirectoryNotice``).
    case userDirectoryChanged = "tenantry_user_directory_changed"
    /// A tenant's members, roles, keys, status, plan or overrides changed (payload: the tenant
    /// id, or `*` when a plan changed, which may concern every tenant).
    case accessChanged = "tenantry_access_changed"
    /// Events were recorded in a tenant's outbox (payload: the tenant id). Local to the node
    /// that committed them, never sent between nodes: it only wakes this node's webhook
    /// fan-out early (other nodes find the events when they next look).
    case eventsRecorded = "tenantry_events_recorded"

    /// Whether notices on this channel are sent to other nodes.
    public var crossesNodes: Bool { self != .eventsRecorded }
}

/// Hears the notices other nodes send.
public protocol NoticeListener: Sendable {
    /// Listens on `channel` until the task is cancelled, calling `handler` with each payload.
    /// Each time listening (re)starts it first calls `onReconnect`, since notices sent while it
    /// was not listening were missed.
    func listen(
        to channel: NoticeChannel,
        onReconnect: @Sendable () -> Void,
        handler: @Sendable (String) -> Void
    ) async
}

/// A change to what the in-memory user directory caches hold (a user's profile and status, a
/// membership, a tenant's name, slug or status), announced to every node on PostgreSQL.
///
/// The repositories that write `users`, `memberships` and `tenants` send the notice inside the
/// writing transaction, so PostgreSQL delivers it when that transaction commits and never for
/// one that rolled back (the same mechanism as ``NoticeChannel/sessionRevoked``). On
/// SQLite there is one process, and announcing does nothing.
public enum UserDirectoryNotice: Sendable, Hashable {
    /// Something about this user changed: their row, or one of their memberships.
    case user(UserID)
    /// Something about this tenant changed, for every member.
    case tenant(TenantID)

    /// The channel on which PostgreSQL announces directory changes (payload: ``payload``).
    public static let channel = NoticeChannel.userDirectoryChanged

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
}
