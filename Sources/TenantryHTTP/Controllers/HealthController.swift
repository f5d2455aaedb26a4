import Foundation
public import Hummingbird
import Synchronization
import TenantryCore

/// `GET /health/live` (the process answers) and `GET /health/ready` (the database answers
/// within the readiness timeout; 503 problem otherwise, 200 again once it recovers).
public struct HealthController: Sendable {
    let engine: String
    let checkReadiness: @Sendable () async throws -> Void
    let readinessTimeout: Duration
    let drain: DrainState

    /// Creates the controller: `engine` names the database in the answer, `checkReadiness`
    /// throws when the database does not answer or lacks the schema; once `drain` begins,
    /// readiness is 503 whatever the database says.
    public init(
        engine: String, readinessTimeout: Duration, drain: DrainState = DrainState(),
        checkReadiness: @escaping @Sendable () async throws -> Void
    ) {
        self.engine = engine
        self.checkReadiness = checkReadiness
        self.readinessTimeout = readinessTimeout
        self.drain = drain
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
            if drain.isDraining {
                throw TenantryError(.unavailable, "The server is shutting down.")
            }
            do {
                try await Deadline.run(within: readinessTimeout) {
                    try await checkReadiness()
                }
            } catch {
                throw TenantryError(.unavailable, "The database is not reachable.", cause: error)
            }
            return Status(status: "ok", database: engine)
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
