import ServiceLifecycle
import Synchronization

/// Opens once the server has passed its start-up checks (schema, database role, signing keys)
/// and listens. Background services wait behind it, so a start-up that fails never has to
/// cancel one of them half-way through a database call (such as a LISTEN being set up), and
/// no job runs against a database the server has refused.
public final class StartupGate: Sendable {
    private let isOpen = Atomic<Bool>(false)

    /// Creates a closed gate.
    public init() {}

    /// Lets the waiting services start.
    public func open() {
        isOpen.store(true, ordering: .releasing)
    }

    /// Whether the gate has opened.
    public var opened: Bool { isOpen.load(ordering: .acquiring) }

    /// Waits until the gate opens; returns `false` when the task is cancelled or the process
    /// shuts down first.
    func wait() async -> Bool {
        while !opened {
            if Task.isCancelled || Task.isShuttingDownGracefully { return false }
            do {
                try await Task.sleep(for: .milliseconds(10))
            } catch {
                return false
            }
        }
        return true
    }
}

/// A service that starts only once its gate opens.
struct GatedService: Service {
    let gate: StartupGate
    let service: any Service

    func run() async throws {
        guard await gate.wait() else { return }
        try await service.run()
    }
}
