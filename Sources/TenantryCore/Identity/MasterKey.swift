public import Crypto
public import Foundation

/// The key that encrypts secrets at rest (signing keys today, provider credentials later):
/// AES-256-GCM, with an identifier stored beside each sealed value so the key can be rotated —
/// configure the new key as current and the old one as previous, and values sealed with either
/// still open.
public struct MasterKey: Sendable {
    /// The current key: seals new values.
    let current: SymmetricKey
    /// Older keys that still open values sealed before a rotation.
    let previous: [SymmetricKey]

    /// Creates a key ring from 32-byte keys in standard base64.
    public init(currentBase64: String, previousBase64: [String] = []) throws(TenantryError) {
        self.current = try Self.key(currentBase64, setting: "TENANTRY_MASTER_KEY")
        var previous: [SymmetricKey] = []
        for text in previousBase64 {
            previous.append(try Self.key(text, setting: "TENANTRY_MASTER_KEY_PREVIOUS"))
        }
        self.previous = previous
    }

    /// Creates a key ring from raw keys.
    public init(current: SymmetricKey, previous: [SymmetricKey] = []) {
        self.current = current
        self.previous = previous
    }

    /// A new random key in standard base64, for `TENANTRY_MASTER_KEY`.
    public static func generateBase64() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    private static func key(_ text: String, setting: String) throws(TenantryError) -> SymmetricKey {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw Validator.fail(
                setting, "invalid_key", "A master key is 32 random bytes in base64 (e.g. `openssl rand -base64 32`).")
        }
        return SymmetricKey(data: data)
    }

    /// Encrypts `plaintext`: `v1.<key id>.<base64 nonce+ciphertext+tag>`.
    public func seal(_ plaintext: Data) throws -> String {
        let box = try AES.GCM.seal(plaintext, using: current)
        guard let combined = box.combined else {
            throw TenantryError(.internalError, "Sealing produced no output.")
        }
        return "v1.\(Self.identifier(current)).\(combined.base64EncodedString())"
    }

    /// Decrypts a value made by ``seal(_:)`` with the current or a previous key.
    public func open(_ sealed: String) throws -> Data {
        let parts = sealed.split(separator: ".")
        guard parts.count == 3, parts[0] == "v1", let combined = Data(base64Encoded: String(parts[2])) else {
            throw TenantryError(.internalError, "A sealed secret has an unknown format.")
        }
        guard let key = ([current] + previous).first(where: { Self.identifier($0) == parts[1] }) else {
            throw TenantryError(
                .internalError,
                "A secret was sealed with a master key that is not configured (set TENANTRY_MASTER_KEY_PREVIOUS)."
            )
        }
        return try AES.GCM.open(AES.GCM.SealedBox(combined: combined), using: key)
    }

    /// A key for one purpose (`purpose` names it, e.g. `console-csrf`), derived from the
    /// current key with HKDF-SHA256: what is signed with it cannot be confused with anything
    /// signed for another purpose, and it changes when the master key is rotated.
    public func derivedKey(purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: current, info: Data("tenantry \(purpose)".utf8), outputByteCount: 32)
    }

    /// Whether `sealed` was made with an older key and should be sealed again.
    public func isSealedWithPreviousKey(_ sealed: String) -> Bool {
        let parts = sealed.split(separator: ".")
        return parts.count == 3 && parts[1] != Self.identifier(current)
    }

    /// The first 8 hex digits of the key's SHA-256: names the key without revealing it.
    static func identifier(_ key: SymmetricKey) -> String {
        FastFormatting.hex(key.withUnsafeBytes { SHA256.hash(data: Data($0)) }.prefix(4))
    }
}
