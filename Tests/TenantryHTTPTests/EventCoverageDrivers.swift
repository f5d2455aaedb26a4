import Foundation
import HTTPTypes
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

/// How each write operation of openapi.json is driven for ``EventCoverageTests``, by
/// operationId. A driver sets up what the operation needs (outside the comparison) and returns
/// the probe whose requests are compared with the operation's `x-events`. When an operation
/// records an event only on one outcome (a failed sign-in, a reused refresh token), its probe
/// sends the requests that reach every documented outcome.
enum EventCoverageDrivers {
    typealias Driver = @Sendable (EventHarness) async throws -> EventProbe

    static let password = "a fine long passphrase"

    static let table: [String: Driver] =
        identity.merging(tenantResources) { first, _ in first }.merging(tenantLifecycle) { first, _ in first }
        .merging(platform) { first, _ in first }

    // MARK: Sign-up, sign-in, sessions and the caller's own account

    static let identity: [String: Driver] = [
        "register": { h in
            EventProbe {
                let body = try await h.send(
                    .post, "/api/v1/auth/register",
                    [
                        "email": "owner-\(EventHarness.unique())@example.com", "password": password, "name": "Owner",
                        "tenant_name": "Acme \(EventHarness.unique())",
                    ], expect: .created)
                return try body.string("tenant", "id")
            }
        },
        "login": { h in
            // An owner at a domain that requires single sign-on: the break-glass sign-in.
            let domain = "glass-\(EventHarness.unique()).example"
            let owner = try await h.client.register(email: "owner@\(domain)")
            _ = try await h.verifiedDomain(owner, domain, ssoRequired: true)
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/auth/login", ["email": owner.email, "password": "not the password at all"],
                    expect: .unauthorized)
                try await h.send(.post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password], expect: .ok)
                return owner.tenantID
            }
        },
        "verifySecondFactor": { h in
            let owner = try await h.owner()
            let (_, codes) = try await h.client.enableTOTP(token: owner.accessToken)
            let step = try await h.send(
                .post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password], expect: .accepted)
            let token = try #require(step["mfa_token"] as? String)
            return EventProbe {
                try await h.send(.post, "/api/v1/auth/mfa/verify", ["mfa_token": token, "code": "000000"], expect: .unauthorized)
                try await h.send(.post, "/api/v1/auth/mfa/verify", ["mfa_token": token, "code": codes[0]], expect: .ok)
                return owner.tenantID
            }
        },
        "beginSignInEnrolment": { h in
            let (owner, token) = try await h.enrolmentRequired()
            return EventProbe {
                try await h.send(.post, "/api/v1/auth/mfa/enrol", ["mfa_token": token], expect: .ok)
                return owner.tenantID
            }
        },
        "confirmSignInEnrolment": { h in
            let (owner, token) = try await h.enrolmentRequired()
            let enrolment = try await h.send(.post, "/api/v1/auth/mfa/enrol", ["mfa_token": token], expect: .ok)
            let secret = try #require(enrolment["secret"] as? String)
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/auth/mfa/enrol/confirm", ["mfa_token": token, "code": try pyotpCode(secret)], expect: .ok)
                return owner.tenantID
            }
        },
        "reauthenticate": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/auth/reauthenticate", ["password": owner.password], token: owner.accessToken, expect: .noContent)
        },
        "beginTotpEnrolment": onNewTenant { h, owner in
            try await h.send(.post, "/api/v1/me/mfa/totp", token: owner.accessToken, expect: .ok)
        },
        "confirmTotpEnrolment": { h in
            let owner = try await h.owner()
            let enrolment = try await h.send(.post, "/api/v1/me/mfa/totp", token: owner.accessToken, expect: .ok)
            let secret = try #require(enrolment["secret"] as? String)
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/me/mfa/totp/confirm", ["code": try pyotpCode(secret)], token: owner.accessToken, expect: .ok)
                return owner.tenantID
            }
        },
        "disableTotp": { h in
            let owner = try await h.owner()
            _ = try await h.client.enableTOTP(token: owner.accessToken)
            return EventProbe {
                try await h.send(.delete, "/api/v1/me/mfa/totp", token: owner.accessToken, expect: .noContent)
                return owner.tenantID
            }
        },
        "regenerateRecoveryCodes": { h in
            let owner = try await h.owner()
            _ = try await h.client.enableTOTP(token: owner.accessToken)
            return EventProbe {
                try await h.send(.post, "/api/v1/me/mfa/recovery-codes", token: owner.accessToken, expect: .ok)
                return owner.tenantID
            }
        },
        "createSSOConnection": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/sso/connections",
                [
                    "name": "Okta", "domains": ["acme.example"], "return_url": "https://app.acme.example/back",
                    "oidc": ["issuer": "https://id.acme.example", "client_id": "c", "client_secret": "s"],
                ], token: owner.accessToken, expect: .created)
        },
        "updateSSOConnection": resource(
            "/api/v1/sso/connections",
            [
                "name": "Okta", "domains": ["acme.example"], "return_url": "https://app.acme.example/back",
                "oidc": ["issuer": "https://id.acme.example", "client_id": "c"],
            ]
        ) { h, owner, id in
            try await h.send(.patch, "/api/v1/sso/connections/\(id)", ["enabled": false], token: owner.accessToken, expect: .ok)
        },
        "deleteSSOConnection": resource(
            "/api/v1/sso/connections",
            [
                "name": "Okta", "domains": ["acme.example"], "return_url": "https://app.acme.example/back",
                "oidc": ["issuer": "https://id.acme.example", "client_id": "c"],
            ]
        ) { h, owner, id in
            try await h.send(.delete, "/api/v1/sso/connections/\(id)", token: owner.accessToken, expect: .noContent)
        },
        "claimDomain": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/domains", ["domain": "claim-\(EventHarness.unique()).example"], token: owner.accessToken,
                expect: .created)
        },
        "verifyDomain": { h in
            let owner = try await h.owner()
            let claim = try await h.send(
                .post, "/api/v1/domains", ["domain": "proof-\(EventHarness.unique()).example"], token: owner.accessToken,
                expect: .created)
            let id = try claim.string("id")
            let record = "--txt-record=\(try claim.string("verification", "name")),\(try claim.string("verification", "value"))"
            return EventProbe {
                _ = try await DnsmasqServer.with(["--local=/example/", record], port: h.dnsPort) { _ in
                    try await h.send(.post, "/api/v1/domains/\(id)/verify", token: owner.accessToken, expect: .ok)
                }
                return owner.tenantID
            }
        },
        "updateDomain": { h in
            let owner = try await h.owner()
            let domain = try await h.verifiedDomain(owner, "policy-\(EventHarness.unique()).example")
            return EventProbe {
                try await h.send(
                    .patch, "/api/v1/domains/\(domain.id)", ["join_policy": "approval"], token: owner.accessToken, expect: .ok)
                return owner.tenantID
            }
        },
        "releaseDomain": resource("/api/v1/domains", ["domain": "release.example"]) { h, owner, id in
            try await h.send(.delete, "/api/v1/domains/\(id)", token: owner.accessToken, expect: .noContent)
        },
        "approveJoinRequest": { h in
            let owner = try await h.owner()
            let id = try await h.joinRequest(owner)
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/domains/join-requests/\(id)/approve", token: owner.accessToken, expect: .noContent)
                return owner.tenantID
            }
        },
        "rejectJoinRequest": { h in
            let owner = try await h.owner()
            let id = try await h.joinRequest(owner)
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/domains/join-requests/\(id)/reject", token: owner.accessToken, expect: .noContent)
                return owner.tenantID
            }
        },
        "finishSAMLSignOn": { h in
            let started = try await h.samlSignInStarted()
            var wrapped = started.response
            wrapped["attack"] = "wrapped-sibling"
            let secondRelayState: String?
            let refused = try await SAMLPeer.response(wrapped)
            let again = try await h.client.raw(.get, "/api/v1/auth/sso/start?tenant_slug=\(started.owner.tenantSlug)")
            let second = try await SAMLPeer.inspect(try #require(again.location))
            secondRelayState = second["relay_state"] as? String
            var answer = started.response
            answer["in_response_to"] = second["id"] as? String
            let accepted = try await SAMLPeer.response(answer)
            return EventProbe {
                let (status, _) = try await h.postSAML(started.acsPath, response: refused, relayState: started.relayState)
                #expect(status == .unauthorized)
                let (landed, _) = try await h.postSAML(
                    started.acsPath, response: accepted, relayState: secondRelayState)
                #expect(landed == .found)
                return started.owner.tenantID
            }
        },
        // A social sign-up's exchange records every event the exchange can: the new tenant's
        // registration and the sign-in (a tenant connection's code records the sign-in alone).
        "exchangeSingleSignOnCode": { h in
            let peer = try await SocialPeer.shared.value
            let subject = "new-\(EventHarness.unique())"
            try await peer.person(subject, #"{"email": "\#(subject)@example.com", "email_verified": true}"#)
            try await SocialPeer.connect(h.client, token: h.operatorToken, issuer: peer.issuer)
            let landed = try await SocialPeer.signIn(h.client, as: subject, intent: "sign_up")
            #expect(landed.status == .found, "\(landed.body)")
            let code = try #require(queryItems(landed.location)["code"])
            return EventProbe {
                let body = try await h.send(
                    .post, "/api/v1/auth/sso/exchange", ["code": code, "tenant_name": "Social \(EventHarness.unique())"],
                    expect: .created)
                return try body.string("tenant", "id")
            }
        },
        "logout": onNewTenant { h, owner in
            try await h.send(.post, "/api/v1/auth/logout", token: owner.accessToken, expect: .noContent)
        },
        "logoutAll": onNewTenant { h, owner in
            try await h.send(.post, "/api/v1/auth/logout-all", token: owner.accessToken, expect: .noContent)
        },
        "refreshTokens": onNewTenant { h, owner in
            let body = ["refresh_token": owner.refreshToken]
            // A rotation records nothing; so does the one retry of a lost response. A third use
            // of the rotated token is reuse: the session ends and the event is recorded.
            try await h.send(.post, "/api/v1/auth/refresh", body, expect: .ok)
            try await h.send(.post, "/api/v1/auth/refresh", body, expect: .ok)
            try await h.send(.post, "/api/v1/auth/refresh", body, expect: .unauthorized)
        },
        "switchTenant": { h in
            let owner = try await h.owner()
            let other = try await h.owner()
            try await h.send(
                .post, "/api/v1/members", ["email": owner.email, "role": "member"], token: other.accessToken, expect: .created)
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/auth/switch-tenant", ["tenant_slug": other.tenantSlug], token: owner.accessToken,
                    expect: .ok)
                return other.tenantID
            }
        },
        "verifyEmail": { h in
            // One person joins through a domain that admits at once, one asks through a domain
            // that needs approval.
            let owner = try await h.owner()
            var tokens: [String] = []
            for policy in [DomainJoinPolicy.join, .approval] {
                let domain = try await h.verifiedDomain(
                    owner, "\(policy.rawValue)-\(EventHarness.unique()).example", policy: policy)
                let email = "person@\(domain.domain)"
                try await h.send(
                    .post, "/api/v1/auth/register", ["email": email, "password": password, "name": "Person"], expect: .accepted)
                tokens.append(try await h.emailedToken(to: email, page: "verify-email"))
            }
            let verificationTokens = tokens
            return EventProbe {
                for token in verificationTokens {
                    try await h.send(.post, "/api/v1/auth/verify-email", ["token": token], expect: .ok)
                }
                return owner.tenantID
            }
        },
        "resendVerificationEmail": onNewTenant { h, owner in
            try await h.send(.post, "/api/v1/auth/verify-email/resend", ["email": owner.email], expect: .accepted)
        },
        "forgotPassword": onNewTenant { h, owner in
            try await h.send(.post, "/api/v1/auth/forgot-password", ["email": owner.email], expect: .accepted)
            // The request is carried out by its job, after the answer.
            try await runRecoveryJobs(h.context)
        },
        "resetPassword": { h in
            let owner = try await h.owner()
            try await h.send(.post, "/api/v1/auth/forgot-password", ["email": owner.email], expect: .accepted)
            let token = try await h.emailedToken(to: owner.email, page: "reset-password")
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/auth/reset-password", ["token": token, "password": "another fine pass phrase"],
                    expect: .ok)
                return owner.tenantID
            }
        },
        "eraseMe": { h in
            let (owner, person) = try await erasable(h)
            return EventProbe {
                try await h.send(.delete, "/api/v1/me", token: person.token, expect: .noContent)
                return owner.tenantID
            }
        },
        "updateMe": onNewTenant { h, owner in
            try await h.send(.patch, "/api/v1/me", ["name": "Renamed Owner"], token: owner.accessToken, expect: .ok)
        },
        "changePassword": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/me/password",
                ["current_password": owner.password, "new_password": "a brand new pass phrase"], token: owner.accessToken,
                expect: .noContent)
        },
        "revokeSession": { h in
            let owner = try await h.owner()
            let other = try await h.send(
                .post, "/api/v1/auth/login", ["email": owner.email, "password": owner.password], expect: .ok)
            let sessionID = try other.string("tokens", "session_id")
            return EventProbe {
                try await h.send(.delete, "/api/v1/me/sessions/\(sessionID)", token: owner.accessToken, expect: .noContent)
                return owner.tenantID
            }
        },
    ]

    // MARK: Members, invitations, roles, teams and API keys

    static let tenantResources: [String: Driver] = [
        "addMember": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/members",
                ["email": "new-\(EventHarness.unique())@example.com", "name": "New Person", "role": "member"],
                token: owner.accessToken, expect: .created)
        },
        "updateMember": { h in
            let owner = try await h.owner()
            let member = try await h.member(of: owner)
            return EventProbe {
                try await h.send(
                    .patch, "/api/v1/members/\(member.userID)", ["role": "admin"], token: owner.accessToken, expect: .ok)
                return owner.tenantID
            }
        },
        "removeMember": { h in
            // A member who created an API key: removing them revokes it too.
            let owner = try await h.owner()
            let admin = try await h.member(of: owner, role: "admin")
            _ = try await h.client.createKey(token: admin.token, scopes: ["members:read"])
            return EventProbe {
                try await h.send(.delete, "/api/v1/members/\(admin.userID)", token: owner.accessToken, expect: .noContent)
                return owner.tenantID
            }
        },
        "transferOwnership": { h in
            let owner = try await h.owner()
            let member = try await h.member(of: owner)
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/tenant/transfer-ownership", ["user_id": member.userID], token: owner.accessToken,
                    expect: .ok)
                return owner.tenantID
            }
        },
        "createInvitation": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/invitations", ["email": "invitee-\(EventHarness.unique())@example.com", "role": "member"],
                token: owner.accessToken, expect: .created)
        },
        "acceptInvitation": { h in
            let owner = try await h.owner()
            let email = "invitee-\(EventHarness.unique())@example.com"
            try await h.send(
                .post, "/api/v1/invitations", ["email": email, "role": "member"], token: owner.accessToken, expect: .created)
            let token = try #require(try await invitationToken(to: email, h.context))
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/invitations/accept", ["token": token, "name": "Invitee", "password": password],
                    expect: .created)
                return owner.tenantID
            }
        },
        "resendInvitation": invitation { h, owner, id in
            try await h.send(.post, "/api/v1/invitations/\(id)/resend", token: owner.accessToken, expect: .ok)
        },
        "revokeInvitation": invitation { h, owner, id in
            try await h.send(.delete, "/api/v1/invitations/\(id)", token: owner.accessToken, expect: .noContent)
        },
        "createRole": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/roles", ["name": "Auditor", "permissions": ["members:read"]], token: owner.accessToken,
                expect: .created)
        },
        "updateRole": role { h, owner, id in
            try await h.send(.patch, "/api/v1/roles/\(id)", ["name": "Reviewer"], token: owner.accessToken, expect: .ok)
        },
        "deleteRole": role { h, owner, id in
            try await h.send(.delete, "/api/v1/roles/\(id)", token: owner.accessToken, expect: .noContent)
        },
        "createTeam": onNewTenant { h, owner in
            try await h.send(.post, "/api/v1/teams", ["name": "Support"], token: owner.accessToken, expect: .created)
        },
        "updateTeam": team { h, owner, id in
            try await h.send(.patch, "/api/v1/teams/\(id)", ["name": "Operations"], token: owner.accessToken, expect: .ok)
        },
        "deleteTeam": team { h, owner, id in
            try await h.send(.delete, "/api/v1/teams/\(id)", token: owner.accessToken, expect: .noContent)
        },
        "addTeamMember": team { h, owner, id in
            try await h.send(.put, "/api/v1/teams/\(id)/members/\(owner.userID)", token: owner.accessToken, expect: .ok)
        },
        "removeTeamMember": team(joined: true) { h, owner, id in
            try await h.send(
                .delete, "/api/v1/teams/\(id)/members/\(owner.userID)", token: owner.accessToken, expect: .noContent)
        },
        "createAPIKey": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/api-keys", ["name": "deploy", "scopes": ["members:read"]], token: owner.accessToken,
                expect: .created)
        },
        "updateAPIKey": apiKey { h, owner, id in
            try await h.send(.patch, "/api/v1/api-keys/\(id)", ["name": "renamed"], token: owner.accessToken, expect: .ok)
        },
        "rotateAPIKey": apiKey { h, owner, id in
            try await h.send(.post, "/api/v1/api-keys/\(id)/rotate", token: owner.accessToken, expect: .ok)
        },
        "revokeAPIKey": apiKey { h, owner, id in
            try await h.send(.delete, "/api/v1/api-keys/\(id)", token: owner.accessToken, expect: .noContent)
        },
        "createWebhookEndpoint": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/webhook-endpoints", ["url": "https://hooks.example.com/in"], token: owner.accessToken,
                expect: .created)
        },
        "updateWebhookEndpoint": webhookEndpoint { h, owner, id in
            try await h.send(
                .patch, "/api/v1/webhook-endpoints/\(id)", ["event_types": ["member.*"]], token: owner.accessToken, expect: .ok)
        },
        "rotateWebhookEndpointSecret": webhookEndpoint { h, owner, id in
            try await h.send(.post, "/api/v1/webhook-endpoints/\(id)/rotate-secret", token: owner.accessToken, expect: .ok)
        },
        "deleteWebhookEndpoint": webhookEndpoint { h, owner, id in
            try await h.send(.delete, "/api/v1/webhook-endpoints/\(id)", token: owner.accessToken, expect: .noContent)
        },
        "createWebhookSource": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/webhook-sources", ["name": "Stripe", "scheme": "stripe"], token: owner.accessToken,
                expect: .created)
        },
        "updateWebhookSource": webhookSource { h, owner, id in
            try await h.send(
                .patch, "/api/v1/webhook-sources/\(id)", ["name": "Stripe live"], token: owner.accessToken, expect: .ok)
        },
        "rotateWebhookSourceSecret": webhookSource { h, owner, id in
            try await h.send(.post, "/api/v1/webhook-sources/\(id)/rotate-secret", token: owner.accessToken, expect: .ok)
        },
        "deleteWebhookSource": webhookSource { h, owner, id in
            try await h.send(.delete, "/api/v1/webhook-sources/\(id)", token: owner.accessToken, expect: .noContent)
        },
        "receiveWebhook": resource(
            "/api/v1/webhook-sources", ["name": "Stripe", "scheme": "stripe", "secret": EventHarness.stripeSecret],
            idAt: ["source", "id"]
        ) { h, owner, id in
            let body = #"{"id":"evt_\#(EventHarness.unique())","type":"invoice.paid"}"#
            try await h.sendSigned(
                "/api/v1/webhook-sources/\(id)/receive", body: body,
                headers: try InboundSigner.headers(scheme: "stripe", secret: EventHarness.stripeSecret, body: body))
        },
        "subscribe": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/billing/subscription", ["plan": "pro", "payment_method": "pm_card_visa"],
                token: owner.accessToken, expect: .created)
        },
        "changeSubscriptionPlan": subscribed { h, owner, _ in
            try await h.send(
                .patch, "/api/v1/billing/subscription", ["plan": "enterprise"], token: owner.accessToken, expect: .ok)
        },
        "cancelSubscription": subscribed { h, owner, _ in
            try await h.send(.post, "/api/v1/billing/subscription/cancel", token: owner.accessToken, expect: .ok)
        },
        "resumeSubscription": subscribed(canceled: true) { h, owner, _ in
            try await h.send(.post, "/api/v1/billing/subscription/resume", token: owner.accessToken, expect: .ok)
        },
        "receiveStripeWebhook": subscribed { h, owner, stripe in
            // Stripe ends the subscription: the tenant falls back to the default plan.
            let body = BillingTests.event(
                "customer.subscription.deleted", id: "evt_\(EventHarness.unique())",
                created: Int(Date().timeIntervalSince1970) + 5,
                subscription: stripe.subscription, customer: stripe.customer, status: "canceled")
            try await h.sendSigned(
                "/api/v1/billing/stripe/webhook", body: body,
                headers: try InboundSigner.headers(scheme: "stripe", secret: BillingTests.webhookSecret, body: body))
        },
        "recoverWebhookMessages": webhookEndpoint { h, owner, id in
            try await h.send(
                .post, "/api/v1/webhook-endpoints/\(id)/recover", ["since": "2026-01-01T00:00:00Z"], token: owner.accessToken,
                expect: .accepted)
        },
        "sendWebhookTest": webhookEndpoint { h, owner, id in
            try await h.send(.post, "/api/v1/webhook-endpoints/\(id)/test", token: owner.accessToken, expect: .accepted)
        },
        "resendWebhookMessage": resource(
            "/api/v1/webhook-endpoints", ["url": "https://hooks.example.com/in"], idAt: ["endpoint", "id"],
            prepare: { h, _, _ in try await WebhookFanOut(database: SQLDataStore(h.context.database.database)).drain() }
        ) { h, owner, _ in
            let messages = try await h.send(.get, "/api/v1/webhook-messages", token: owner.accessToken, expect: .ok)
            let first = try #require((messages["items"] as? [[String: Any]])?.first)
            let id = try first.string("id")
            try await h.send(.post, "/api/v1/webhook-messages/\(id)/resend", token: owner.accessToken, expect: .accepted)
        },
    ]

    // MARK: The tenant's own lifecycle

    static let tenantLifecycle: [String: Driver] = [
        // The request records `tenant.export_requested`; `tenant.exported` follows from the job.
        "createTenantExport": onNewTenant { h, owner in
            try await h.send(.post, "/api/v1/tenant/exports", token: owner.accessToken, expect: .accepted)
        },
        "updateTenant": onNewTenant { h, owner in
            try await h.send(.patch, "/api/v1/tenant", ["name": "Renamed Tenant"], token: owner.accessToken, expect: .ok)
        },
        "deleteTenant": onNewTenant { h, owner in
            try await h.send(
                .delete, "/api/v1/tenant", ["confirm": owner.tenantSlug], token: owner.accessToken, expect: .ok)
        },
        "restoreTenant": { h in
            let owner = try await pendingDeletion(h)
            return EventProbe {
                try await h.send(.post, "/api/v1/tenant/restore", token: owner.accessToken, expect: .ok)
                return owner.tenantID
            }
        },
    ]

    // MARK: The platform (operators)

    static let platform: [String: Driver] = [
        "platformCreateTenantExport": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/exports", token: h.operatorToken, expect: .accepted)
        },
        // A backup writes a file and the platform audit event: the tenant records nothing.
        "platformCreateTenantBackup": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/backups", token: h.operatorToken, expect: .created)
        },
        // The restore replaces the outbox with the backup's (the same rows here), then records
        // its own event.
        "platformRestoreTenantBackup": { h in
            let owner = try await h.owner()
            let backup = try await h.send(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/backups", token: h.operatorToken, expect: .created)
            let name = try backup.string("name")
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/platform/tenants/\(owner.tenantID)/backups/\(name)/restore",
                    ["confirm": owner.tenantSlug], token: h.operatorToken, expect: .ok)
                return owner.tenantID
            }
        },
        "platformCreateTenant": { h in
            EventProbe {
                let body = try await h.send(
                    .post, "/api/v1/platform/tenants",
                    [
                        "name": "Operated \(EventHarness.unique())", "owner_name": "Boss",
                        "owner_email": "boss-\(EventHarness.unique())@example.com",
                    ],
                    token: h.operatorToken, expect: .created)
                return try body.string("tenant", "id")
            }
        },
        "platformSuspendTenant": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/suspend", ["reason": "unpaid invoices"],
                token: h.operatorToken, expect: .ok)
        },
        "platformReactivateTenant": { h in
            let owner = try await h.owner()
            try await h.send(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/suspend", ["reason": "unpaid invoices"],
                token: h.operatorToken, expect: .ok)
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/platform/tenants/\(owner.tenantID)/reactivate", token: h.operatorToken, expect: .ok)
                return owner.tenantID
            }
        },
        "platformRestoreTenant": { h in
            let owner = try await pendingDeletion(h)
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/platform/tenants/\(owner.tenantID)/restore", token: h.operatorToken, expect: .ok)
                return owner.tenantID
            }
        },
        "platformChangeTenantPlan": onNewTenant { h, owner in
            try await h.send(
                .put, "/api/v1/platform/tenants/\(owner.tenantID)/plan", ["plan": "pro"], token: h.operatorToken,
                expect: .ok)
        },
        "platformSetTenantOverrides": onNewTenant { h, owner in
            try await h.send(
                .put, "/api/v1/platform/tenants/\(owner.tenantID)/overrides", ["limits": ["members": 25]],
                token: h.operatorToken, expect: .ok)
        },
        // The purge removes the tenant's outbox with the rest of its rows: nothing is left in it.
        "platformPurgeTenant": onNewTenant { h, owner in
            try await h.send(
                .post, "/api/v1/platform/tenants/\(owner.tenantID)/purge", ["confirm": owner.tenantSlug],
                token: h.operatorToken, expect: .noContent)
        },
        // Plans and operators are the platform's own: no tenant records them.
        "platformCreatePlan": { h in
            EventProbe {
                try await h.send(
                    .post, "/api/v1/platform/plans", ["id": "plan-\(EventHarness.unique())", "name": "Starter"],
                    token: h.operatorToken, expect: .created)
                return nil
            }
        },
        "platformUpdatePlan": { h in
            let id = "plan-\(EventHarness.unique())"
            try await h.send(
                .post, "/api/v1/platform/plans", ["id": id, "name": "Starter"], token: h.operatorToken, expect: .created)
            return EventProbe {
                try await h.send(
                    .patch, "/api/v1/platform/plans/\(id)", ["name": "Starter Plus"], token: h.operatorToken, expect: .ok)
                return nil
            }
        },
        // Social connections are the platform's own too.
        "platformCreateSocialConnection": { h in
            if let id = try await socialConnection(h, "microsoft", create: false) {
                try await h.send(.delete, "/api/v1/platform/social-connections/\(id)", token: h.operatorToken, expect: .noContent)
            }
            return EventProbe {
                try await h.send(
                    .post, "/api/v1/platform/social-connections",
                    ["provider": "microsoft", "client_id": "ms", "return_urls": ["https://app.example.com/back"]],
                    token: h.operatorToken, expect: .created)
                return nil
            }
        },
        "platformUpdateSocialConnection": { h in
            let id = try #require(try await socialConnection(h, "microsoft"))
            return EventProbe {
                try await h.send(
                    .patch, "/api/v1/platform/social-connections/\(id)", ["enabled": false], token: h.operatorToken, expect: .ok)
                return nil
            }
        },
        "platformDeleteSocialConnection": { h in
            let id = try #require(try await socialConnection(h, "microsoft"))
            return EventProbe {
                try await h.send(
                    .delete, "/api/v1/platform/social-connections/\(id)", token: h.operatorToken, expect: .noContent)
                return nil
            }
        },
        "platformSetOperatorRole": onNewTenant { h, owner in
            try await h.send(
                .put, "/api/v1/platform/operators/\(owner.userID)", ["role": "support"], token: h.operatorToken,
                expect: .noContent)
        },
        "platformEraseUser": { h in
            let (owner, person) = try await erasable(h)
            return EventProbe {
                try await h.send(
                    .delete, "/api/v1/platform/users/\(person.userID)", token: h.operatorToken, expect: .noContent)
                return owner.tenantID
            }
        },
        "platformRemoveOperator": { h in
            let owner = try await h.owner()
            try await h.send(
                .put, "/api/v1/platform/operators/\(owner.userID)", ["role": "support"], token: h.operatorToken,
                expect: .noContent)
            return EventProbe {
                try await h.send(
                    .delete, "/api/v1/platform/operators/\(owner.userID)", token: h.operatorToken, expect: .noContent)
                return owner.tenantID
            }
        },
    ]

    // MARK: Set-ups shared by several drivers

    /// An owner, and a signed-in member of the owner's tenant who belongs nowhere else (so
    /// their erasure records its one event there).
    static func erasable(_ h: EventHarness) async throws -> (owner: Registered, person: AccessFixture.Person) {
        let owner = try await h.owner()
        let person = try await h.client.addSignedInMember(
            h.context, adminToken: owner.accessToken, tenantSlug: owner.tenantSlug, role: "member")
        return (owner, person)
    }

    /// The id of the platform's social connection of `provider`, made first when there is none
    /// and `create`.
    static func socialConnection(_ h: EventHarness, _ provider: String, create: Bool = true) async throws -> String? {
        let list = try await h.send(.get, "/api/v1/platform/social-connections", token: h.operatorToken, expect: .ok)
        let items = list["items"] as? [[String: Any]] ?? []
        if let found = items.first(where: { $0["provider"] as? String == provider }) { return found["id"] as? String }
        guard create else { return nil }
        let created = try await h.send(
            .post, "/api/v1/platform/social-connections",
            ["provider": provider, "client_id": "c", "return_urls": ["https://app.example.com/back"]], token: h.operatorToken,
            expect: .created)
        return created["id"] as? String
    }

    /// A driver whose probe runs `act` on a new tenant (as its owner or as an operator).
    static func onNewTenant(_ act: @escaping @Sendable (EventHarness, Registered) async throws -> Void) -> Driver {
        { h in
            let owner = try await h.owner()
            return EventProbe {
                try await act(h, owner)
                return owner.tenantID
            }
        }
    }

    /// A driver whose probe acts on one resource that its set-up created with `path` and `body`
    /// (and then prepared with `prepare`), by its id.
    static func resource(
        _ path: String, _ body: [String: any Sendable], idAt keys: [String] = ["id"],
        prepare: @escaping @Sendable (EventHarness, Registered, String) async throws -> Void = { _, _, _ in },
        _ act: @escaping @Sendable (EventHarness, Registered, String) async throws -> Void
    ) -> Driver {
        { h in
            let owner = try await h.owner()
            var created: [String: Any] = try await h.send(.post, path, body, token: owner.accessToken, expect: .created)
            for key in keys.dropLast() { created = try #require(created[key] as? [String: Any]) }
            let id = try created.string(try #require(keys.last))
            try await prepare(h, owner, id)
            return EventProbe {
                try await act(h, owner, id)
                return owner.tenantID
            }
        }
    }

    static func invitation(_ act: @escaping @Sendable (EventHarness, Registered, String) async throws -> Void) -> Driver {
        resource("/api/v1/invitations", ["email": "invitee-\(EventHarness.unique())@example.com", "role": "member"], act)
    }

    static func role(_ act: @escaping @Sendable (EventHarness, Registered, String) async throws -> Void) -> Driver {
        resource("/api/v1/roles", ["name": "Auditor", "permissions": ["members:read"]], act)
    }

    static func apiKey(_ act: @escaping @Sendable (EventHarness, Registered, String) async throws -> Void) -> Driver {
        resource("/api/v1/api-keys", ["name": "deploy", "scopes": ["members:read"]], idAt: ["key", "id"], act)
    }

    /// An inbound webhook source of a new tenant.
    static func webhookSource(_ act: @escaping @Sendable (EventHarness, Registered, String) async throws -> Void) -> Driver {
        resource("/api/v1/webhook-sources", ["name": "Stripe", "scheme": "stripe"], idAt: ["source", "id"], act)
    }

    /// A webhook endpoint of a new tenant.
    static func webhookEndpoint(_ act: @escaping @Sendable (EventHarness, Registered, String) async throws -> Void) -> Driver {
        resource("/api/v1/webhook-endpoints", ["url": "https://hooks.example.com/in"], idAt: ["endpoint", "id"], act)
    }

    /// A team of a new tenant; with `joined`, its owner is in it.
    static func team(
        joined: Bool = false, _ act: @escaping @Sendable (EventHarness, Registered, String) async throws -> Void
    ) -> Driver {
        resource(
            "/api/v1/teams", ["name": "Support"],
            prepare: { h, owner, id in
                guard joined else { return }
                try await h.send(.put, "/api/v1/teams/\(id)/members/\(owner.userID)", token: owner.accessToken, expect: .ok)
            }, act)
    }

    /// A new tenant subscribed to `pro` (and, with `canceled`, set to cancel at period end); the
    /// probe gets its Stripe customer and subscription ids.
    static func subscribed(
        canceled: Bool = false,
        _ act: @escaping @Sendable (EventHarness, Registered, (customer: String, subscription: String)) async throws -> Void
    ) -> Driver {
        { h in
            let owner = try await h.owner()
            try await h.send(
                .post, "/api/v1/billing/subscription", ["plan": "pro", "payment_method": "pm_card_visa"],
                token: owner.accessToken, expect: .created)
            if canceled {
                try await h.send(.post, "/api/v1/billing/subscription/cancel", token: owner.accessToken, expect: .ok)
            }
            let billing = try await h.send(.get, "/api/v1/billing/subscription", token: owner.accessToken, expect: .ok)
            let ids = (customer: try billing.string("customer_id"), subscription: try billing.string("subscription", "id"))
            return EventProbe {
                try await act(h, owner, ids)
                return owner.tenantID
            }
        }
    }

    /// A new tenant its owner asked to delete.
    static func pendingDeletion(_ h: EventHarness) async throws -> Registered {
        let owner = try await h.owner()
        try await h.send(.delete, "/api/v1/tenant", ["confirm": owner.tenantSlug], token: owner.accessToken, expect: .ok)
        return owner
    }
}
