import Foundation
public import Logging
public import TenantryCore
import TenantryStorage

/// `tenantry keys …`: opens the database (without migrating), runs the key manager, closes.
public enum KeyCommand {
    /// Runs `body` with a key manager for the configured database.
    public static func withManager(
        configuration: TenantryConfiguration,
        logger: Logger,
        _ body: (KeyRotation) async throws -> Void
    ) async throws {
        try await OneOffCommand.withRuntime(configuration: configuration, logger: logger) { runtime in
            try await body(KeyRotation(runtime: runtime))
        }
    }
}

/// What one-off commands (`keys`, `seed`) share: open the configured database without
/// migrating, check it is current, run, and always close.
public enum OneOffCommand {
    /// Runs `body` with the identity runtime of the configured database.
    public static func withRuntime(
        configuration: TenantryConfiguration,
        logger: Logger,
        _ body: (IdentityRuntime) async throws -> Void
    ) async throws {
        let database = try await DatabaseBootstrap.open(configuration: configuration, migrations: .verifyOnly, logger: logger)
        // PostgreSQL's pool needs its run loop; SQLite needs nothing but a close at the end.
        let pool = (database as? PostgresDatabaseClient).map { client in Task { await client.run() } }
        func finish() async {
            pool?.cancel()
            await pool?.value
            try? await (database as? SQLiteDatabaseClient)?.close()
        }
        do {
            try await DatabaseBootstrap.verify(database)
            let runtime = try IdentityRuntime.make(configuration: configuration, database: database, logger: logger)
            try await body(runtime)
            await finish()
        } catch {
            await finish()
            throw error
        }
    }
}

/// Key operations with their audit events.
public struct KeyRotation: Sendable {
    let runtime: IdentityRuntime

    var manager: SigningKeyManager {
        SigningKeyManager(database: runtime.database, masterKey: runtime.masterKey, settings: runtime.authority.settings)
    }

    /// Every key with its state.
    public func list() async throws -> [(key: SigningKeyRecord, state: String)] {
        try await manager.ensureActiveKey()
        return try await manager.list()
    }

    /// Adds a key (see ``SigningKeyManager/rotate(now:)``) and records a platform audit event.
    public func rotate() async throws -> SigningKeyRecord {
        try await manager.ensureActiveKey()
        let key = try await manager.rotate()
        try await runtime.database.withGlobal { scope in
            try await scope.platformAuditEvents.append(
                AuditEvent(
                    tenantID: TenantID(UUID()), id: .generate(), occurredAt: Date(), actor: .system,
                    action: "signing_key.rotated", target: .init(type: "signing_key", id: key.kid), origin: .none,
                    changes: ["signs_from": .init(before: nil, after: key.signsFrom.formatted(.iso8601))]
                )
            )
        }
        return key
    }
}
