import TenantryCore
import TenantryStorage
import Testing

@Suite("Database URLs")
struct DatabaseLocationTests {
    @Test(
        "SQLite URLs name a file or memory",
        arguments: [
            ("sqlite:.tenantry/tenantry.db", DatabaseLocation.sqlite(.file(path: ".tenantry/tenantry.db"))),
            ("sqlite:/var/lib/t.db", .sqlite(.file(path: "/var/lib/t.db"))),
            ("sqlite:///var/lib/t.db", .sqlite(.file(path: "/var/lib/t.db"))),
            ("sqlite://data/t.db", .sqlite(.file(path: "data/t.db"))),
            ("sqlite::memory:", .sqlite(.memory)),
        ]
    )
    func sqlite(url: String, expected: DatabaseLocation) throws {
        #expect(try DatabaseLocation(url: url) == expected)
    }

    @Test("PostgreSQL URLs carry host, port, credentials, database and TLS mode")
    func postgres() throws {
        let location = try DatabaseLocation(url: "postgres://app%40x:p%3Ass@db.example:6543/tenantry?sslmode=require")
        guard case .postgres(let endpoint) = location else {
            Issue.record("expected PostgreSQL")
            return
        }
        #expect(endpoint.username == "app@x")
        #expect(endpoint.password == "p:ss")
        #expect(endpoint.host == "db.example")
        #expect(endpoint.port == 6543)
        #expect(endpoint.database == "tenantry")
        #expect(endpoint.tls == .require)
        #expect(!location.description.contains("p:ss"))
        #expect(!location.description.contains("p%3Ass"))

        guard case .postgres(let defaults) = try DatabaseLocation(url: "postgresql://app@[::1]/db") else {
            Issue.record("expected PostgreSQL")
            return
        }
        #expect(defaults.host == "::1")
        #expect(defaults.port == 5432)
        #expect(defaults.password == nil)
        #expect(defaults.tls == .prefer)
    }

    @Test(
        "malformed URLs are rejected naming the setting",
        arguments: [
            "", "mysql://x", "sqlite:", "postgres://host/db", "postgres://u@host", "postgres://u@host:99999/db",
            "postgres://u@host/db?sslmode=maybe", "postgres://u@:5432/db",
        ]
    )
    func malformed(url: String) {
        let error = #expect(throws: TenantryError.self) { try DatabaseLocation(url: url) }
        #expect(error?.fieldErrors.first?.field == "TENANTRY_DATABASE_URL")
    }
}
