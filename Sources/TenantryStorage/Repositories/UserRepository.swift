public import Foundation
import SQLKit
public import TenantryCore

/// Global user identities (no tenant column: a person may belong to several tenants). Every
/// change to an existing user announces a ``UserDirectoryNotice`` in the same transaction.
public struct SQLUserRepository: UserRepository {
    let sql: any SQLDatabase

    private static let columns = "id, email, name, created_at, updated_at, locale, email_verified_at, status, erased_at"

    /// Stores a new identity (with its password hash, if it has a password yet); a taken email
    /// is a `conflict` naming the `email` field.
    public func create(_ user: User, passwordHash: String? = nil) async throws {
        do {
            try await sql.raw(
                """
                INSERT INTO users (id, email, name, created_at, updated_at, locale, email_verified_at, status, password_hash)
                VALUES (\(bind: user.id.rawValue), \(bind: user.email.rawValue), \(bind: user.name),
                        \(bind: user.createdAt), \(bind: user.updatedAt), \(bind: user.locale),
                        \(bind: user.emailVerifiedAt), \(bind: user.status.rawValue), \(bind: passwordHash))
                """
            ).run()
        } catch  where DatabaseFailure.isUniqueViolation(error) {
            throw TenantryError(
                .conflict,
                "The email address is already registered.",
                fieldErrors: [FieldError(field: "email", code: "taken", message: "This email address is already registered.")]
            )
        }
    }

    /// The identity with this id, if any.
    public func find(id: UserID) async throws -> User? {
        try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM users WHERE id = \(bind: id.rawValue)")
            .first()
            .map(Self.decode)
    }

    /// The identity with this (normalised) email, if any.
    public func find(email: EmailAddress) async throws -> User? {
        try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM users WHERE email = \(bind: email.rawValue)")
            .first()
            .map(Self.decode)
    }

    /// The identity with this email and its stored password hash (`nil` when it has none).
    public func credentials(email: EmailAddress) async throws -> (user: User, passwordHash: String?)? {
        guard
            let row = try await sql.raw(
                "SELECT \(unsafeRaw: Self.columns), password_hash FROM users WHERE email = \(bind: email.rawValue)"
            ).first()
        else { return nil }
        return (try Self.decode(row), try row.decode(column: "password_hash", as: String?.self))
    }

    /// The stored password hash of a user.
    public func passwordHash(id: UserID) async throws -> String? {
        try await sql.raw("SELECT password_hash FROM users WHERE id = \(bind: id.rawValue)")
            .first()?.decode(column: "password_hash", as: String?.self)
    }

    /// Replaces a user's password hash.
    public func setPasswordHash(_ hash: String, id: UserID, at now: Date) async throws {
        try await sql.raw(
            "UPDATE users SET password_hash = \(bind: hash), updated_at = \(bind: now) WHERE id = \(bind: id.rawValue)"
        ).run()
        try await UserDirectoryNotice.user(id).announce(on: sql)
    }

    /// Records that the user proved control of their email address.
    public func markEmailVerified(id: UserID, at now: Date) async throws {
        try await sql.raw(
            """
            UPDATE users SET email_verified_at = \(bind: now), updated_at = \(bind: now)
            WHERE id = \(bind: id.rawValue) AND email_verified_at IS NULL
            """
        ).run()
        try await UserDirectoryNotice.user(id).announce(on: sql)
    }

    /// Changes the display name and locale.
    public func updateProfile(id: UserID, name: String, locale: String?, at now: Date) async throws {
        try await sql.raw(
            """
            UPDATE users SET name = \(bind: name), locale = \(bind: locale), updated_at = \(bind: now)
            WHERE id = \(bind: id.rawValue)
            """
        ).run()
        try await UserDirectoryNotice.user(id).announce(on: sql)
    }

    /// Enables or disables sign-in; never for an erased identity (erasure itself writes the
    /// row, ``SQLPersonalDataErasure``).
    public func setStatus(_ status: User.Status, id: UserID, at now: Date) async throws {
        guard status != .erased else { throw TenantryError(.internalError, "An identity is erased only by an erasure.") }
        try await sql.raw(
            """
            UPDATE users SET status = \(bind: status.rawValue), updated_at = \(bind: now)
            WHERE id = \(bind: id.rawValue) AND erased_at IS NULL
            """
        ).run()
        try await UserDirectoryNotice.user(id).announce(on: sql)
    }

    static func decode(_ row: any SQLRow) throws -> User {
        // Stored as `disabled`, which the `status` check allows on both engines (migration 23).
        let erased = try row.decode(column: "erased_at", as: Date?.self) != nil
        return User(
            id: try row.identifier("id"),
            email: try row.validated("email") { try EmailAddress($0) },
            name: try row.decode(column: "name", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self),
            locale: try row.decode(column: "locale", as: String?.self),
            emailVerifiedAt: try row.decode(column: "email_verified_at", as: Date?.self),
            status: erased ? .erased : try row.enumeration("status", as: User.Status.self)
        )
    }
}
