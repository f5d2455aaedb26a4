import Foundation
public import TenantryCore

/// Finds the master key for a configuration: the configured one; on a SQLite file, a key file
/// `master.key` beside the database (created with mode 0600 on first start, so a laptop needs no
/// set-up); in memory, a fresh random key. PostgreSQL deployments must configure one, because
/// every replica needs the same key.
public enum MasterKeySource {
    /// Resolves the key ring.
    public static func resolve(configuration: TenantryConfiguration) throws -> MasterKey {
        if let configured = configuration.masterKey {
            return try MasterKey(currentBase64: configured, previousBase64: configuration.previousMasterKeys)
        }
        switch try DatabaseLocation(url: configuration.databaseURL) {
        case .sqlite(.memory):
            return try MasterKey(currentBase64: MasterKey.generateBase64())
        case .sqlite(.file(let path)):
            let keyPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("master.key").path
            return try MasterKey(currentBase64: try readOrCreate(keyPath), previousBase64: configuration.previousMasterKeys)
        case .postgres:
            throw Validator.fail(
                "TENANTRY_MASTER_KEY",
                "required",
                "PostgreSQL deployments need TENANTRY_MASTER_KEY (32 random bytes in base64, the same on every replica)."
            )
        }
    }

    /// Checks what can be checked before the database opens: a configured key (and previous
    /// keys) must parse, and PostgreSQL needs one.
    public static func validate(configuration: TenantryConfiguration) throws {
        if let configured = configuration.masterKey {
            _ = try MasterKey(currentBase64: configured, previousBase64: configuration.previousMasterKeys)
        } else if case .postgres = try DatabaseLocation(url: configuration.databaseURL) {
            throw Validator.fail(
                "TENANTRY_MASTER_KEY",
                "required",
                "PostgreSQL deployments need TENANTRY_MASTER_KEY (32 random bytes in base64, the same on every replica)."
            )
        }
    }

    private static func readOrCreate(_ path: String) throws -> String {
        let manager = FileManager.default
        if let data = manager.contents(atPath: path), let text = String(data: data, encoding: .utf8) {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let key = MasterKey.generateBase64()
        guard manager.createFile(atPath: path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw TenantryError(.unavailable, "Cannot create the master key file \(path).")
        }
        return key
    }
}
