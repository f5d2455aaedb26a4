import Foundation
public import TenantryCore

/// A tenant's email domains: claim one, prove it with a DNS TXT record, set who may join
/// through it and whether its people must use single sign-on, release it; and the requests to
/// join that wait for an admin.
///
/// A domain is verified by one tenant at a time: the global `verified_domains` row is taken in
/// the same transaction that marks the claim verified, so two tenants verifying at once cannot
/// both win. Its policies take effect only once it is verified.
public struct DomainService: Sendable {
    /// The data store.
    public let database: any DataStore
    /// Looks up the TXT records (`nil`: no domain can be verified on this server).
    public let txtRecords: (any TXTRecordResolver)?
    /// Finds a domain's policy at sign-in and sign-up.
    public let policies: DomainPolicies

    /// Creates the use case.
    public init(database: any DataStore, txtRecords: (any TXTRecordResolver)?) {
        self.database = database
        self.txtRecords = txtRecords
        self.policies = DomainPolicies(database: database)
    }

    /// The answer for an id the tenant has no domain by.
    public static let noSuchDomain = TenantryError(.notFound, "No such domain.")
    /// The answer for an id the tenant has no join request by.
    public static let noSuchRequest = TenantryError(.notFound, "No such join request.")
    /// The answer when another tenant has verified the domain.
    public static let heldElsewhere = TenantryError(
        .conflict, "Another tenant has verified this domain.",
        fieldErrors: [
            FieldError(field: "domain", code: "verified_elsewhere", message: "Another tenant has verified this domain.")
        ])

    /// A change of a domain's policy; `nil` leaves a field as it is.
    public struct Change: Sendable {
        public var joinPolicy: DomainJoinPolicy?
        public var defaultRole: TenantRole?
        public var ssoRequired: Bool?

        /// Creates a value.
        public init(joinPolicy: DomainJoinPolicy? = nil, defaultRole: TenantRole? = nil, ssoRequired: Bool? = nil) {
            self.joinPolicy = joinPolicy
            self.defaultRole = defaultRole
            self.ssoRequired = ssoRequired
        }
    }

    public func list(_ access: TenantAccess, page: PageRequest) async throws -> Page<TenantDomain> {
        try await database.withTenant(access.tenantID) { scope in try await scope.domains.list(page) }
    }

    public func get(_ access: TenantAccess, id: TenantDomainID) async throws -> TenantDomain {
        let found = try await database.withTenant(access.tenantID) { scope in try await scope.domains.find(id: id) }
        guard let found else { throw Self.noSuchDomain }
        return found
    }

