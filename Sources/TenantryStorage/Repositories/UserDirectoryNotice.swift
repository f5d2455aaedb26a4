import SQLKit
import TenantryCore

extension UserDirectoryNotice {
    /// Sends the notice in the transaction of `sql` (PostgreSQL only): it is delivered when
    /// that transaction commits and never for one that rolled back.
    func announce(on sql: any SQLDatabase) async throws {
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT pg_notify(\(bind: Self.channel.rawValue), \(bind: payload))").run()
    }
}
