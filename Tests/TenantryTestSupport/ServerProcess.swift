public import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `tenantry` process started by a test, with its output captured line by line.
public final class ServerProcess: Sendable {
    private let process: Process
    private let pipe: Pipe
    private let output = Mutex<[String]>([])
    private let pending = Mutex<String>("")

    /// The built executable: `TENANTRY_TEST_BINARY` (set by scripts/test), else the debug build.
    public static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["TENANTRY_TEST_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/tenantry")
    }

    /// Starts `tenantry` with `arguments` and `environment` (added to a clean environment
    /// holding only PATH and HOME), in `directory`.
    public init(arguments: [String], environment: [String: String] = [:], directory: URL? = nil) throws {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        var base = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        if let home = ProcessInfo.processInfo.environment["HOME"] { base["HOME"] = home }
        process.environment = base.merging(environment) { _, new in new }
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        self.process = process
        self.pipe = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.absorb(String(decoding: data, as: UTF8.self))
        }
        try process.run()
    }

    private func absorb(_ text: String) {
        let lines = pending.withLock { pending -> [String] in
            pending += text
            var complete = pending.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            pending = complete.removeLast()
            return complete
        }
        if !lines.isEmpty { output.withLock { $0.append(contentsOf: lines) } }
    }

    /// Every complete line written so far.
    public var lines: [String] { output.withLock { $0 } + [pending.withLock { $0 }].filter { !$0.isEmpty } }

    /// Whether the process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Sends a signal.
    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to end (at most `timeout`), returning its exit status, or `nil`
    /// when it is still running (it is then killed).
    public func waitForExit(timeout: Duration) async throws -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                return nil
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        drainOutput()
        return process.terminationStatus
    }

    /// Reads what the process wrote before it ended and the readability handler has not seen
    /// yet (it runs asynchronously, so the last lines can arrive after the exit is noticed).
    private func drainOutput() {
        let handle = pipe.fileHandleForReading
        handle.readabilityHandler = nil
        let rest = handle.readDataToEndOfFile()
        if !rest.isEmpty { absorb(String(decoding: rest, as: UTF8.self)) }
    }

    /// Waits for the start-up line and returns the port it names; throws with the output when
    /// the process ends or `timeout` passes first.
    public func waitForListeningPort(timeout: Duration = .seconds(30)) async throws -> Int {
        try await waitForPort(announcedBy: "tenantry listening on", timeout: timeout)
    }

    /// Waits for a JSON log line containing `announcement` with a `port` field (e.g. `"metrics
    /// listening on"`) and returns that port.
    public func waitForPort(announcedBy announcement: String, timeout: Duration = .seconds(30)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            for line in lines where line.contains(announcement) {
                if let data = line.data(using: .utf8),
                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    let port = (object["port"] as? String).flatMap(Int.init)
                {
                    return port
                }
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerProcessError(message: "tenantry did not log \(announcement)", output: lines)
    }

    /// Kills the process if it is still running.
    public func stop() {
        if process.isRunning { process.terminate() }
    }
}

/// A server process did not behave; carries its output.
public struct ServerProcessError: Error, CustomStringConvertible {
    public let message: String
    public let output: [String]
    public var description: String { "\(message)\n" + output.joined(separator: "\n") }
}

/// A minimal HTTP client for talking to a server process over loopback.
public enum LoopbackHTTP {
    /// Sends a request and returns the status and body.
    public static func request(
        _ method: String = "GET",
        port: Int,
        path: String,
        headers: [String: String] = [:],
        json body: String? = nil,
        timeout: TimeInterval = 30
    ) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.timeoutInterval = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return (status, String(decoding: data, as: UTF8.self))
    }
}