    /// Claims `domain` (validated, lower case): the answer carries the TXT record to publish.
    /// Refused when another tenant has verified it.
    public func claim(_ access: TenantAccess, domain: String, origin: AuditEvent.Origin) async throws -> TenantDomain {
        let now = Date()
        let claim = TenantDomain(
            tenantID: access.tenantID, id: .generate(), domain: domain, verificationToken: SecretToken.generate(bytes: 24),
            verifiedAt: nil, lastCheckedAt: nil, joinPolicy: .off, defaultRole: .member, ssoRequired: false, createdAt: now,
            updatedAt: now)
        try await database.withTenant(access.tenantID) { scope in
            if let holder = try await scope.global.verifiedDomains.owner(of: domain), holder.tenantID != access.tenantID {
                throw Self.heldElsewhere
            }
            try await scope.domains.create(claim)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .domainClaimed, target: Self.target(claim.id), origin: origin,
                    changes: ["domain": .init(before: nil, after: domain)]))
        }
        return claim
    }

    /// Looks up the claim's TXT record and, when it carries the claim's value, verifies the
    /// domain for the tenant. Verifying a verified domain changes nothing. A record that is not
    /// there yet is a `validation_failed` naming the record; a DNS server that does not answer
    /// is `service_unavailable`.
    public func verify(_ access: TenantAccess, id: TenantDomainID, origin: AuditEvent.Origin) async throws -> TenantDomain {
        let claim = try await get(access, id: id)
        if claim.isVerified { return claim }
        guard let txtRecords else {
            throw TenantryError(.unavailable, "Domain verification is not available on this server.")
        }
        let records: [String]
        do {
            records = try await txtRecords.txtRecords(for: claim.recordName)
        } catch {
            throw TenantryError(
                .unavailable, "The DNS server did not answer for \(claim.recordName); try again later.", cause: error)
        }
        let found = records.contains { $0.trimmingCharacters(in: .whitespaces) == claim.recordValue }
        let now = Date()
        let outcome = try await database.withTenant(access.tenantID) { scope -> TenantDomain? in
            guard var current = try await scope.domains.find(id: id) else { throw Self.noSuchDomain }
            if current.isVerified { return current }
            current.lastCheckedAt = now
            current.updatedAt = now
            guard found else {
                try await scope.domains.update(current)
                return nil
            }
            guard
                try await scope.global.verifiedDomains.claim(
                    domain: current.domain, tenantID: access.tenantID, domainID: id, at: now)
            else { throw Self.heldElsewhere }
            current.verifiedAt = now
            try await scope.domains.update(current)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .domainVerified, target: Self.target(id), origin: origin,
                    changes: [
                        "verified": .init(before: "false", after: "true"), "domain": .init(before: nil, after: current.domain),
                    ]))
            return current
        }
        guard let outcome else {
            throw TenantryError(
                .validationFailed, "No TXT record at \(claim.recordName) carries \(claim.recordValue) yet.",
                fieldErrors: [
                    FieldError(
                        field: "domain", code: "txt_record_not_found",
                        message:
                            "Publish a TXT record at \(claim.recordName) with the value \(claim.recordValue), then verify again.")
                ])
        }
        return outcome
    }

    /// Changes a verified domain's policy. Requiring single sign-on needs an enabled connection
    /// of the tenant that serves the domain, so nobody but the owners' break-glass is locked out.
    public func update(_ access: TenantAccess, id: TenantDomainID, _ change: Change, origin: AuditEvent.Origin) async throws
        -> TenantDomain
    {
        try await database.withTenant(access.tenantID) { scope in
            guard var domain = try await scope.domains.find(id: id) else { throw Self.noSuchDomain }
            let turnsOn = change.joinPolicy.map { $0 != .off } == true || change.ssoRequired == true
            if turnsOn, !domain.isVerified {
                throw Validator.fail("domain", "not_verified", "Verify the domain before it admits people or requires SSO.")
            }
            if change.ssoRequired == true, !domain.ssoRequired {
                guard try await DomainPolicies.connection(serving: domain.domain, in: scope) != nil else {
                    throw Validator.fail(
                        "sso_required", "no_sso_connection",
                        "Add an enabled SSO connection that serves \(domain.domain) before requiring it.")
                }
            }
            let before = Self.fields(of: domain)
            if let policy = change.joinPolicy { domain.joinPolicy = policy }
            if let role = change.defaultRole { domain.defaultRole = role }
            if let required = change.ssoRequired { domain.ssoRequired = required }
            let after = Self.fields(of: domain)
            var changes: [String: AuditEvent.Change] = [:]
            for name in after.keys where before[name] != after[name] {
                changes[name] = .init(before: before[name], after: after[name])
            }
            guard !changes.isEmpty else { return domain }
            domain.updatedAt = Date()
            try await scope.domains.update(domain)
            try await scope.record(
                AuditRecorder.event(by: access, action: .domainUpdated, target: Self.target(id), origin: origin, changes: changes)
            )
            return domain
        }
    }

    /// Releases a domain: its hold on the domain and its pending join requests go with it.
    public func release(_ access: TenantAccess, id: TenantDomainID, origin: AuditEvent.Origin) async throws {
        try await database.withTenant(access.tenantID) { scope in
            guard let domain = try await scope.domains.find(id: id) else { throw Self.noSuchDomain }
            try await scope.global.verifiedDomains.release(domainID: id)
            try await scope.domains.delete(id: id)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .domainReleased, target: Self.target(id), origin: origin,
                    changes: ["domain": .init(before: domain.domain, after: nil)]))
        }
    }

    // MARK: Join requests

    public func joinRequests(_ access: TenantAccess, page: PageRequest) async throws -> Page<JoinRequest> {
        try await database.withTenant(access.tenantID) { scope in try await scope.domains.listJoinRequests(page) }
    }

    /// Approves a request: the person becomes a member with the request's role (counted against
    /// the plan's member limit).
    public func approve(_ access: TenantAccess, request id: JoinRequestID, origin: AuditEvent.Origin) async throws {
        try await database.withTenant(access.tenantID) { scope in
            try await scope.lockTenant()
            guard let request = try await scope.domains.findJoinRequest(id: id) else { throw Self.noSuchRequest }
            try await scope.domains.deleteJoinRequest(id: id)
            if try await scope.memberships.find(userID: request.userID) == nil {
                try await scope.requireRoom(for: .members)
                try await scope.memberships.create(
                    userID: request.userID, role: request.role, customRoleID: nil, status: .active, at: Date())
            }
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .domainJoinApproved, target: Self.requestTarget(id), origin: origin,
                    changes: [
                        "member": .init(before: nil, after: request.userID.description),
                        "role": .init(before: nil, after: request.role.rawValue),
                    ]))
        }
    }

    /// Rejects a request; the person may ask again by verifying their address again.
    public func reject(_ access: TenantAccess, request id: JoinRequestID, origin: AuditEvent.Origin) async throws {
        try await database.withTenant(access.tenantID) { scope in
            guard let request = try await scope.domains.findJoinRequest(id: id) else { throw Self.noSuchRequest }
            try await scope.domains.deleteJoinRequest(id: id)
            try await scope.record(
                AuditRecorder.event(
                    by: access, action: .domainJoinRejected, target: Self.requestTarget(id), origin: origin,
                    changes: ["user": .init(before: request.userID.description, after: nil)]))
        }
    }

    static func target(_ id: TenantDomainID) -> AuditEvent.Target { AuditEvent.Target(type: "domain", id: id.description) }

    static func requestTarget(_ id: JoinRequestID) -> AuditEvent.Target {
        AuditEvent.Target(type: "join_request", id: id.description)
    }

    /// What the audit trail shows of a domain's policy.
    static func fields(of domain: TenantDomain) -> [String: String] {
        [
            "join_policy": domain.joinPolicy.rawValue, "default_role": domain.defaultRole.rawValue,
            "sso_required": String(domain.ssoRequired),
        ]
    }
}

