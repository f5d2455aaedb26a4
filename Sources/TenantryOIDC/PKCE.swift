import Crypto
import Foundation
import TenantryCore

/// Proof Key for Code Exchange (RFC 7636) with the `S256` method, the only one offered: the
/// application keeps the verifier with the sign-in attempt (server side, never in the browser),
/// sends the challenge in the authorization request and the verifier with the code.
public enum PKCE {
    /// A new code verifier: 32 random bytes, base64url without padding (43 characters of the
    /// unreserved set `[A-Za-z0-9-._~]`, within RFC 7636's 43 to 128).
    public static func verifier() -> String {
        SecretToken.generate()
    }

    /// The `S256` code challenge of `verifier`: base64url(SHA-256(ASCII(verifier))) without padding.
    public static func challenge(for verifier: String) -> String {
        SecretToken.base64URL(SHA256.hash(data: Data(verifier.utf8)))
    }
}
