import Foundation
import TenantryCore
import Testing

@Suite("In-memory data store")
struct MemoryDataStoreTests {
    @Test("a transaction commits its changes when its body returns")
    func commits() async throws {
        let seeded = try SeededTenant()
        let newcomer = try SeededTenant.user("new@acme.example", "New Person")
        try await seeded.store.withTenant(seeded.tenant.id) { scope in
            try await scope.users.create(newcomer, passwordHash: nil)
        }
        #expect(seeded.store.state.users[newcomer.id] == newcomer)
    }

    @Test("a transaction whose body throws leaves nothing behind")
    func rollsBack() async throws {
        let seeded = try SeededTenant()
        let newcomer = try SeededTenant.user("new@acme.example", "New Person")
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await seeded.store.withTenant(seeded.tenant.id) { scope in
                try await scope.users.create(newcomer, passwordHash: nil)
                try await scope.memberships.delete(userID: seeded.member.id)
                throw Refused()
            }
        }
        #expect(seeded.store.state.users[newcomer.id] == nil)
        #expect(seeded.membership(of: seeded.member) != nil)
    }

    @Test("a call no double implements fails the test, naming the call")
    func unexpectedCallFails() async throws {
        let seeded = try SeededTenant()
        let expected = "unexpected call: NoTeams.find(id:)"
        var thrown: UnexpectedCall?
        await withKnownIssue {
            thrown = await #expect(throws: UnexpectedCall.self) {
                try await seeded.store.withTenant(seeded.tenant.id) { scope in
                    _ = try await scope.teams.find(id: .generate())
                }
            }
        } matching: { issue in
            issue.comments.contains { $0.rawValue == expected }
        }
        #expect(thrown?.description == expected)
    }
}
