public import Foundation
import Synchronization

/// Runs a command found on `PATH` (a Python test peer, a validator) to completion and returns
/// its exit status with what it wrote.
///
/// Nothing here blocks a thread of Swift's cooperative pool: the end of the child is awaited
/// through `ProcessExit` and its pipes are read on threads of their own. `Process.waitUntilExit()`
/// and `readDataToEndOfFile()` on the pool are what a stuck test run looks like on a 2-core
/// machine (the pool has two threads; see `ProcessExit`).
public enum CommandRunner {
    /// Runs `arguments` (the first is the program) through `/usr/bin/env`; standard output and
    /// error together.
    public static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let result = try await run(arguments, input: nil, mergingErrors: true)
        return (result.status, String(decoding: result.output, as: UTF8.self))
    }

    /// Runs `arguments` with `input` on standard input; returns the exit status, standard output,
    /// and standard error (kept apart).
    public static func run(_ arguments: [String], input: Data) async throws -> (
        status: Int32, output: Data, errors: String
    ) {
        try await run(arguments, input: input, mergingErrors: false)
    }

    private static func run(_ arguments: [String], input: Data?, mergingErrors: Bool) async throws -> (
        status: Int32, output: Data, errors: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = mergingErrors ? stdout : Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let exit = ProcessExit(process)
        try process.run()
        let output = PipeReader(stdout)
        let errors = mergingErrors ? nil : PipeReader(stderr)
        let writer = Thread {
            if let input { try? stdin.fileHandleForWriting.write(contentsOf: input) }
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        await exit.wait()
        let outputData = await output.data()
        let errorData = await errors?.data() ?? Data()
        return (process.terminationStatus, outputData, String(decoding: errorData, as: UTF8.self))
    }

    /// The repository's root folder (where `scripts/` is).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}

/// The end of a child process, awaited without `Process.waitUntilExit()`.
///
/// On Linux `waitUntilExit()` polls the calling thread's run loop and relies on Foundation
/// waking it when the child ends; called off the main thread under load it can miss that wake-up
/// and wait forever, holding one of the cooperative pool's threads (two on a 2-core machine).
/// This uses the termination handler instead, which must be set before `run()` so a child that
/// ends at once is not missed: create a `ProcessExit` before starting the process.
public final class ProcessExit: Sendable {
    private struct State {
        var ended = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let ended = DispatchSemaphore(value: 0)

    /// Installs the termination handler on `process`, which must not be running yet.
    public init(_ process: Process) {
        process.terminationHandler = { [self] _ in finish() }
    }

    private func finish() {
        let waiters = state.withLock { state in
            state.ended = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
        ended.signal()
    }

    /// Whether the process has ended.
    public var hasEnded: Bool { state.withLock { $0.ended } }

    /// Suspends until the process has ended.
    public func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ended = state.withLock { state in
                if state.ended { return true }
                state.waiters.append(continuation)
                return false
            }
            if ended { continuation.resume() }
        }
    }

    /// Blocks until the process has ended or `timeout` has passed; whether it ended. For the
    /// synchronous `stop()` of a peer, after it was told to end.
    @discardableResult
    public func wait(timeout: Duration) -> Bool {
        if hasEnded { return true }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        guard ended.wait(timeout: .now() + seconds) == .success else { return hasEnded }
        ended.signal()
        return true
    }
}

/// Reads a pipe to its end on a thread of its own (never on the cooperative pool).
public final class PipeReader: Sendable {
    private struct State {
        var data: Data?
        var waiters: [CheckedContinuation<Data, Never>] = []
    }

    private let state = Mutex(State())

    /// Starts reading `pipe`; the process writing to it must have been started.
    public init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        let thread = Thread { [self] in
            let data = (try? handle.readToEnd()) ?? Data()
            let waiters = state.withLock { state in
                state.data = data
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: data) }
        }
        thread.start()
    }

    /// Everything the pipe carried, once its writers have all closed it.
    public func data() async -> Data {
        await withCheckedContinuation { (continuation: CheckedContinuation<Data, Never>) in
            let data = state.withLock { state -> Data? in
                if let data = state.data { return data }
                state.waiters.append(continuation)
                return nil
            }
            if let data { continuation.resume(returning: data) }
        }
    }
}
