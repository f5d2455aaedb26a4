public import Foundation

/// One recorded change or security event in a tenant. Append-only: never updated once written.
public struct AuditEvent: Sendable, Equatable, Codable {
    /// Who did it.
    public struct Actor: Sendable, Equatable, Codable {
        /// What kind of principal acted: `user`, `api_key`, `operator` or `system`.
        public var type: String
        /// The principal's identifier, when it has one.
        public var id: String?

        /// Creates an actor.
        public init(type: String, id: String?) {
            self.type = type
            self.id = id
        }

        /// The server itself (jobs, migrations, schedules).
        public static let system = Actor(type: "system", id: nil)

        /// A signed-in user.
        public static func user(_ id: UserID) -> Actor { Actor(type: "user", id: id.description) }
    }

    /// What was acted upon.
    public struct Target: Sendable, Equatable, Codable {
        /// The kind of resource, e.g. `membership`.
        public var type: String
        /// Its identifier.
        public var id: String

        /// Creates a target.
        public init(type: String, id: String) {
            self.type = type
            self.id = id
        }
    }

    /// A changed field's value before and after, as text (`nil` when absent).
    public struct Change: Sendable, Equatable, Codable {
        /// The value before the change.
        public var before: String?
        /// The value after the change.
        public var after: String?

        /// Creates a change record.
        public init(before: String?, after: String?) {
            self.before = before
            self.after = after
        }
    }

    /// Where the request came from.
    public struct Origin: Sendable, Equatable, Codable {
        /// Client IP address.
        public var ip: String?
        /// Client user agent.
        public var userAgent: String?
        /// The request id that caused the event.
        public var requestID: String?

        /// Creates an origin.
        public init(ip: String?, userAgent: String?, requestID: String?) {
            self.ip = ip
            self.userAgent = userAgent
            self.requestID = requestID
        }

        /// No request: the event came from inside the server.
        public static let none = Origin(ip: nil, userAgent: nil, requestID: nil)
    }

    /// The tenant the event belongs to.
    public var tenantID: TenantID
    /// The event's identifier (time-ordered).
    public var id: AuditEventID
    /// When it happened.
    public var occurredAt: Date
    /// Who did it.
    public var actor: Actor
    /// What was done, as a stable dotted name, e.g. `membership.created`.
    public var action: String
    /// What it was done to.
    public var target: Target?
    /// Where the request came from.
    public var origin: Origin
    /// The changed fields, by name.
    public var changes: [String: Change]

    /// Creates an event value.
    public init(
        tenantID: TenantID,
        id: AuditEventID,
        occurredAt: Date,
        actor: Actor,
        action: String,
        target: Target?,
        origin: Origin,
        changes: [String: Change]
    ) {
        self.tenantID = tenantID
        self.id = id
        self.occurredAt = occurredAt
        self.actor = actor
        self.action = action
        self.target = target
        self.origin = origin
        self.changes = changes
    }
}
