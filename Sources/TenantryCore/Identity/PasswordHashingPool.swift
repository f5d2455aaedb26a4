import Dispatch
import Synchronization

/// Runs password hashing off the request threads with bounded concurrency: at most
/// `concurrency` hashes run at once and at most `queueLimit` wait; anything beyond is shed at once
/// with 503 `service_overloaded`, so sign-in latency stays bounded under load instead of queueing.
public final class PasswordHashingPool: Sendable {
    /// The hasher this pool runs.
    public let hasher: PasswordHasher
    private let concurrency: Int
    private let queueLimit: Int
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "tenantry.password-hashing", attributes: .concurrent)

    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    /// Creates a pool; `concurrency` defaults to the number of processor cores.
    public init(hasher: PasswordHasher, concurrency: Int? = nil, queueLimit: Int? = nil) {
        let cores = max(1, ProcessInfoCores.count)
        self.hasher = hasher
        self.concurrency = max(1, concurrency ?? cores)
        self.queueLimit = max(0, queueLimit ?? cores * 2)
    }

    /// How many hashes are running now (tests wait on it instead of sleeping).
    var running: Int { state.withLock { $0.running } }

    /// Hashes a new password.
    public func hash(_ password: String) async throws -> String {
        try await run { [hasher] in try hasher.hash(password) }
    }

    /// Verifies a password against a stored hash.
    public func verify(_ password: String, against stored: String) async throws -> Bool {
        try await run { [hasher] in hasher.verify(password, against: stored) }
    }

    /// Spends the time of one verification without an account (see
    /// ``PasswordHasher/simulateVerification(_:)``).
    public func simulateVerification(_ password: String) async throws {
        try await run { [hasher] in hasher.simulateVerification(password) }
    }

    private func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await acquire()
        defer { release() }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }

    private func acquire() async throws {
        enum Admission { case run, wait, shed }
        let admission = state.withLock { state -> Admission in
            if state.running < concurrency {
                state.running += 1
                return .run
            }
            return state.waiting.count < queueLimit ? .wait : .shed
        }
        switch admission {
        case .run:
            return
        case .shed:
            throw TenantryError(.overloaded, "The server is busy; retry in a moment.")
        case .wait:
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let startNow = state.withLock { state -> Bool in
                    if state.running < concurrency {
                        state.running += 1
                        return true
                    }
                    state.waiting.append(continuation)
                    return false
                }
                if startNow { continuation.resume() }
            }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.running -= 1
                return nil
            }
            // The slot passes straight to the next waiter.
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}

/// The number of processor cores available to this process.
enum ProcessInfoCores {
    static var count: Int {
        #if canImport(Glibc)
            return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
            return 2
        #endif
    }
}

#if canImport(Glibc)
    import Glibc
#endif
