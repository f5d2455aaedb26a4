public import Foundation
public import TenantryCore

/// The one way to send and redeem one-time links by email (email verification, password reset,
/// a new member's first password, invitations): it mints an ``EmailedToken``, has its hash
/// stored in the caller's transaction, and queues the email with the link in the same
/// transaction, so no link is sent for a change that rolled back.
public struct EmailedTokenIssuer: Sendable {
    /// The public base URL the links point under.
    public let publicURL: String

    /// Creates an issuer for links under `publicURL`.
    public init(publicURL: String) {
        self.publicURL = publicURL
    }

    /// The name emails give when they are sent for no tenant (or one that is gone).
    static let defaultTenantName = "Tenantry"

    /// Sends `user` a link for a purpose kept in the user token table: stores the token for the
    /// user (with `tenant` as the context the link opens in) and queues the email.
    /// - Parameters:
    ///   - tenant: the tenant the email is sent for, if any.
    ///   - tenantName: the tenant's name in the email; the product's name when `nil`.
    public func send(
        _ purpose: EmailedToken.Purpose, to user: User, tenant: TenantID?, tenantName: String?,
        scope: any GlobalTransaction, now: Date
    ) async throws {
        guard let stored = purpose.userTokenPurpose else {
            throw TenantryError(.internalError, "An invitation link is sent with its invitation.")
        }
        let token = EmailedToken.mint(purpose, now: now)
        try await scope.userTokens.add(
            hash: token.hash, userID: user.id, purpose: stored, contextTenantID: tenant, now: now,
            expiresAt: token.expiresAt)
        let style = try await EmailOutbox.style(for: user, tenant: tenant, scope: scope)
        try await EmailOutbox.enqueue(
            purpose.email, to: user.email, name: user.name, style: style, tenant: tenant,
            tenantName: tenantName ?? Self.defaultTenantName, link: token.link(publicURL: publicURL),
            validFor: purpose.lifetimeInWords(style.language), scope: scope)
    }

    /// Queues the email for a token whose hash the caller stored itself (an invitation's), to an
    /// address that may have no account; `name` is the template's (for an invitation, the
    /// inviter's).
    public func send(
        _ token: EmailedToken, to address: EmailAddress, name: String, tenant: TenantID, tenantName: String?,
        scope: any GlobalTransaction
    ) async throws {
        // The invitee may have an account here, with a language of their own.
        let invitee = try await scope.users.find(email: address)
        let style = try await EmailOutbox.style(for: invitee, tenant: tenant, scope: scope)
        try await EmailOutbox.enqueue(
            token.purpose.email, to: address, name: name, style: style, tenant: tenant,
            tenantName: tenantName ?? Self.defaultTenantName, link: token.link(publicURL: publicURL),
            validFor: token.purpose.lifetimeInWords(style.language), scope: scope)
    }

    /// Redeems a link from the user token table, once: marks the token used and returns it.
    /// An unknown, expired, used or other-purpose token is `invalid_user_token`, all alike.
    public func redeem(_ secret: String, for purpose: EmailedToken.Purpose, scope: any GlobalTransaction, now: Date)
        async throws -> UserTokenRecord
    {
        guard let stored = purpose.userTokenPurpose,
            let record = try await scope.userTokens.consume(hash: EmailedToken.hash(of: secret), purpose: stored, now: now)
        else { throw TenantryError(.invalidUserToken, "The link is invalid, expired or already used.") }
        return record
    }
}

extension TenantryEnvironment {
    /// The issuer of emailed links under this environment's public URL.
    public var emailedTokens: EmailedTokenIssuer { EmailedTokenIssuer(publicURL: publicURL) }
}
