import Foundation
import HummingbirdTesting
import TenantryTestSupport
import Testing

/// A TOTP code computed by pyotp, as an authenticator app would, for the step `offset` steps
/// from now.
func pyotpCode(_ secret: String, offset: Int = 0) async throws -> String {
    let result = try await CommandRunner.run([
        "python3", "-c",
        "import pyotp, sys, time; print(pyotp.TOTP(sys.argv[1]).at(int(time.time()) + 30 * int(sys.argv[2])))",
        secret, String(offset),
    ])
    #expect(result.status == 0, "pyotp (pip install pyotp): \(result.output)")
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
}

extension TestClientProtocol {
    /// Turns TOTP on for a freshly signed-in person; returns the base32 secret and the recovery
    /// codes. The confirming code is the current step's, so the next code to use is `offset: 1`.
    func enableTOTP(token: String) async throws -> (secret: String, recoveryCodes: [String]) {
        let enrolment = try await json(.post, "/api/v1/me/mfa/totp", token: token)
        #expect(enrolment.status == .ok, "enrol: \(enrolment.raw)")
        let secret = try #require(enrolment.body["secret"] as? String)
        let confirmed = try await json(.post, "/api/v1/me/mfa/totp/confirm", ["code": try pyotpCode(secret)], token: token)
        #expect(confirmed.status == .ok, "confirm: \(confirmed.raw)")
        return (secret, try #require(confirmed.body["recovery_codes"] as? [String]))
    }
}
