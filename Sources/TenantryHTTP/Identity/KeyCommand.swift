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
        let database = try await DatabaseBootstrap.open(configuration: configuration, migrations: .verifyOnly, logger: logger)
        let running = Task { try await database.run() }
        do {
            try await Task.sleep(for: .milliseconds(20))
            try await DatabaseBootstrap.verify(database)
            let runtime = try IdentityRuntime.make(configuration: configuration, database: database, logger: logger)
            try await body(KeyRotation(runtime: runtime))
            running.cancel()
            _ = await running.result
            try? await (database as? SQLiteDatabaseClient)?.close()
        } catch {
            running.cancel()
            _ = await running.result
            try? await (database as? SQLiteDatabaseClient)?.close()
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
