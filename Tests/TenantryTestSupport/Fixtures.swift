import Foundation
public import TenantryCore
public import TenantryStorage

/// Builds domain values with sensible defaults for tests.
public enum Fixtures {
    /// A unique tenant (its slug derives from a fresh id).
    public static func tenant(name: String = "Acme") throws -> Tenant {
        let id = TenantID.generate()
        let suffix = id.description.replacingOccurrences(of: "-", with: "").suffix(12)
        let now = Date()
        return Tenant(id: id, slug: try Slug("t-\(suffix)"), name: name, status: .active, createdAt: now, updatedAt: now)
    }

    /// A unique user.
    public static func user(name: String = "Ada") throws -> User {
        let id = UserID.generate()
        let now = Date()
        return User(id: id, email: try EmailAddress("user-\(id)@example.com"), name: name, createdAt: now, updatedAt: now)
    }

    /// An audit event in `tenantID`.
    public static func auditEvent(in tenantID: TenantID, action: String = "test.happened", actor: UserID? = nil) -> AuditEvent {
        AuditEvent(
            tenantID: tenantID,
            id: AuditEventID.generate(),
            occurredAt: Date(),
            actor: actor.map(AuditEvent.Actor.user) ?? .system,
            action: action,
            target: AuditEvent.Target(type: "tenant", id: tenantID.description),
            origin: AuditEvent.Origin(ip: "127.0.0.1", userAgent: "tests", requestID: "req-1"),
            changes: ["name": AuditEvent.Change(before: "old", after: "new")]
        )
    }

