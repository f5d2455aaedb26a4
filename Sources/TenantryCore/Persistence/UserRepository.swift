public import Foundation

/// Global user identities (no tenant column: a person may belong to several tenants). Every
/// change to an existing user announces a ``UserDirectoryNotice`` in the same transaction.
public protocol UserRepository: Sendable {
    /// Stores a new identity (with its password hash, if it has a password yet); a taken email
    /// is a `conflict` naming the `email` field.
    func create(_ user: User, passwordHash: String?) async throws
    /// The identity with this id, if any.
    func find(id: UserID) async throws -> User?
    /// The identity with this (normalised) email, if any.
    func find(email: EmailAddress) async throws -> User?
    /// The identity with this email and its stored password hash (`nil` when it has none).
    func credentials(email: EmailAddress) async throws -> (user: User, passwordHash: String?)?
    /// The stored password hash of a user.
    func passwordHash(id: UserID) async throws -> String?
    /// Replaces a user's password hash.
    func setPasswordHash(_ hash: String, id: UserID, at now: Date) async throws
    /// Records that the user proved control of their email address.
    func markEmailVerified(id: UserID, at now: Date) async throws
    /// Changes the display name and locale.
    func updateProfile(id: UserID, name: String, locale: String?, at now: Date) async throws
    /// Enables or disables sign-in.
    func setStatus(_ status: User.Status, id: UserID, at now: Date) async throws
}
