/// Who is acting in a tenant and what they may do there, resolved on every request from a
/// signed-in user's membership or an API key, never from what the client says.
public struct TenantAccess: Sendable, Equatable {
    /// The acting principal.
    public enum Principal: Sendable, Equatable {
        /// A member signed in with an access token of this session.
        case user(UserID, session: SessionID)
        /// An API key, created by `createdBy`.
        case apiKey(APIKeyID, createdBy: UserID)
    }

    /// The tenant acted in.
    public var tenantID: TenantID
    /// Who acts.
    public var principal: Principal
    /// Rank in the role hierarchy (for an API key: its creator's).
    public var rank: TenantRole
    /// What the principal may do.
    public var permissions: Set<Permission>
    /// For a resource-bound API key: the one resource it may touch.
    public var resource: ResourceBinding?
    /// For an API key with its own rate limit: its requests per minute.
    public var keyRequestsPerMinute: Int?

    /// Creates an access value.
    public init(
        tenantID: TenantID, principal: Principal, rank: TenantRole, permissions: Set<Permission>,
        resource: ResourceBinding? = nil, keyRequestsPerMinute: Int? = nil
    ) {
        self.tenantID = tenantID
        self.principal = principal
        self.rank = rank
        self.permissions = permissions
        self.resource = resource
        self.keyRequestsPerMinute = keyRequestsPerMinute
    }

    /// Whether a signed-in owner acts (API keys never count as owners).
    public var isOwner: Bool {
        if case .user = principal { return rank == .owner }
        return false
    }

    /// The signed-in user, when a user acts.
    public var userID: UserID? {
        if case .user(let id, _) = principal { return id }
        return nil
    }

    /// The principal as an audit actor.
    public var actor: AuditEvent.Actor {
        switch principal {
        case .user(let id, _): .user(id)
        case .apiKey(let id, _): AuditEvent.Actor(type: "api_key", id: id.description)
        }
    }

    /// Throws 403 `forbidden` unless the principal holds `permission`, and 403 `out_of_scope`
    /// when a resource-bound key reaches for another resource of its type (`resource` is the
    /// route's resource type and the id it addresses, `nil` id for lists and creation).
    public func authorize(_ permission: Permission, resource requested: (type: String, id: String?)? = nil)
        throws(TenantryError)
    {
        guard permissions.contains(permission) else {
            throw TenantryError(.forbidden, "This needs the \(permission.rawValue) permission.")
        }
        if let binding = resource, let requested, requested.type == binding.type, requested.id != binding.id {
            throw TenantryError(.outOfScope, "This key is bound to one \(binding.type) and cannot reach another.")
        }
    }
}

/// The one resource a bound API key may touch.
public struct ResourceBinding: Sendable, Equatable, Codable {
    /// The resource type, e.g. `team`.
    public var type: String
    /// The resource's id.
    public var id: String

    /// Creates a binding.
    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }

    /// The resource types a key can be bound to, with the scopes such a key may carry.
    public static let allowedScopes: [String: Set<Permission>] = [
        "team": [.teamsRead, .teamsManage]
    ]
}

/// The rules that stop anyone from granting more than they hold. Each throws 403 `forbidden`
/// with the reason.
public enum GrantPolicy {
    /// May `access` act on a member whose current role is `target` (change, suspend, remove)?
    /// Nobody acts on a member ranked above them; only owners act on owners.
    public static func checkManage(member target: ResolvedRole, by access: TenantAccess) throws(TenantryError) {
        if target.rank == .owner && !access.isOwner {
            throw TenantryError(.forbidden, "Only an owner can change or remove an owner.")
        }
        if target.rank > access.rank {
            throw TenantryError(.forbidden, "You cannot change a member ranked above you.")
        }
    }

    /// May `access` give someone `role`? Only owners make owners, and nobody grants a
    /// permission or rank they do not hold.
    public static func checkAssign(_ role: ResolvedRole, by access: TenantAccess) throws(TenantryError) {
        if role.rank == .owner && !access.isOwner {
            throw TenantryError(.forbidden, "Only an owner can make someone an owner.")
        }
        if role.rank > access.rank {
            throw TenantryError(.forbidden, "You cannot grant a role ranked above your own.")
        }
        try checkGrant(role.permissions, by: access)
    }

    /// May `access` hand out these permissions (in a custom role or as API key scopes)?
    public static func checkGrant(_ permissions: Set<Permission>, by access: TenantAccess) throws(TenantryError) {
        let missing = permissions.subtracting(access.permissions)
        guard missing.isEmpty else {
            throw TenantryError(
                .forbidden,
                "You cannot grant permissions you do not hold: \(missing.sorted().map(\.rawValue).joined(separator: ", "))."
            )
        }
    }

    /// May `access` define a custom role on top of `base` with these permissions? The base
    /// role is at most admin (owner is never delegated through a custom role).
    public static func checkDefine(base: TenantRole?, permissions: Set<Permission>, by access: TenantAccess)
        throws(TenantryError)
    {
        if base == .owner {
            throw Validator.fail("base_role", "not_allowed", "A custom role cannot be based on owner.")
        }
        if let base, base > access.rank {
            throw TenantryError(.forbidden, "You cannot base a role on one ranked above your own.")
        }
        try checkGrant(permissions.union(base?.permissions ?? []), by: access)
    }
}