/// The policy of the verified domain of an address, as sign-in, sign-up and email
/// verification apply it.
public struct DomainPolicies: Sendable {
    /// The data store.
    public let database: any DataStore

    /// Creates the helper.
    public init(database: any DataStore) {
        self.database = database
    }

    /// The verified domain of `email`, with its tenant, if a tenant holds it.
    public func policy(for email: EmailAddress) async throws -> (tenant: Tenant, domain: TenantDomain)? {
        let name = email.domain
        guard !name.isEmpty,
            let holder = try await database.readGlobal({ scope in try await scope.verifiedDomains.owner(of: name) })
        else { return nil }
        return try await database.withTenant(holder.tenantID) { scope in
            guard let tenant = try await scope.tenants.find(id: holder.tenantID), tenant.status == .active,
                let domain = try await scope.domains.find(id: holder.domainID), domain.isVerified
            else { return nil }
            return (tenant, domain)
        }
    }

    /// The refusal of a password sign-in or sign-up at a domain that requires single sign-on,
    /// naming the route that signs the person in.
    public func ssoRequired(tenant: Tenant, domain: TenantDomain) async throws -> TenantryError {
        let connection = try await database.withTenant(tenant.id) { scope in
            try await Self.connection(serving: domain.domain, in: scope)
        }
        var path = "/api/v1/auth/sso/start?tenant_slug=\(tenant.slug.rawValue)"
        if let connection { path += "&connection_id=\(connection.id)" }
        return TenantryError(
            .ssoRequired, "\(tenant.name) requires single sign-on for addresses at \(domain.domain): sign in at \(path).",
            detail: .ssoRequired(startPath: path))
    }

    /// Lets a person whose address was just proven join the tenant that verified its domain, as
    /// the domain's policy says: `join` makes them a member with the domain's role (a join
    /// request instead when the plan has no room for another member), `approval` files a join
    /// request for an admin. Someone already a member, or already waiting, is left as they are.
    /// Called when the address is verified, never at sign-up: an unproven address joins nothing.
    public func admit(_ user: User, origin: AuditEvent.Origin) async throws {
        guard let held = try await policy(for: user.email), held.domain.joinPolicy != .off else { return }
        let domain = held.domain
        try await database.withTenant(held.tenant.id) { scope in
            try await scope.lockTenant()
            guard try await scope.memberships.find(userID: user.id) == nil else { return }
            let now = Date()
            if domain.joinPolicy == .join, try await scope.hasRoom(for: .members) {
                try await scope.memberships.create(
                    userID: user.id, role: domain.defaultRole, customRoleID: nil, status: .active, at: now)
                try await scope.record(
                    AuditRecorder.event(
                        in: held.tenant.id, action: .memberAdded, actor: .user(user.id),
                        target: AuditEvent.Target(type: "user", id: user.id.description), origin: origin,
                        changes: [
                            "role": .init(before: nil, after: domain.defaultRole.rawValue),
                            "via": .init(before: nil, after: "domain:\(domain.domain)"),
                        ]))
                return
            }
            let request = JoinRequest(
                tenantID: held.tenant.id, id: .generate(), userID: user.id, email: user.email, domainID: domain.id,
                role: domain.defaultRole, createdAt: now)
            guard try await scope.domains.addJoinRequest(request) else { return }
            try await scope.record(
                AuditRecorder.event(
                    in: held.tenant.id, action: .domainJoinRequested, actor: .user(user.id),
                    target: DomainService.requestTarget(request.id), origin: origin,
                    changes: [
                        "domain": .init(before: nil, after: domain.domain),
                        "role": .init(before: nil, after: domain.defaultRole.rawValue),
                    ]))
        }
    }

    /// The tenant's enabled connection that serves `domain`, if any.
    static func connection(serving domain: String, in scope: some TenantTransaction) async throws -> SSOConnection? {
        try await scope.ssoConnections.list(PageRequest(limit: 100)).items.first { $0.enabled && $0.domains.contains(domain) }
    }
}
