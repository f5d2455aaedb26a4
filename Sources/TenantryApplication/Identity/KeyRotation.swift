import Foundation
import Logging
public import TenantryCore

/// Key operations with their audit events.
public struct KeyRotation: Sendable {
    /// Creates, rotates and prunes the keys.
    public let manager: SigningKeyManager

    /// Creates the use case.
    public init(manager: SigningKeyManager) {
        self.manager = manager
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
        try await manager.database.withGlobal { scope in
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
