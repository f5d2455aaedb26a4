public import Foundation

/// A test peer written in Python from `scripts/test-peers/`, run as a child process: it prints
/// the port it listens on as its first line, and exits when its standard input closes (so it
/// never outlives a crashed test run).
public final class PythonPeer: Sendable {
    /// The port the peer reported.
    public let port: Int

    private let process: Process
    private let exit: ProcessExit
    private let input: Pipe
    private let output: CapturedText
    private let errors: CapturedText

    /// The repository's root folder.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Starts `scripts/test-peers/<script>` with `arguments` and waits (up to a minute: Python
    /// starts slowly on a loaded machine) until it reports its port. `hint` names what to
    /// install when it does not start.
    public init(script: String, arguments: [String], hint: String) async throws {
        let path = Self.repositoryRoot.appendingPathComponent("scripts/test-peers/\(script)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path] + arguments
        let input = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = input
        process.standardOutput = stdout
        process.standardError = stderr
        let output = CapturedText()
        let errors = CapturedText()
        stdout.fileHandleForReading.readabilityHandler = { handle in output.append(handle.availableData) }
        stderr.fileHandleForReading.readabilityHandler = { handle in errors.append(handle.availableData) }
        let exit = ProcessExit(process)
        try process.run()

        var port: Int?
        let deadline = ContinuousClock.now + .seconds(60)
        while port == nil, ContinuousClock.now < deadline, process.isRunning {
            let text = output.text
            if let end = text.firstIndex(of: "\n") {
                port = Int(text[..<end].trimmingCharacters(in: .whitespaces))
                if port == nil { break }
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        self.process = process
        self.exit = exit
        self.input = input
        self.output = output
        self.errors = errors
        guard let port else {
            self.port = 0
            stop()
            throw PythonPeerError(message: "\(script) did not report its port (\(hint))", output: errors.text + output.text)
        }
        self.port = port
    }

    /// Stops the process.
    public func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        if !exit.wait(timeout: .seconds(10)) {
            kill(process.processIdentifier, SIGKILL)
            exit.wait(timeout: .seconds(10))
        }
        (process.standardOutput as? Pipe)?.fileHandleForReading.readabilityHandler = nil
        (process.standardError as? Pipe)?.fileHandleForReading.readabilityHandler = nil
    }

    /// What the peer wrote to standard output after its port line.
    public var lines: [String] {
        Array(output.text.split(separator: "\n").dropFirst().map(String.init))
    }

    /// What the peer wrote to standard error so far (for failure messages).
    public var log: String { errors.text }
}

/// A test peer did not start.
public struct PythonPeerError: Error, CustomStringConvertible {
    public var message: String
    public var output: String
    public var description: String { "\(message)\n\(output)" }
}
