import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TenantryApplication
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

@testable import TenantryHTTP

@Suite("User directory cache")
struct UserDirectoryCacheTests {
    @Test("a profile change is visible in GET /me at once", arguments: TestDatabase.all)
    func profileChange(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            // Cached by this read.
            #expect(try await client.name(owner.accessToken) == "Owner")
            let patched = try await client.json(.patch, "/api/v1/me", ["name": "Ada L."], token: owner.accessToken)
            #expect(patched.status == .ok)
            #expect(try await client.name(owner.accessToken) == "Ada L.")

            // Email verification goes through another write path.
            let token = try #require(try await queuedEmails(context).first.flatMap(linkToken))
            #expect(try await client.me(owner.accessToken).user["email_verified"] as? Bool == false)
            #expect(try await client.json(.post, "/api/v1/auth/verify-email", ["token": token]).status == .ok)
            #expect(try await client.me(owner.accessToken).user["email_verified"] as? Bool == true)
        }
    }

    @Test(
        "a membership or tenant change invalidated on this node shows in /me and refresh at once",
        arguments: TestDatabase.all)
    func membershipAndTenantChange(engine: TestDatabase) async throws {
        try await withTestApplication(engine) { client, context in
            let owner = try await client.register()
            let userID = try #require(UserID(owner.userID))
            let tenantID = try #require(TenantID(owner.tenantID))
            let directory = context.identity.caches.directory
            let database = context.database.database
            #expect(try await client.me(owner.accessToken).tenants.count == 1)

            // A second tenant: the new membership is listed.
            let second = try Fixtures.tenant(name: "Second")
            try await database.withTenant(second.id) { scope in
                try await scope.tenants.create(second)
                _ = try await scope.memberships.create(userID: userID, role: .viewer, at: Date())
            }
            directory.invalidate(user: userID)
            let me = try await client.me(owner.accessToken)
            #expect(me.tenants.compactMap { $0["role"] as? String }.sorted() == ["owner", "viewer"])

            // A role change: refresh issues the new role.
            try await database.withTenant(tenantID) { scope in
                try await scope.memberships.setRole(.admin, of: userID, at: Date())
            }
            directory.invalidate(user: userID)
            let refreshed = try await client.refresh(owner.refreshToken)
            #expect(refreshed.status == .ok)
            #expect(refreshed.body["role"] as? String == "admin")
            #expect(try await client.me(try #require(refreshed.accessToken)).body["role"] as? String == "admin")

            // A suspended tenant: /me shows it, refresh into it is refused.
            try await database.withPlatform { scope in
                try await scope.tenants.setStatus(.suspended, of: tenantID, at: Date())
            }
            directory.invalidate(tenant: tenantID)
            let suspended = try await client.me(owner.accessToken)
            #expect(suspended.tenant["status"] as? String == "suspended")
            let refused = try await client.refresh(try #require(refreshed.refreshToken))
            #expect(refused.status == .forbidden)
            #expect(refused.body["code"] as? String == "tenant_suspended")

            // Removed from the second tenant: no longer listed.
            try await database.withTenant(second.id) { scope in try await scope.memberships.delete(userID: userID) }
            directory.invalidate(user: userID)
            #expect(try await client.me(owner.accessToken).tenants.count == 1)
        }
    }

    @Test("changes made on one node reach another node's cache through PostgreSQL", arguments: TestDatabase.postgresOnly)
    func acrossNodes(engine: TestDatabase) async throws {
        try await withTwoNodes(engine) { clientA, clientB, context in
            let owner = try await clientA.register()
            let userID = try #require(UserID(owner.userID))
            let tenantID = try #require(TenantID(owner.tenantID))
            // Node B caches the user.
            #expect(try await clientB.name(owner.accessToken) == "Owner")

            // A profile change through node A's API.
            #expect(try await clientA.json(.patch, "/api/v1/me", ["name": "Renamed"], token: owner.accessToken).status == .ok)
            #expect(try await eventually { try await clientB.name(owner.accessToken) == "Renamed" })

            // A membership written straight through the repositories (no local call at all): the
            // notice sent in its transaction is what reaches node B.
            let second = try Fixtures.tenant(name: "Second")
            try await context.database.withTenant(second.id) { scope in
                try await scope.tenants.create(second)
                _ = try await scope.memberships.create(userID: userID, role: .member, at: Date())
            }
            #expect(try await eventually { try await clientB.me(owner.accessToken).tenants.count == 2 })

            // A tenant status change reaches every member's entry.
            try await context.database.withPlatform { scope in
                try await scope.tenants.setStatus(.suspended, of: tenantID, at: Date())
            }
            #expect(
                try await eventually { try await clientB.me(owner.accessToken).tenant["status"] as? String == "suspended" })
        }
    }

    // MARK: The cache on its own

    @Test("a read in flight during an invalidation is answered but not remembered")
    func raceWithInvalidation() async throws {
        let user = try makeUser(UserID.generate())
        let loads = Mutex(0)
        let (started, startedContinuation) = AsyncStream<Void>.makeStream()
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let cache = UserDirectoryCache(capacity: 10, lifetime: 30) { _ in
            let number = loads.withLock { count in
                count += 1
                return count
            }
            if number == 1 {
                startedContinuation.yield()
                for await _ in release { break }
            }
            return UserDirectoryCache.Entry(user: user, memberships: [])
        }
        let first = Task { try await cache.entry(for: user.id) }
        for await _ in started { break }
        // The write commits and invalidates while the first read is still out.
        cache.invalidate(user: user.id)
        releaseContinuation.yield()
        #expect(try await first.value?.user.id == user.id)
        #expect(cache.count == 0)
        _ = try await cache.entry(for: user.id)
        _ = try await cache.entry(for: user.id)
        #expect(loads.withLock { $0 } == 2)
    }

    @Test("entries expire, tenant invalidation drops only that tenant's members, and the size stays bounded")
    func lifetimeTenantsAndBound() async throws {
        let tenant = try Fixtures.tenant()
        let other = try Fixtures.tenant()
        let loads = Mutex(0)
        let members = Mutex<[UserID: TenantID]>([:])
        let cache = UserDirectoryCache(capacity: 8, lifetime: 30) { id in
            loads.withLock { $0 += 1 }
            let user = try makeUser(id)
            let tenantID = members.withLock { $0[id] }
            let memberships = [tenant, other].filter { $0.id == tenantID }.map {
                TenantMembership(tenant: $0, role: .member)
            }
            return UserDirectoryCache.Entry(user: user, memberships: memberships)
        }
        let now = Date()
        let inTenant = UserID.generate()
        let inOther = UserID.generate()
        members.withLock { $0 = [inTenant: tenant.id, inOther: other.id] }
        _ = try await cache.entry(for: inTenant, now: now)
        _ = try await cache.entry(for: inOther, now: now)
        _ = try await cache.entry(for: inTenant, now: now.addingTimeInterval(29))
        #expect(loads.withLock { $0 } == 2)
        _ = try await cache.entry(for: inTenant, now: now.addingTimeInterval(31))
        #expect(loads.withLock { $0 } == 3)

        cache.invalidate(tenant: tenant.id)
        #expect(cache.count == 1)
        _ = try await cache.entry(for: inOther, now: now)
        #expect(loads.withLock { $0 } == 3)

        for _ in 0..<50 { _ = try await cache.entry(for: UserID.generate(), now: now) }
        #expect(cache.count <= 8)
        cache.invalidateAll()
        #expect(cache.count == 0)
    }
}

extension TestClientProtocol {
    /// `GET /api/v1/me`, parsed.
    fileprivate func me(_ token: String) async throws -> (
        body: [String: Any], user: [String: Any], tenant: [String: Any], tenants: [[String: Any]]
    ) {
        let response = try await json(.get, "/api/v1/me", token: token)
        #expect(response.status == .ok, "GET /me: \(response.raw)")
        return (
            response.body, response.body["user"] as? [String: Any] ?? [:], response.body["tenant"] as? [String: Any] ?? [:],
            (response.body["tenants"] as? [[String: Any]]) ?? []
        )
    }

    /// The display name `GET /api/v1/me` shows.
    fileprivate func name(_ token: String) async throws -> String? {
        try await me(token).user["name"] as? String
    }
}

/// A user with a given id.
private func makeUser(_ id: UserID) throws -> User {
    User(id: id, email: try EmailAddress("user-\(id)@example.com"), name: "Ada", createdAt: Date(), updatedAt: Date())
}

/// Polls `condition` until it holds or 3 seconds pass (well under the cache's 30-second
/// lifetime, so only a notice can make it hold).
private func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(3)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