    /// A tenant with an owner, a member holding a custom role, an audit event, a team, an API key,
    /// an invitation and a day of usage: at least one row in every tenant-scoped table. Extend this when a new tenant-scoped table arrives (the isolation
    /// test fails for a table that has no seeded rows).
    @discardableResult
    public static func seedTenant(_ database: any DatabaseClient, name: String = "Acme") async throws -> Tenant {
        let tenant = try tenant(name: name)
        let owner = try user(name: "Owner of \(name)")
        let member = try user(name: "Member of \(name)")
        try await database.withTenant(tenant.id) { scope in
            try await scope.tenants.create(tenant)
            try await scope.users.create(owner)
            try await scope.users.create(member)
            _ = try await scope.memberships.create(userID: owner.id, role: .owner, at: Date())
            let now = Date()
            let role = CustomRole(
                tenantID: tenant.id, id: .generate(), name: "Auditor", description: nil, baseRole: .viewer,
                permissions: [.apiKeysRead], createdAt: now, updatedAt: now)
            try await scope.roles.create(role)
            _ = try await scope.memberships.create(userID: member.id, role: .viewer, customRoleID: role.id, at: now)
            try await scope.auditEvents.append(auditEvent(in: tenant.id, action: "tenant.created", actor: owner.id))
            // An outbox row without its audit entry, so the audit log holds only the event above.
            try await scope.events.append(
                DomainEvent(
                    tenantID: tenant.id, type: .roleCreated, actor: .user(owner.id),
                    target: .init(type: "role", id: role.id.description), origin: .none,
                    changes: ["name": .init(before: nil, after: role.name)]))
            let team = Team(
                tenantID: tenant.id, id: .generate(), name: "Support", description: nil, createdAt: now, updatedAt: now)
            try await scope.teams.create(team)
            try await scope.teams.addMember(member.id, to: team.id, at: now)
            let secret = APIKeySecret.generate()
            try await scope.apiKeys.create(
                APIKey(
                    tenantID: tenant.id, id: .generate(), name: "CI", prefix: secret.prefix, lastFour: secret.lastFour,
                    scopes: [.membersRead], resource: nil, createdBy: owner.id, createdAt: now, updatedAt: now,
                    expiresAt: nil, revokedAt: nil, lastUsedAt: nil),
                secretHash: secret.hash)
            try await scope.invitations.create(
                Invitation(
                    tenantID: tenant.id, id: .generate(), email: try EmailAddress("invitee-\(UUID())@example.com"),
                    role: .builtIn(.member), invitedBy: owner.id, createdAt: now, expiresAt: now.addingTimeInterval(3600),
                    lastSentAt: now, acceptedAt: nil, acceptedBy: nil, revokedAt: nil),
                tokenHash: SecretToken.digest(SecretToken.generate()))
            try await scope.usage.add(UsageCounts(apiRequests: 3, signIns: 1, emailsSent: 1), on: UsageDay(now))
            try await scope.usage.markActive([owner.id], on: UsageDay(now))
            if let url = URL(string: "https://hooks.example.com/\(tenant.slug)") {
                let endpoint = WebhookEndpoint(
                    tenantID: tenant.id, id: .generate(), url: url, description: nil, filter: .all, enabled: true,
                    rateLimitPerMinute: nil, createdAt: now, updatedAt: now)
                try await scope.webhookEndpoints.create(endpoint, secrets: SealedWebhookSecrets(current: "v1.sealed.elsewhere"))
                // A message and one attempt, written directly: the delivery worker writes them.
                let message = WebhookMessageID.generate()
                try await scope.sql.raw(
                    """
                    INSERT INTO webhook_messages (tenant_id, id, endpoint_id, event_id, event_type, body, status, attempts,
                        next_attempt_at, created_at)
                    VALUES (\(bind: tenant.id.rawValue), \(bind: message.rawValue), \(bind: endpoint.id.rawValue),
                            \(bind: UUID()), 'team.created', '{}', 'failed', 1, NULL, \(bind: now))
                    """
                ).run()
                try await scope.sql.raw(
                    """
                    INSERT INTO webhook_attempts (tenant_id, id, message_id, attempted_at, duration_ms, status_code)
                    VALUES (\(bind: tenant.id.rawValue), \(bind: UUID()), \(bind: message.rawValue), \(bind: now), 12, 500)
                    """
                ).run()
            }
            let source = WebhookSource(
                tenantID: tenant.id, id: .generate(), name: "Stripe", scheme: .stripe, enabled: true, createdAt: now,
                updatedAt: now)
            try await scope.webhookSources.create(source, secrets: SealedWebhookSecrets(current: "v1.sealed.elsewhere"))
            _ = try await scope.webhookSources.recordReceipt(
                WebhookReceipt.make(
                    tenantID: tenant.id, sourceID: source.id, messageID: "evt_\(UUID())", body: Array("{}".utf8), at: now))
            try await scope.ssoConnections.create(
                SSOConnection(
                    tenantID: tenant.id, id: .generate(), name: "Okta", kind: .oidc, enabled: true, domains: ["example.com"],
                    defaultRole: .member, returnURL: "https://app.example.com/signed-in",
                    oidc: OIDCConnectionSettings(issuer: "https://id.example.com", clientID: "client"), saml: nil,
                    createdAt: now, updatedAt: now),
                sealedClientSecret: "v1.sealed.elsewhere")
            let domainName = "\(tenant.slug.rawValue).example"
            let domain = TenantDomain(
                tenantID: tenant.id, id: .generate(), domain: domainName, verificationToken: "token", verifiedAt: now,
                lastCheckedAt: now, joinPolicy: .approval, defaultRole: .member, ssoRequired: false, createdAt: now,
                updatedAt: now)
            try await scope.domains.create(domain)
            _ = try await scope.global.verifiedDomains.claim(
                domain: domainName, tenantID: tenant.id, domainID: domain.id, at: now)
            let applicant = try user(name: "Applicant to \(name)")
            try await scope.users.create(applicant)
            _ = try await scope.domains.addJoinRequest(
                JoinRequest(
                    tenantID: tenant.id, id: .generate(), userID: applicant.id, email: applicant.email, domainID: domain.id,
                    role: .member, createdAt: now))
            try await scope.billing.save(
                BillingAccount(
                    tenantID: tenant.id, customerID: "cus_\(UUID().uuidString.prefix(12))",
                    subscription: BillingSubscription(
                        id: "sub_\(UUID().uuidString.prefix(12))", customerID: "cus", status: .active),
                    createdAt: now, updatedAt: now))
            _ = try await scope.billing.recordEvent(id: "evt_\(UUID())", type: "invoice.paid", createdAt: now, at: now)
            var export = DataExport(
                tenantID: tenant.id, id: .generate(), channel: .tenant,
                requestedBy: .init(type: "user", id: owner.id.description),
                createdAt: now)
            export.status = .failed
            export.failure = "The export could not be written; ask for a new one."
            export.finishedAt = now
            try await scope.dataExports.create(export)
        }
        return tenant
    }
}
