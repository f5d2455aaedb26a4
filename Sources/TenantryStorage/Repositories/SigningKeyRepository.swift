import Foundation
import SQLKit
public import TenantryCore

/// Token signing keys (global).
public struct SQLSigningKeyRepository: SigningKeyRepository {
    let sql: any SQLDatabase

    /// Holds the key schedule's lock until the transaction ends (PostgreSQL advisory lock).
    public func lockSchedule() async throws {
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(hashtext('tenantry.signing_keys'))").run()
    }

    /// Every stored key.
    public func all() async throws -> [SigningKeyRecord] {
        try await sql.raw(
            "SELECT kid, algorithm, public_key, sealed_private_key, created_at, signs_from FROM signing_keys ORDER BY signs_from"
        ).all().map { row in
            SigningKeyRecord(
                kid: try row.decode(column: "kid", as: String.self),
                algorithm: try row.decode(column: "algorithm", as: String.self),
                publicKey: try row.decode(column: "public_key", as: String.self),
                sealedPrivateKey: try row.decode(column: "sealed_private_key", as: String.self),
                createdAt: try row.decode(column: "created_at", as: Date.self),
                signsFrom: try row.decode(column: "signs_from", as: Date.self)
            )
        }
    }

    /// Stores a new key.
    public func add(_ key: SigningKeyRecord) async throws {
        try await sql.raw(
            """
            INSERT INTO signing_keys (kid, algorithm, public_key, sealed_private_key, created_at, signs_from)
            VALUES (\(bind: key.kid), \(bind: key.algorithm), \(bind: key.publicKey), \(bind: key.sealedPrivateKey),
                    \(bind: key.createdAt), \(bind: key.signsFrom))
            """
        ).run()
    }

    /// Deletes keys that no verifier needs any more.
    public func delete(kids: [String]) async throws {
        for kid in kids {
            try await sql.raw("DELETE FROM signing_keys WHERE kid = \(bind: kid)").run()
        }
    }
}
