import Synchronization

/// A committed change that in-memory state must learn of: caches of members, keys, roles and
/// tenants, of users and their tenants, and of sessions. The node that commits a change
/// publishes its notices on the ``ChangeBus`` right after the commit; every other node hears
/// them through PostgreSQL (``NoticeChannel``) and publishes them on its own bus. Caches
/// subscribe to the bus and to nothing else, so no write path needs to remember them.
public enum ChangeNotice: Sendable, Hashable {
    /// A tenant's members, roles, keys, status, plan, overrides or branding changed; `nil`
    /// when a plan changed, which may concern every tenant.
    case tenantAccess(TenantID?)
    /// A user, one of their memberships, or a tenant's name, slug or status changed.
    case directory(UserDirectoryNotice)
    /// A session was revoked.
    case sessionRevoked(SessionID)
    /// Events were recorded in a tenant's outbox (on this node only; see
    /// ``NoticeChannel/eventsRecorded``).
    case eventsRecorded(TenantID)

    /// The channel this notice travels on between nodes.
    public var channel: NoticeChannel {
        switch self {
        case .tenantAccess: .accessChanged
        case .directory: .userDirectoryChanged
        case .sessionRevoked: .sessionRevoked
        case .eventsRecorded: .eventsRecorded
        }
    }

    /// The payload sent on ``channel``.
    public var payload: String {
        switch self {
        case .tenantAccess(let id): id?.description ?? "*"
        case .directory(let notice): notice.payload
        case .sessionRevoked(let id): id.description
        case .eventsRecorded(let id): id.description
        }
    }

    /// Parses a payload heard on `channel`; `nil` for anything malformed.
    public init?(channel: NoticeChannel, payload: String) {
        switch channel {
        case .accessChanged:
            if payload == "*" {
                self = .tenantAccess(nil)
            } else if let id = TenantID(payload) {
                self = .tenantAccess(id)
            } else {
                return nil
            }
        case .userDirectoryChanged:
            guard let notice = UserDirectoryNotice(payload: payload) else { return nil }
            self = .directory(notice)
        case .sessionRevoked:
            guard let id = SessionID(payload) else { return nil }
            self = .sessionRevoked(id)
        case .eventsRecorded:
            guard let id = TenantID(payload) else { return nil }
            self = .eventsRecorded(id)
        }
    }
}

/// Where committed changes are announced inside one process (see ``ChangeNotice``).
/// Subscribers run synchronously on the publishing task, so a cache is invalidated before the
/// request that changed its data answers.
public final class ChangeBus: Sendable {
    /// Receives notices; also told when notices may have been missed (a lost connection to
    /// the other nodes), and must then forget everything it holds.
    public struct Subscriber: Sendable {
        let receive: @Sendable (ChangeNotice) -> Void
        let reset: @Sendable (NoticeChannel) -> Void

        /// Creates a subscriber.
        public init(
            receive: @escaping @Sendable (ChangeNotice) -> Void,
            reset: @escaping @Sendable (NoticeChannel) -> Void
        ) {
            self.receive = receive
            self.reset = reset
        }
    }

    private let subscribers = Mutex<[Subscriber]>([])

    /// Creates a bus without subscribers.
    public init() {}

    /// Adds a subscriber for the life of the bus.
    public func subscribe(_ subscriber: Subscriber) {
        subscribers.withLock { $0.append(subscriber) }
    }

    /// Tells every subscriber of each notice, in order.
    public func publish(_ notices: some Sequence<ChangeNotice>) {
        let current = subscribers.withLock { $0 }
        for notice in notices {
            for subscriber in current { subscriber.receive(notice) }
        }
    }

    /// Tells every subscriber that notices on `channel` may have been missed.
    public func reset(_ channel: NoticeChannel) {
        let current = subscribers.withLock { $0 }
        for subscriber in current { subscriber.reset(channel) }
    }
}
