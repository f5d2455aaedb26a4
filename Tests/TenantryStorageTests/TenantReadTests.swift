import Foundation
import SQLKit
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Single-statement tenant reads")
struct TenantReadTests {
    /// A tenant with members of every built-in role, a custom role, a suspended member, and
    /// names holding the `LIKE` wildcards, so every filter has something to find and to skip.
    private func seedVariedTenant(_ database: any DatabaseClient) async throws -> (Tenant, CustomRole) {
        let tenant = try await Fixtures.seedTenant(database, name: "Varied")
        let now = Date()
        let role = CustomRole(
            tenantID: tenant.id, id: .generate(), name: "Billing", description: nil, baseRole: .member,
            permissions: [.membersRead], createdAt: now, updatedAt: now)
        let people: [(String, TenantRole, RoleID?, MemberStatus)] = [
            ("Ada 100% sure", .admin, nil, .active),
            ("Bo_b", .member, nil, .active),
            ("Cy", .member, role.id, .active),
            ("Dee", .viewer, nil, .suspended),
            ("Eve", .member, nil, .active),
            ("Fay", .owner, nil, .active),
        ]
        try await database.withTenant(tenant.id) { scope in
            try await scope.roles.create(role)
            for (name, rank, customRoleID, status) in people {
                let user = try Fixtures.user(name: name)
                try await scope.users.create(user)
                _ = try await scope.memberships.create(userID: user.id, role: rank, customRoleID: customRoleID, at: now)
                if status != .active {
                    try await scope.memberships.setStatus(status, of: user.id, at: now)
                }
            }
        }
        return (tenant, role)
    }

    /// Every page of a listing, following the cursor.
    private func allPages(
        limit: Int,
        _ fetch: (PageRequest) async throws -> Page<Member>
    ) async throws -> [[Member]] {
        var pages: [[Member]] = []
        var request = PageRequest(limit: limit)
        while true {
            let page = try await fetch(request)
            pages.append(page.items)
            guard let cursor = page.nextCursor else { return pages }
            request = try PageRequest.parse(limit: String(limit), cursor: cursor)
            #expect(pages.count < 50, "the cursor must end")
        }
    }

    @Test(
        "a single-statement member read answers exactly as the transactional repository, for every filter and page",
        arguments: TestDatabase.all)
    func sameAnswers(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let database = context.database
            let (tenant, role) = try await seedVariedTenant(database)
            try await Fixtures.seedTenant(database, name: "Other")
            let filters: [MemberFilter] = [
                .init(),
                .init(role: .builtIn(.owner)),
                .init(role: .builtIn(.member)),
                .init(role: .builtIn(.viewer)),
                .init(role: .custom(role.id)),
                .init(status: .suspended),
                .init(status: .active, text: "E"),
                .init(text: "%"),
                .init(text: "_"),
                .init(text: "example.com"),
                .init(role: .builtIn(.admin), status: .suspended),
            ]
            for filter in filters {
                for limit in [2, 50] {
                    let read = try await allPages(limit: limit) { request in
                        try await database.readTenant(tenant.id) { reads in try await reads.members(filter, page: request) }
                    }
                    let transactional = try await allPages(limit: limit) { request in
                        try await database.withTenant(tenant.id) { scope in
                            try await scope.memberships.members(filter, page: request)
                        }
                    }
                    #expect(read == transactional, "filter \(filter), limit \(limit)")
                    #expect(read.joined().allSatisfy { $0.membership.tenantID == tenant.id })
                }
            }
            // The filters found what they should: the whole tenant, wildcards taken literally,
            // the custom role's name filled in.
            let everyone = try await database.readTenant(tenant.id) { reads in
                try await reads.members(.init(), page: PageRequest(limit: 50)).items
            }
            #expect(everyone.count == 8)
            let percent = try await database.readTenant(tenant.id) { reads in
                try await reads.members(.init(text: "%"), page: PageRequest(limit: 50)).items
            }
            #expect(percent.map(\.name) == ["Ada 100% sure"])
            let custom = try await database.readTenant(tenant.id) { reads in
                try await reads.members(.init(role: .custom(role.id)), page: PageRequest(limit: 50)).items
            }
            #expect(custom.map(\.name) == ["Cy"])
            #expect(custom.first?.customRoleName == "Billing")
        }
    }

    @Test(
        "a single-statement read scopes only its own statement and refuses inside another tenant's scope",
        arguments: TestDatabase.postgresOnly)
    func scopesItself(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let tenantA = try await Fixtures.seedTenant(context.database, name: "A")
            let tenantB = try await Fixtures.seedTenant(context.database, name: "B")
            let client = try #require(context.database as? PostgresDatabaseClient)
            try await client.withUnscopedConnection { sql in
                let rows = try await sql.raw(
                    "SELECT user_id FROM tenantry_member_page(\(bind: tenantA.id.rawValue), NULL, 50, NULL, NULL, NULL, NULL)"
                ).all()
                #expect(rows.count == 2)
                // Nothing lingers on the pooled connection: tenant tables show nothing again.
                let setting = try await sql.raw("SELECT coalesce(current_setting('app.tenant_id', true), '') AS t").first()
                #expect(try setting?.decode(column: "t", as: String.self) == "")
                let visible = try await sql.raw("SELECT count(*) AS n FROM memberships").first()
                #expect(try visible?.decode(column: "n", as: Int.self) == 0)
            }
            await #expect(throws: (any Error).self) {
                try await context.database.withTenant(tenantB.id) { scope in
                    try await scope.sql.raw(
                        "SELECT user_id FROM tenantry_member_page(\(bind: tenantA.id.rawValue), NULL, 50, NULL, NULL, NULL, NULL)"
                    ).run()
                }
            }
            // Inside its own tenant's transaction it answers and leaves the scope as it was.
            try await context.database.withTenant(tenantB.id) { scope in
                let rows = try await scope.sql.raw(
                    "SELECT user_id FROM tenantry_member_page(\(bind: tenantB.id.rawValue), NULL, 50, NULL, NULL, NULL, NULL)"
                ).all()
                #expect(rows.count == 2)
                #expect(try await scope.memberships.list(PageRequest()).items.count == 2)
            }
        }
    }
}
