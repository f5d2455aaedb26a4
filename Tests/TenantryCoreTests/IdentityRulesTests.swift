import Foundation
import Testing

@testable import TenantryCore

@Suite("Identity rules")
struct IdentityRulesTests {
    @Test("password policy: 8 to 128 characters of any kind, common passwords refused")
    func passwordPolicy() throws {
        try PasswordPolicy.validate("correct horse battery")
        try PasswordPolicy.validate("ÄÖÜ漢字😀✓✓✓")
        try PasswordPolicy.validate(String(repeating: "é", count: 128))
        for (password, code) in [
            ("short", "too_short"), (String(repeating: "x", count: 129), "too_long"), ("password123", "too_common"),
            ("QWERTYUIOP", "too_common"),
        ] {
            let error = #expect(throws: TenantryError.self) { try PasswordPolicy.validate(password) }
            #expect(error?.fieldErrors.first?.code == code, "\(password)")
        }
    }

    @Test("password hashes carry their parameters, verify only the right password, and ask for a rehash when parameters change")
    func hashing() throws {
        let hasher = PasswordHasher(iterations: 1_000)
        let hash = try hasher.hash("correct horse battery")
        #expect(hash.hasPrefix("$pbkdf2-sha256$i=1000$"))
        #expect(hasher.verify("correct horse battery", against: hash))
        #expect(!hasher.verify("correct horse batterY", against: hash))
        #expect(!hasher.verify("correct horse battery", against: "$bcrypt$garbage"))
        #expect(try hasher.hash("same") != hasher.hash("same"))
        #expect(!hasher.needsRehash(hash))
        #expect(PasswordHasher(iterations: 2_000).needsRehash(hash))
        #expect(PasswordHasher(iterations: 2_000).verify("correct horse battery", against: hash))
    }

    @Test("the hashing pool sheds work beyond its concurrency and queue with service_overloaded")
    func poolSheds() async throws {
        let pool = PasswordHashingPool(hasher: PasswordHasher(iterations: 3_000_000), concurrency: 1, queueLimit: 0)
        let slow = Task { try await pool.hash("a long running hash") }
        while pool.running == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let error = await #expect(throws: TenantryError.self) { try await pool.hash("second") }
        #expect(error?.code == .overloaded)
        _ = try await slow.value
        // Capacity is back once the first finished.
        let fast = PasswordHashingPool(hasher: PasswordHasher(iterations: 1_000), concurrency: 1, queueLimit: 0)
        _ = try await fast.hash("fine")
    }

    static let policy = SessionPolicy(refreshGracePeriod: 30)

    static func session(revoked: Bool = false, expiresIn: TimeInterval = 3600, idleIn: TimeInterval = 3600) -> Session {
        let now = Date()
        return Session(
            id: .generate(), userID: .generate(), activeTenantID: nil, createdAt: now, lastSeenAt: now,
            expiresAt: now.addingTimeInterval(expiresIn), idleExpiresAt: now.addingTimeInterval(idleIn),
            revokedAt: revoked ? now : nil, revokedReason: nil, ip: nil, userAgent: nil
        )
    }

    static func record(rotatedAgo: TimeInterval?, graceUsed: Bool = false) -> RefreshTokenRecord {
        RefreshTokenRecord(
            tokenHash: "h", sessionID: .generate(), issuedAt: Date(),
            rotatedAt: rotatedAgo.map { Date().addingTimeInterval(-$0) }, replacedBy: rotatedAgo == nil ? nil : "next",
            graceUsed: graceUsed
        )
    }

    @Test(
        "refresh rotation decisions",
        arguments: [
            (nil as TimeInterval?, false, true, false, RefreshTokenRotation.Decision.rotate),
            (5, false, true, false, .replayWithinGrace),
            (5, true, true, false, .reuseDetected),
            (5, false, false, false, .reuseDetected),
            (60, false, true, false, .reuseDetected),
            (nil, false, true, true, .sessionEnded),
        ]
    )
    func rotation(
        rotatedAgo: TimeInterval?, graceUsed: Bool, successorLive: Bool, revoked: Bool, expected: RefreshTokenRotation.Decision
    ) {
        let decision = RefreshTokenRotation.decide(
            record: Self.record(rotatedAgo: rotatedAgo, graceUsed: graceUsed),
            session: Self.session(revoked: revoked),
            successorIsLive: successorLive,
            now: Date(),
            policy: Self.policy
        )
        #expect(decision == expected)
    }

    @Test("an expired or idle session refuses refreshes")
    func lifetimes() {
        for session in [Self.session(expiresIn: -1), Self.session(idleIn: -1)] {
            #expect(
                RefreshTokenRotation.decide(
                    record: Self.record(rotatedAgo: nil), session: session, successorIsLive: true, now: Date(),
                    policy: Self.policy)
                    == .sessionEnded
            )
        }
    }

    @Test("master key: seals and opens, rejects tampering, opens with a previous key after rotation")
    func masterKey() throws {
        let old = try MasterKey(currentBase64: MasterKey.generateBase64())
        let sealed = try old.seal(Data("secret".utf8))
        #expect(try old.open(sealed) == Data("secret".utf8))
        // Flip one bit of the ciphertext itself (a base64 character may carry unused padding
        // bits, so editing the text could leave the bytes unchanged).
        let parts = sealed.split(separator: ".").map(String.init)
        var bytes = try #require(Data(base64Encoded: parts[2]))
        bytes[bytes.count / 2] ^= 0x01
        let tampered = [parts[0], parts[1], bytes.base64EncodedString()].joined(separator: ".")
        #expect(tampered != sealed)
        #expect(throws: (any Error).self) { try old.open(tampered) }
        let oldBase64 = old.current.withUnsafeBytes { Data($0).base64EncodedString() }
        let rotated = try MasterKey(currentBase64: MasterKey.generateBase64(), previousBase64: [oldBase64])
        #expect(try rotated.open(sealed) == Data("secret".utf8))
        #expect(rotated.isSealedWithPreviousKey(sealed))
        let stranger = try MasterKey(currentBase64: MasterKey.generateBase64())
        #expect(throws: (any Error).self) { try stranger.open(sealed) }
        #expect(throws: TenantryError.self) { try MasterKey(currentBase64: "too-short") }
    }
}
