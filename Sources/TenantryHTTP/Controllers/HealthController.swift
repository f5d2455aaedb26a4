import Foundation
public import Hummingbird
import Synchronization
import TenantryCore
public import TenantryApplication

/// `GET /health/live` (the process answers) and `GET /health/ready` (the database answers
/// within the readiness timeout; 503 problem otherwise, 200 again once it recovers).
public struct HealthController: Sendable {
    let database: any DataStore
    let readinessTimeout: Duration

    /// Creates the controller.
    public init(database: any DataStore, readinessTimeout: Duration) {
        self.database = database
        self.readinessTimeout = readinessTimeout
    }

    struct Status: ResponseEncodable {
        let status: String
        let database: String?
    }

    /// Adds the routes.
    public func register(on router: Router<AppRequestContext>) {
        router.get("/health/live") { _, _ in
            Status(status: "ok", database: nil)
        }
        router.get("/health/ready") { _, _ in
            do {
                try await Deadline.run(within: readinessTimeout) {
                    try await database.checkReadiness()
                }
            } catch {
                throw TenantryError(.unavailable, "The database is not reachable.", cause: error)
            }
            return Status(status: "ok", database: database.engine.rawValue)
        }
    }
}

/// Runs an operation with a time limit without waiting for it past the limit: the operation
/// keeps running unobserved (it may be blocked inside a driver that ignores cancellation),
/// and the caller gets a timeout error at once.
enum Deadline {
    struct Exceeded: Error {}

    /// Resumes a continuation exactly once, whichever side finishes first.
    private final class Outcome: Sendable {
        private let continuation: Mutex<CheckedContinuation<Void, any Error>?>

        init(_ continuation: CheckedContinuation<Void, any Error>) {
            self.continuation = Mutex(continuation)
        }

        func settle(_ result: Result<Void, any Error>) {
            let pending = continuation.withLock { value in
                defer { value = nil }
                return value
            }
            pending?.resume(with: result)
        }
    }

    static func run(within limit: Duration, _ operation: @escaping @Sendable () async throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome = Outcome(continuation)
            let work = Task {
                do {
                    try await operation()
                    outcome.settle(.success(()))
                } catch {
                    outcome.settle(.failure(error))
                }
            }
            Task {
                try? await Task.sleep(for: limit)
                work.cancel()
                outcome.settle(.failure(Exceeded()))
            }
        }
    }
}
