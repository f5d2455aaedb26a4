import Foundation
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Repositories")
struct RepositoryTests {
    @Test("a created tenant is found by id and by slug", arguments: TestDatabase.all)
    func tenantRoundTrip(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try Fixtures.tenant(name: "Round Trip")
            try await context.database.withPlatform { scope in try await scope.tenants.create(tenant) }
            let (byID, bySlug) = try await context.database.withPlatform { scope in
                (try await scope.tenants.find(id: tenant.id), try await scope.tenants.find(slug: tenant.slug))
            }
            #expect(byID?.id == tenant.id)
            #expect(byID?.name == "Round Trip")
            #expect(byID?.status == .active)
            #expect(bySlug?.id == tenant.id)
            #expect(abs((byID?.createdAt.timeIntervalSince1970 ?? 0) - tenant.createdAt.timeIntervalSince1970) < 0.001)
        }
    }

    @Test("a taken slug is a conflict on the slug field", arguments: TestDatabase.all)
    func duplicateSlug(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let first = try Fixtures.tenant()
            var second = try Fixtures.tenant()
            second.slug = first.slug
            try await context.database.withPlatform { scope in try await scope.tenants.create(first) }
            let error = await #expect(throws: TenantryError.self) {
                try await context.database.withPlatform { scope in try await scope.tenants.create(second) }
            }
            #expect(error?.code == .conflict)
            #expect(error?.fieldErrors.first?.field == "slug")
        }
    }

    @Test("tenant status changes persist, and an unknown tenant is not found", arguments: TestDatabase.all)
    func tenantStatus(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await Fixtures.seedTenant(context.database)
            try await context.database.withPlatform { scope in
                try await scope.tenants.setStatus(.suspended, of: tenant.id, at: Date())
            }
            let status = try await context.database.withPlatform { try await $0.tenants.find(id: tenant.id)?.status }
            #expect(status == .suspended)
            let error = await #expect(throws: TenantryError.self) {
                try await context.database.withPlatform { scope in
                    try await scope.tenants.setStatus(.active, of: TenantID.generate(), at: Date())
                }
            }
            #expect(error?.code == .notFound)
        }
    }

    @Test("tenant pages follow the cursor without gaps or repeats", arguments: TestDatabase.all)
    func tenantPagination(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            var created: [TenantID] = []
            for index in 0..<5 {
                let tenant = try Fixtures.tenant(name: "Tenant \(index)")
                try await context.database.withPlatform { scope in try await scope.tenants.create(tenant) }
                created.append(tenant.id)
            }
            var seen: [TenantID] = []
            var request = PageRequest(limit: 2)
            var pages = 0
            while true {
                let page = try await context.database.withPlatform { scope in try await scope.tenants.list(request) }
                pages += 1
                seen += page.items.map(\.id)
                guard let cursor = page.nextCursor else { break }
                request = try PageRequest.parse(limit: "2", cursor: cursor)
            }
            #expect(seen == created.sorted { $0.rawValue.uuidString < $1.rawValue.uuidString })
            #expect(Set(seen) == Set(created))
            #expect(pages == 3)
        }
    }

    @Test("users are found by normalised email, and an email registers once", arguments: TestDatabase.all)
    func users(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await Fixtures.seedTenant(context.database)
            let now = Date()
            let user = User(
                id: .generate(), email: try EmailAddress("  Grace@Example.COM "), name: "Grace", createdAt: now, updatedAt: now)
            try await context.database.withTenant(tenant.id) { scope in try await scope.users.create(user) }
            let found = try await context.database.withTenant(tenant.id) { scope in
                try await scope.users.find(email: try EmailAddress("grace@example.com"))
            }
            #expect(found?.id == user.id)
            #expect(found?.email.rawValue == "grace@example.com")
            let twin = User(
                id: .generate(), email: try EmailAddress("GRACE@example.com"), name: "Twin", createdAt: now, updatedAt: now)
            let error = await #expect(throws: TenantryError.self) {
                try await context.database.withTenant(tenant.id) { scope in try await scope.users.create(twin) }
            }
            #expect(error?.code == .conflict)
            #expect(error?.fieldErrors.first?.field == "email")
        }
    }

    @Test("memberships are created, listed, re-roled, counted and removed within their tenant", arguments: TestDatabase.all)
    func memberships(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await Fixtures.seedTenant(context.database)
            let newcomer = try Fixtures.user(name: "Newcomer")
            try await context.database.withTenant(tenant.id) { scope in
                try await scope.users.create(newcomer)
                let membership = try await scope.memberships.create(userID: newcomer.id, role: .viewer, at: Date())
                #expect(membership.tenantID == tenant.id)
            }
            let duplicate = await #expect(throws: TenantryError.self) {
                try await context.database.withTenant(tenant.id) { scope in
                    _ = try await scope.memberships.create(userID: newcomer.id, role: .member, at: Date())
                }
            }
            #expect(duplicate?.code == .conflict)

            try await context.database.withTenant(tenant.id) { scope in
                #expect(try await scope.memberships.list(PageRequest()).items.count == 3)
                try await scope.memberships.setRole(.admin, of: newcomer.id, at: Date())
                #expect(try await scope.memberships.find(userID: newcomer.id)?.role == .admin)
                #expect(try await scope.memberships.count(role: .owner) == 1)
                #expect(try await scope.memberships.count(role: .admin) == 1)
                try await scope.memberships.delete(userID: newcomer.id)
                #expect(try await scope.memberships.find(userID: newcomer.id) == nil)
            }
            let missing = await #expect(throws: TenantryError.self) {
                try await context.database.withTenant(tenant.id) { scope in
                    try await scope.memberships.delete(userID: newcomer.id)
                }
            }
            #expect(missing?.code == .notFound)
        }
    }

    @Test("a tenant scope never reads or changes another tenant's memberships", arguments: TestDatabase.all)
    func membershipsAreScoped(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await Fixtures.seedTenant(context.database, name: "A")
            let tenantB = try await Fixtures.seedTenant(context.database, name: "B")
            let membersOfB = try await context.database.withTenant(tenantB.id) { scope in
                try await scope.memberships.list(PageRequest()).items
            }
            #expect(membersOfB.count == 2)
            try await context.database.withTenant(tenantA.id) { scope in
                let listed = try await scope.memberships.list(PageRequest()).items
                #expect(listed.allSatisfy { $0.tenantID == tenantA.id })
                for member in membersOfB {
                    #expect(try await scope.memberships.find(userID: member.userID) == nil)
                    await #expect(throws: TenantryError.self) {
                        try await scope.memberships.setRole(.viewer, of: member.userID, at: Date())
                    }
                    await #expect(throws: TenantryError.self) {
                        try await scope.memberships.delete(userID: member.userID)
                    }
                }
            }
            let after = try await context.database.withTenant(tenantB.id) { scope in
                try await scope.memberships.list(PageRequest()).items
            }
            #expect(after == membersOfB)
        }
    }

    @Test("audit events append and list in order with every field kept", arguments: TestDatabase.all)
    func auditEvents(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try await Fixtures.seedTenant(context.database)
            let events = (0..<3).map { Fixtures.auditEvent(in: tenant.id, action: "test.step\($0)") }
            try await context.database.withTenant(tenant.id) { scope in
                for event in events { try await scope.auditEvents.append(event) }
            }
            let listed = try await context.database.withTenant(tenant.id) { scope in
                try await scope.auditEvents.list(PageRequest(limit: 10)).items
            }
            #expect(listed.map(\.action) == ["tenant.created", "test.step0", "test.step1", "test.step2"])
            let stored = try #require(listed.last)
            #expect(stored.origin == events[2].origin)
            #expect(stored.target == events[2].target)
            #expect(stored.changes == events[2].changes)
            #expect(stored.actor == .system)
        }
    }

    @Test("an audit event of another tenant cannot be written in this tenant's scope", arguments: TestDatabase.all)
    func auditEventScope(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await Fixtures.seedTenant(context.database, name: "A")
            let tenantB = try await Fixtures.seedTenant(context.database, name: "B")
            await #expect(throws: TenantryError.self) {
                try await context.database.withTenant(tenantA.id) { scope in
                    try await scope.auditEvents.append(Fixtures.auditEvent(in: tenantB.id))
                }
            }
            let countB = try await context.database.withTenant(tenantB.id) { scope in
                try await scope.auditEvents.list(PageRequest()).items.count
            }
            #expect(countB == 1)
        }
    }

    @Test("a failing transaction leaves nothing behind", arguments: TestDatabase.all)
    func rollback(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenant = try Fixtures.tenant()
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await context.database.withTenant(tenant.id) { scope in
                    try await scope.tenants.create(tenant)
                    throw Abort()
                }
            }
            let found = try await context.database.withPlatform { try await $0.tenants.find(id: tenant.id) }
            #expect(found == nil)
        }
    }

    @Test("concurrent transactions all commit", arguments: TestDatabase.all)
    func concurrentTransactions(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let database = context.database
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask { try await Fixtures.seedTenant(database, name: "Concurrent \(index)") }
                }
                try await group.waitForAll()
            }
            let count = try await database.withPlatform { try await $0.tenants.list(PageRequest(limit: 200)).items.count }
            #expect(count == 20)
        }
    }
}
