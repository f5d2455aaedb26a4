/// The kinds of domain event a tenant's changes are recorded as: a closed set, each with a
/// stable dotted name (`member.added`), a payload version and a description. The catalogue
/// (``EventCatalog``) is part of the public contract, served at `GET /api/v1/event-types`.
public enum EventType: String, Sendable, Hashable, CaseIterable, Codable {
    /// Someone signed up: the tenant, its owner and the first session were created.
    case authRegistered = "auth.registered"
    /// A member signed in.
    case authLoginSucceeded = "auth.login_succeeded"
    /// A sign-in to a member's account failed (wrong password or refused).
    case authLoginFailed = "auth.login_failed"
    /// A member signed out of one session.
    case authLoggedOut = "auth.logged_out"
    /// A member signed out of every session.
    case authLoggedOutEverywhere = "auth.logged_out_everywhere"
    /// A member's session switched to this tenant.
    case authTenantSwitched = "auth.tenant_switched"
    /// A refresh token was presented again after it was rotated; the whole session was ended.
    case authRefreshTokenReused = "auth.refresh_token_reused"
    /// A member asked for a password reset link.
    case authPasswordResetRequested = "auth.password_reset_requested"
    /// A member revoked one of their sessions.
    case sessionRevoked = "session.revoked"
    /// A member changed their name or language.
    case userProfileUpdated = "user.profile_updated"
    /// A member changed their password; their other sessions were ended.
    case userPasswordChanged = "user.password_changed"
    /// A member set a new password through a reset link; their sessions were ended.
    case userPasswordReset = "user.password_reset"
    /// A member verified their email address.
    case userEmailVerified = "user.email_verified"
    /// An operator disabled a member's account everywhere; their sessions were ended.
    case userDisabled = "user.disabled"
    /// An operator enabled a member's account again.
    case userEnabled = "user.enabled"
    /// A member's account was erased at their request (by them or an operator): they left every
    /// tenant, and their personal data was removed or replaced by a pseudonym.
    case userErased = "user.erased"
    /// A member turned on a second factor (TOTP) and got recovery codes.
    case userMFAEnabled = "user.mfa_enabled"
    /// A member turned off their second factor; their recovery codes were removed.
    case userMFADisabled = "user.mfa_disabled"
    /// A member replaced their recovery codes; the earlier ones stopped working.
    case userRecoveryCodesRegenerated = "user.recovery_codes_regenerated"
    /// A second-factor code was wrong or already used, at sign-in or re-authentication.
    case authMFAFailed = "auth.mfa_failed"
    /// A member signed in or re-authenticated with one of their recovery codes.
    case authRecoveryCodeUsed = "auth.recovery_code_used"
    /// A member confirmed who they are again (password or code) for a sensitive change.
    case authReauthenticated = "auth.reauthenticated"
    /// Someone signed in through a single sign-on connection.
    case authSSOSucceeded = "auth.sso_succeeded"
    /// A sign-in through a single sign-on connection was refused.
    case authSSOFailed = "auth.sso_failed"
    /// A member signed in through a platform social connection (Google, Microsoft).
    case authSocialSucceeded = "auth.social_succeeded"
    /// A sign-in through a platform social connection was refused for a known account.
    case authSocialFailed = "auth.social_failed"
    /// A single sign-on connection was created (its client secret is never part of an event).
    case ssoConnectionCreated = "sso_connection.created"
    /// A single sign-on connection's settings or state changed.
    case ssoConnectionUpdated = "sso_connection.updated"
    /// A single sign-on connection was deleted.
    case ssoConnectionDeleted = "sso_connection.deleted"
    /// An owner signed in with a password although the domain of their address requires single
    /// sign-on (the break-glass sign-in).
    case authSSOBreakGlass = "auth.sso_break_glass"
    /// The tenant claimed an email domain; a DNS TXT record is to prove it.
    case domainClaimed = "domain.claimed"
    /// The domain's TXT record was found: the tenant holds the domain.
    case domainVerified = "domain.verified"
    /// A domain's join policy, default role or single sign-on requirement changed.
    case domainUpdated = "domain.updated"
    /// The tenant released a domain; its pending join requests went with it.
    case domainReleased = "domain.released"
    /// Someone who signed up with an address at the domain asked to join the tenant.
    case domainJoinRequested = "domain.join_requested"
    /// An admin approved a join request: the person became a member.
    case domainJoinApproved = "domain.join_approved"
    /// An admin rejected a join request.
    case domainJoinRejected = "domain.join_rejected"
    /// A person was added to the tenant with a role.
    case memberAdded = "member.added"
    /// A member's role or status changed.
    case memberUpdated = "member.updated"
    /// A member was removed; the API keys they created were revoked.
    case memberRemoved = "member.removed"
    /// Ownership passed to another member; the previous owner became an admin.
    case tenantOwnershipTransferred = "tenant.ownership_transferred"
    /// A custom role was created.
    case roleCreated = "role.created"
    /// A custom role's name, rank or permissions changed.
    case roleUpdated = "role.updated"
    /// A custom role was deleted.
    case roleDeleted = "role.deleted"
    /// A team was created.
    case teamCreated = "team.created"
    /// A team's name or description changed.
    case teamUpdated = "team.updated"
    /// A team was deleted.
    case teamDeleted = "team.deleted"
    /// A member joined a team.
    case teamMemberAdded = "team.member_added"
    /// A member left a team.
    case teamMemberRemoved = "team.member_removed"
    /// An API key was created (its secret is never part of an event).
    case apiKeyCreated = "api_key.created"
    /// An API key's name, scopes, expiry or rate limit changed.
    case apiKeyUpdated = "api_key.updated"
    /// An API key got a new secret; the old one stays valid for the overlap.
    case apiKeyRotated = "api_key.rotated"
    /// An API key was revoked.
    case apiKeyRevoked = "api_key.revoked"
    /// Someone was invited to join the tenant.
    case invitationCreated = "invitation.created"
    /// An invitation was sent again with a new link.
    case invitationResent = "invitation.resent"
    /// An invitation was withdrawn.
    case invitationRevoked = "invitation.revoked"
    /// An invitation was accepted: the person became a member.
    case invitationAccepted = "invitation.accepted"
    /// The tenant's name, branding or settings changed.
    case tenantUpdated = "tenant.updated"
    /// An owner asked to delete the tenant; it is pending deletion until the grace period ends.
    case tenantDeletionRequested = "tenant.deletion_requested"
    /// A tenant pending deletion was restored, by an owner or an operator.
    case tenantRestored = "tenant.restored"
    /// An operator created the tenant with its first owner.
    case tenantCreated = "tenant.created"
    /// An operator suspended the tenant: its members and API keys are refused until it is reactivated.
    case tenantSuspended = "tenant.suspended"
    /// An operator reactivated the suspended tenant.
    case tenantReactivated = "tenant.reactivated"
    /// The tenant moved to another plan: by an operator, or by billing (actor `system`).
    case tenantPlanChanged = "tenant.plan_changed"
    /// An operator changed the tenant's entitlement overrides (limits, features, modules).
    case tenantOverridesChanged = "tenant.overrides_changed"
    /// The demo tenant was created by `tenantry seed demo`.
    case tenantSeeded = "tenant.seeded"
    /// An export of the tenant's data was requested, by an owner or an operator; it runs in
    /// the background.
    case tenantExportRequested = "tenant.export_requested"
    /// An export of the tenant's data finished: its archive can be downloaded until it expires.
    case tenantExported = "tenant.exported"
    /// An operator replaced the tenant's data with one of its backups.
    case tenantBackupRestored = "tenant.backup_restored"
    /// Audit events older than the tenant's retention were removed.
    case auditEventsPurged = "audit_events.purged"
    /// A webhook endpoint was created (its secret is never part of an event).
    case webhookEndpointCreated = "webhook_endpoint.created"
    /// A webhook endpoint's URL, description, event types, rate limit or state changed.
    case webhookEndpointUpdated = "webhook_endpoint.updated"
    /// A webhook endpoint got a new signing secret; the old one signs too for 24 hours.
    case webhookEndpointSecretRotated = "webhook_endpoint.secret_rotated"
    /// A webhook endpoint was deleted with its messages.
    case webhookEndpointDeleted = "webhook_endpoint.deleted"
    /// The server disabled a webhook endpoint: it answered 410 Gone, or its deliveries failed
    /// without a success for the failure window.
    case webhookEndpointDisabled = "webhook_endpoint.disabled"
    /// Every attempt to deliver a webhook message failed: the message was dead-lettered.
    case messageAttemptExhausted = "message.attempt.exhausted"
    /// A test message sent to one webhook endpoint on request (made for that endpoint only,
    /// never recorded as a change).
    case webhookTest = "webhook.test"
    /// An inbound webhook source was created (its secret is never part of an event).
    case webhookSourceCreated = "webhook_source.created"
    /// An inbound webhook source's name, scheme or state changed.
    case webhookSourceUpdated = "webhook_source.updated"
    /// An inbound webhook source got a new secret; the old one is accepted too for 24 hours.
    case webhookSourceSecretRotated = "webhook_source.secret_rotated"
    /// An inbound webhook source was deleted with its receipts.
    case webhookSourceDeleted = "webhook_source.deleted"
    /// A verified webhook arrived at one of the tenant's inbound sources and was stored.
    case webhookReceived = "webhook.received"
    /// The tenant's Stripe subscription changed: created, moved to another price, set to cancel
    /// at period end or resumed, or its status changed (from Stripe's webhooks).
    case billingSubscriptionChanged = "billing.subscription_changed"

