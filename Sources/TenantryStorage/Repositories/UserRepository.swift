import Foundation
import SQLKit
public import TenantryCore

/// Global user identities (no tenant column: a person may belong to several tenants).
public struct UserRepository: Sendable {
    let sql: any SQLDatabase

    private static let columns = "id, email, name, created_at, updated_at"

    /// Stores a new identity; a taken email is a `conflict` naming the `email` field.
    public func create(_ user: User) async throws {
        do {
            try await sql.raw(
                """
                INSERT INTO users (id, email, name, created_at, updated_at)
                VALUES (\(bind: user.id.rawValue), \(bind: user.email.rawValue), \(bind: user.name),
                        \(bind: user.createdAt), \(bind: user.updatedAt))
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

    static func decode(_ row: any SQLRow) throws -> User {
        User(
            id: try row.identifier("id"),
            email: try row.validated("email") { try EmailAddress($0) },
            name: try row.decode(column: "name", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}
