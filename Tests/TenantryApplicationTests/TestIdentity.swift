import Foundation
import TenantryApplication
import TenantryCore

/// What the identity use cases need besides a data store: fast password hashing and an access
/// token authority holding one freshly generated signing key.
enum TestIdentity {
    static let publicURL = "https://tenantry.example"

    /// Links in emails point at ``publicURL``.
    static let emailedTokens = EmailedTokenIssuer(publicURL: publicURL)

    /// The fewest iterations the tests can afford to wait for.
    static let hashing = PasswordHashingPool(hasher: PasswordHasher(iterations: 1_000))

    static func authority() async throws -> AccessTokenAuthority {
        let masterKey = try MasterKey(currentBase64: MasterKey.generateBase64())
        let authority = AccessTokenAuthority(
            settings: TokenSettings(issuer: publicURL, audience: "tenantry"), masterKey: masterKey)
        let now = Date()
        let key = try SigningKeyRecord.generate(masterKey: masterKey, now: now, signsFrom: now.addingTimeInterval(-60))
        try await authority.reload([key])
        return authority
    }
}
