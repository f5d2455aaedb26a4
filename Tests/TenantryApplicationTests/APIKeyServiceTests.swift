import Foundation
import TenantryApplication
import TenantryCore
import Testing

@Suite("API keys")
struct APIKeyServiceTests {
    let seeded: SeededTenant
    let keys: APIKeyService

    init() throws {
        seeded = try SeededTenant()
        keys = APIKeyService(database: seeded.store)
    }

    func create(_ scopes: Set<Permission> = [.membersRead]) async throws -> (APIKey, APIKeySecret) {
        try await keys.create(seeded.asAdmin, .init(name: "CI", scopes: scopes), origin: SeededTenant.origin)
    }

    @Test("scopes beyond the creator's permissions are refused")
    func scopesWithinPermissions() async throws {
        let code = await errorCode { _ = try await create([.membersRead, .tenantDelete]) }
        #expect(code == .forbidden)
        #expect(seeded.store.state.apiKeys.isEmpty)
        #expect(seeded.store.state.apiKeySecrets.isEmpty)
        #expect(seeded.events.isEmpty)
    }

    @Test("creating a key returns its secret once and stores only the secret's digest")
    func createStoresDigestOnly() async throws {
        let (key, secret) = try await create([.membersRead, .apiKeysRead])

        #expect(secret.value.hasPrefix(APIKeySecret.marker))
        let state = seeded.store.state
        #expect(state.apiKeys[key.id] == key)
        #expect(key.createdBy == seeded.admin.id)
        #expect(key.prefix == secret.prefix)
        #expect(key.lastFour == secret.lastFour)
        #expect(Array(state.apiKeySecrets.keys) == [SecretToken.digest(secret.value)])
        #expect(!state.apiKeySecrets.keys.contains(secret.value))

        let event = try #require(seeded.events.only)
        #expect(event.type == .apiKeyCreated)
        #expect(event.target?.id == key.id.description)
        #expect(event.after("name") == "CI")
        #expect(event.after("scopes") == "api_keys:read members:read")
        let payload = try event.payloadJSON()
        #expect(!payload.contains(secret.value))
    }

    @Test("revoking a key records api_key.revoked, once")
    func revoke() async throws {
        let (key, _) = try await create()

        try await keys.revoke(seeded.asAdmin, id: key.id, origin: SeededTenant.origin)
        try await keys.revoke(seeded.asAdmin, id: key.id, origin: SeededTenant.origin)

        #expect(seeded.store.state.apiKeys[key.id]?.revokedAt != nil)
        #expect(seeded.events.map(\.type) == [.apiKeyCreated, .apiKeyRevoked])
        #expect(seeded.events.last?.target?.id == key.id.description)
    }

    @Test("rotating a key adds a new secret, ends the old one after the overlap and records api_key.rotated")
    func rotate() async throws {
        let (key, old) = try await create()

        let (rotated, new, oldExpiresAt) = try await keys.rotate(
            seeded.asAdmin, id: key.id, overlap: 3600, origin: SeededTenant.origin)

        #expect(new.value != old.value)
        #expect(rotated.prefix == new.prefix)
        #expect(rotated.lastFour == new.lastFour)
        let secrets = seeded.store.state.apiKeySecrets
        #expect(secrets[SecretToken.digest(old.value)] == MemoryState.StoredSecret(keyID: key.id, expiresAt: oldExpiresAt))
        #expect(secrets[SecretToken.digest(new.value)] == MemoryState.StoredSecret(keyID: key.id, expiresAt: nil))
        let event = try #require(seeded.events.last)
        #expect(seeded.events.map(\.type) == [.apiKeyCreated, .apiKeyRotated])
        #expect(event.after("previous_secret_expires_at") == FastFormatting.timestamp(oldExpiresAt))
    }

    @Test("a revoked key cannot be rotated")
    func revokedKeyNotRotated() async throws {
        let (key, old) = try await create()
        try await keys.revoke(seeded.asAdmin, id: key.id, origin: SeededTenant.origin)

        let code = await errorCode {
            _ = try await keys.rotate(seeded.asAdmin, id: key.id, overlap: 3600, origin: SeededTenant.origin)
        }
        #expect(code == .conflict)
        #expect(Array(seeded.store.state.apiKeySecrets.keys) == [SecretToken.digest(old.value)])
        #expect(seeded.events.map(\.type) == [.apiKeyCreated, .apiKeyRevoked])
    }
}