    /// The version of this event's payload schema; it changes only when the payload changes
    /// in a way a consumer could notice.
    public var version: Int { 1 }

    /// What happened, for people reading the catalogue.
    public var summary: String {
        switch self {
        case .authRegistered: "Someone signed up: the tenant, its owner and the first session were created."
        case .authLoginSucceeded: "A member signed in."
        case .authLoginFailed: "A sign-in to a member's account failed (wrong password or refused)."
        case .authLoggedOut: "A member signed out of one session."
        case .authLoggedOutEverywhere: "A member signed out of every session."
        case .authTenantSwitched: "A member's session switched to this tenant."
        case .authRefreshTokenReused: "A refresh token was presented again after it was rotated; the whole session was ended."
        case .authPasswordResetRequested: "A member asked for a password reset link."
        case .sessionRevoked: "A member revoked one of their sessions."
        case .userProfileUpdated: "A member changed their name or language."
        case .userPasswordChanged: "A member changed their password; their other sessions were ended."
        case .userPasswordReset: "A member set a new password through a reset link; their sessions were ended."
        case .userEmailVerified: "A member verified their email address."
        case .userDisabled: "An operator disabled a member's account everywhere; their sessions were ended."
        case .userEnabled: "An operator enabled a member's account again."
        case .userErased:
            "A member's account was erased at their request (by them or an operator): they left every tenant, and their personal data was removed or replaced by a pseudonym."
        case .userMFAEnabled: "A member turned on a second factor (TOTP) and got recovery codes."
        case .userMFADisabled: "A member turned off their second factor; their recovery codes were removed."
        case .userRecoveryCodesRegenerated: "A member replaced their recovery codes; the earlier ones stopped working."
        case .authMFAFailed: "A second-factor code was wrong or already used, at sign-in or re-authentication."
        case .authRecoveryCodeUsed: "A member signed in or re-authenticated with one of their recovery codes."
        case .authReauthenticated: "A member confirmed who they are again (password or code) for a sensitive change."
        case .authSSOSucceeded: "Someone signed in through a single sign-on connection."
        case .authSSOFailed: "A sign-in through a single sign-on connection was refused."
        case .authSocialSucceeded: "A member signed in through a platform social connection (Google, Microsoft)."
        case .authSocialFailed: "A sign-in through a platform social connection was refused for a known account."
        case .ssoConnectionCreated: "A single sign-on connection was created (its client secret is never part of an event)."
        case .ssoConnectionUpdated: "A single sign-on connection's settings or state changed."
        case .ssoConnectionDeleted: "A single sign-on connection was deleted."
        case .authSSOBreakGlass:
            "An owner signed in with a password although the domain of their address requires single sign-on (break-glass)."
        case .domainClaimed: "The tenant claimed an email domain; a DNS TXT record is to prove it."
        case .domainVerified: "The domain's TXT record was found: the tenant holds the domain."
        case .domainUpdated: "A domain's join policy, default role or single sign-on requirement changed."
        case .domainReleased: "The tenant released a domain; its pending join requests went with it."
        case .domainJoinRequested: "Someone who signed up with an address at the domain asked to join the tenant."
        case .domainJoinApproved: "An admin approved a join request: the person became a member."
        case .domainJoinRejected: "An admin rejected a join request."
        case .memberAdded: "A person was added to the tenant with a role."
        case .memberUpdated: "A member's role or status changed."
        case .memberRemoved: "A member was removed; the API keys they created were revoked."
        case .tenantOwnershipTransferred: "Ownership passed to another member; the previous owner became an admin."
        case .roleCreated: "A custom role was created."
        case .roleUpdated: "A custom role's name, rank or permissions changed."
        case .roleDeleted: "A custom role was deleted."
        case .teamCreated: "A team was created."
        case .teamUpdated: "A team's name or description changed."
        case .teamDeleted: "A team was deleted."
        case .teamMemberAdded: "A member joined a team."
        case .teamMemberRemoved: "A member left a team."
        case .apiKeyCreated: "An API key was created (its secret is never part of an event)."
        case .apiKeyUpdated: "An API key's name, scopes, expiry or rate limit changed."
        case .apiKeyRotated: "An API key got a new secret; the old one stays valid for the overlap."
        case .apiKeyRevoked: "An API key was revoked."
        case .invitationCreated: "Someone was invited to join the tenant."
        case .invitationResent: "An invitation was sent again with a new link."
        case .invitationRevoked: "An invitation was withdrawn."
        case .invitationAccepted: "An invitation was accepted: the person became a member."
        case .tenantUpdated: "The tenant's name, branding or settings changed."
        case .tenantDeletionRequested: "An owner asked to delete the tenant; it is pending deletion until the grace period ends."
        case .tenantRestored: "A tenant pending deletion was restored, by an owner or an operator."
        case .tenantExportRequested:
            "An export of the tenant's data was requested, by an owner or an operator; it runs in the background."
        case .tenantExported: "An export of the tenant's data finished: its archive can be downloaded until it expires."
        case .tenantBackupRestored: "An operator replaced the tenant's data with one of its backups."
        case .tenantCreated: "An operator created the tenant with its first owner."
        case .tenantSuspended:
            "An operator suspended the tenant: its members and API keys are refused until it is reactivated."
        case .tenantReactivated: "An operator reactivated the suspended tenant."
        case .tenantPlanChanged: "The tenant moved to another plan: by an operator, or by billing (actor system)."
        case .tenantOverridesChanged: "An operator changed the tenant's entitlement overrides (limits, features, modules)."
        case .tenantSeeded: "The demo tenant was created by `tenantry seed demo`."
        case .auditEventsPurged: "Audit events older than the tenant's retention were removed."
        case .webhookEndpointCreated: "A webhook endpoint was created (its secret is never part of an event)."
        case .webhookEndpointUpdated: "A webhook endpoint's URL, description, event types, rate limit or state changed."
        case .webhookEndpointSecretRotated: "A webhook endpoint got a new signing secret; the old one signs too for 24 hours."
        case .webhookEndpointDeleted: "A webhook endpoint was deleted with its messages."
        case .webhookEndpointDisabled:
            "The server disabled a webhook endpoint: it answered 410 Gone, or its deliveries failed without a success for the failure window."
        case .messageAttemptExhausted: "Every attempt to deliver a webhook message failed: the message was dead-lettered."
        case .webhookTest:
            "A test message sent to one webhook endpoint on request (made for that endpoint only, never recorded as a change)."
        case .webhookSourceCreated: "An inbound webhook source was created (its secret is never part of an event)."
        case .webhookSourceUpdated: "An inbound webhook source's name, scheme or state changed."
        case .webhookSourceSecretRotated: "An inbound webhook source got a new secret; the old one is accepted too for 24 hours."
        case .webhookSourceDeleted: "An inbound webhook source was deleted with its receipts."
        case .webhookReceived: "A verified webhook arrived at one of the tenant's inbound sources and was stored."
        case .billingSubscriptionChanged:
            "The tenant's Stripe subscription changed: created, moved to another price, set to cancel at period end or resumed, or its status changed."
        }
    }

