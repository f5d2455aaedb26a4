import Logging
import SQLKit
import TenantryCore
import TenantryStorage
import TenantryTestSupport
import Testing

@Suite("Error diagnostics")
struct ErrorDiagnosticsTests {
    @Test(
        "a failed statement is logged by its type and database code, never by its text or the names in it",
        arguments: TestDatabase.all)
    func databaseFailure(engine: TestDatabase) async throws {
        try await withTestDatabase(engine) { context in
            let error = await #expect(throws: TenantryError.self) {
                try await context.database.withPlatform { scope in
                    try await scope.sql.raw("SELECT secret_column_x FROM table_that_is_not_there").run()
                }
            }
            let metadata = ErrorDiagnostics.metadata(for: try #require(error))
            #expect(metadata["error.code"] == "internal_error")
            switch engine {
            case .postgres:
                #expect(metadata["error.type"] == "PostgresNIO.PSQLError")
                #expect(metadata["db.sqlstate"] == "42P01")  // undefined_table
            case .sqlite:
                #expect(metadata["error.type"] == "SQLiteNIO.SQLiteError")
                #expect(metadata["db.sqlite"] == "error")
            }
            let logged = metadata.values.map { "\($0)" }.joined(separator: " ")
            #expect(!logged.contains("table_that_is_not_there"))
            #expect(!logged.contains("secret_column_x"))
        }
    }

    @Test("a domain error without a cause is logged by its code and type")
    func domainError() {
        let metadata = ErrorDiagnostics.metadata(for: TenantryError(.conflict, "The slug acme-secret is taken."))
        #expect(metadata["error.code"] == "conflict")
        #expect(metadata["error.type"] == "TenantryCore.TenantryError")
        #expect(metadata.count == 2)
    }
}
