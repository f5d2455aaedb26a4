import SQLKit
import TenantryCore

extension UserDirectoryNotice {
    /// Announces the notice in the transaction of `sql` (see ``ChangeNotice/announce(on:)``).
    func announce(on sql: any SQLDatabase) async throws {
        try await ChangeNotice.directory(self).announce(on: sql)
    }
}