    /// Whether the event changes who may do what in the tenant (members, roles, keys, teams,
    /// the tenant's status and settings): every node then forgets what it cached of the
    /// tenant's access and entitlements.
    public var changesAccess: Bool {
        switch self {
        case .authRegistered, .memberAdded, .memberUpdated, .memberRemoved, .tenantOwnershipTransferred, .roleCreated,
            .roleUpdated, .roleDeleted, .teamCreated, .teamUpdated, .teamDeleted, .teamMemberAdded, .teamMemberRemoved,
            .apiKeyCreated, .apiKeyUpdated, .apiKeyRotated, .apiKeyRevoked, .invitationAccepted, .tenantUpdated,
            .tenantDeletionRequested, .tenantRestored, .tenantCreated, .tenantSuspended, .tenantReactivated,
            .tenantPlanChanged, .tenantOverridesChanged, .tenantSeeded, .domainJoinApproved, .userErased,
            .tenantBackupRestored:
            true
        case .authLoginSucceeded, .authLoginFailed, .authLoggedOut, .authLoggedOutEverywhere, .authTenantSwitched,
            .authRefreshTokenReused, .authPasswordResetRequested, .sessionRevoked, .userProfileUpdated, .userPasswordChanged,
            .userPasswordReset, .userEmailVerified, .userDisabled, .userEnabled, .userMFAEnabled, .userMFADisabled,
            .userRecoveryCodesRegenerated, .authMFAFailed, .authRecoveryCodeUsed, .authReauthenticated, .authSSOSucceeded,
            .authSSOFailed,
            .authSocialSucceeded, .authSocialFailed,
            .ssoConnectionCreated, .ssoConnectionUpdated, .ssoConnectionDeleted, .invitationCreated,
            .invitationResent,
            .invitationRevoked, .auditEventsPurged, .webhookEndpointCreated, .webhookEndpointUpdated,
            .webhookEndpointSecretRotated, .webhookEndpointDeleted, .webhookEndpointDisabled, .messageAttemptExhausted,
            .webhookTest, .webhookSourceCreated, .webhookSourceUpdated, .webhookSourceSecretRotated, .webhookSourceDeleted,
            .webhookReceived, .billingSubscriptionChanged, .authSSOBreakGlass, .domainClaimed, .domainVerified, .domainUpdated,
            .domainReleased,
            .domainJoinRequested, .domainJoinRejected, .tenantExportRequested, .tenantExported:
            false
        }
    }
}
