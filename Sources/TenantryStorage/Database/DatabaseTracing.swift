import TenantryCore
import Tracing

/// The spans of database work: one client span per unit of work (a transaction, or a read on
/// one connection), named `db <operation>` (`db withTenant`, `db readGlobal`, …), a child of
/// the request or job it serves. Only when a tracer is installed: the clients check
/// `Traces.enabled` once, when they are made.
enum DatabaseTracing {
    /// Runs `work` in a span, when the task is traced (a request, a job; not a background
    /// loop's polling, which would make a root span every few hundred milliseconds); an error
    /// it throws is recorded on the span.
    static func span<Result: Sendable>(
        _ operation: String, system: String, _ work: () async throws -> Result
    ) async throws -> Result {
        guard Traces.inTrace else { return try await work() }
        return try await withSpan("db \(operation)", ofKind: .client) { span in
            var attributes = span.attributes
            attributes["db.system.name"] = system
            attributes["db.operation.name"] = operation
            span.attributes = attributes
            return try await work()
        }
    }
}
