public import Foundation

/// A one-time token sent by email as a link: a random secret (``SecretToken``) that appears only
/// in the email, stored at rest as its SHA-256, and valid for its purpose's lifetime.
///
/// Each purpose's lifetime, its words in the email, its link and its email are written here
/// once; `EmailedTokenIssuer` (in the application) mints, stores, sends and redeems them.
public struct EmailedToken: Sendable {
    /// What a token is for.
    public enum Purpose: Sendable, CaseIterable {
        /// Proves control of the account's address (sent at registration and on request).
        case verifyEmail
        /// Sets a new password for an account whose owner forgot theirs.
        case resetPassword
        /// Lets a person added as a member without an account choose a first password.
        case setPassword
        /// Lets the invited person join a tenant (stored on the invitation, not as a user token).
        case invitation

        /// How long a token works after it is minted.
        public var lifetime: TimeInterval {
            switch self {
            case .verifyEmail: 24 * 3600
            case .resetPassword: 3600
            case .setPassword: 72 * 3600
            case .invitation: 7 * 86_400
            }
        }

        /// ``lifetime`` in words of `language` ("24 hours", "24 horas").
        public func lifetimeInWords(_ language: Language) -> String {
            language.words(forSeconds: Int(lifetime))
        }

        /// The console page the link opens, below the public URL.
        public var linkPath: String {
            switch self {
            case .verifyEmail: "/verify-email"
            case .resetPassword, .setPassword: "/reset-password"
            case .invitation: "/accept-invitation"
            }
        }

        /// The email that carries the link.
        public var email: EmailTemplates.Kind {
            switch self {
            case .verifyEmail: .verifyEmail
            case .resetPassword: .resetPassword
            case .setPassword: .memberAdded
            case .invitation: .invitation
            }
        }

        /// How the token is kept in the user token table; `nil` for an invitation, whose token
        /// is kept on the invitation. Choosing a first password is redeemed as a reset.
        public var userTokenPurpose: UserTokenPurpose? {
            switch self {
            case .verifyEmail: .verifyEmail
            case .resetPassword, .setPassword: .resetPassword
            case .invitation: nil
            }
        }
    }

    /// What the token is for.
    public let purpose: Purpose
    /// The secret, for the email only: never stored, logged or answered.
    public let secret: String
    /// What is stored: ``hash(of:)`` of the secret.
    public let hash: String
    /// When the token stops working.
    public let expiresAt: Date

    /// Mints a new token of `purpose`, valid from `now` for the purpose's lifetime.
    public static func mint(_ purpose: Purpose, now: Date) -> EmailedToken {
        let secret = SecretToken.generate()
        return EmailedToken(purpose: purpose, secret: secret, hash: hash(of: secret), expiresAt: now + purpose.lifetime)
    }

    /// The stored form of a secret presented back (a link followed): what a token is looked up by.
    public static func hash(of secret: String) -> String {
        SecretToken.digest(secret)
    }

    /// The link for the email: the purpose's page under `publicURL`, with the secret.
    public func link(publicURL: String) -> String {
        "\(publicURL)\(purpose.linkPath)?token=\(secret)"
    }
}
