import SQLKit
import Synchronization
import TenantryCore

/// The notices one unit of work announced (``ChangeNotice``), kept until it commits.
///
/// Repositories announce a change where they write it: on PostgreSQL with `pg_notify` inside
/// the transaction (delivered to other nodes only if it commits), and here, for this node.
/// ``SQLDataStore`` publishes what was collected on its ``ChangeBus`` once the transaction has
/// committed, and drops it when it rolled back.
final class ChangeCollection: Sendable {
    /// The collection of the unit of work running in this task, if any.
    @TaskLocal static var current: ChangeCollection?

    private let notices = Mutex<[ChangeNotice]>([])

    /// Keeps a notice for publication after the commit.
    func add(_ notice: ChangeNotice) {
        notices.withLock { $0.append(notice) }
    }

    /// What was collected, each notice once, in the order first announced.
    var collected: [ChangeNotice] {
        notices.withLock { all in
            var seen = Set<ChangeNotice>()
            return all.filter { seen.insert($0).inserted }
        }
    }
}

extension ChangeNotice {
    /// Announces the notice in the unit of work of `sql`: to other nodes with `pg_notify` (sent
    /// only when the transaction commits), and to this node's ``ChangeCollection``.
    func announce(on sql: any SQLDatabase) async throws {
        ChangeCollection.current?.add(self)
        guard sql.dialect.name == "postgresql", channel.crossesNodes else { return }
        try await sql.raw("SELECT pg_notify(\(bind: channel.rawValue), \(bind: payload))").run()
    }
}
